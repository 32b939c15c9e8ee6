"""``dozor demo``: a node with synthetic seizures, UNODC's official totals and demo users."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path

from rich.progress import Progress
from sqlalchemy import Engine, func, select

from dozor.access.identity import create_user, hash_password, user_exists
from dozor.access.keys import current_key, generate_key
from dozor.demo.exchanges import exchange_demo_requests
from dozor.demo.generator import DemoSeizure, generate, write_template_csv
from dozor.demo.releases import release_demo_records
from dozor.ingest.readers import open_sheets
from dozor.ingest.service import import_file
from dozor.ingest.unodc import import_annual
from dozor.progress import err_console, progress_bar
from dozor.settings import Settings
from dozor.store.reference import init_database
from dozor.store.schema import seizure

DEMO_PASSWORD = "dozor-demo"  # noqa: S105 - printed for every demo login on purpose
COUNTRY_AGENCIES = {
    "KAZ": "KAZ-CUSTOMS",
    "KGZ": "KGZ-BORDER",
    "TJK": "TJK-DCA",
    "TKM": "TKM-BORDER",
    "UZB": "UZB-CUSTOMS",
}


def demo_users() -> list[tuple[str, str, list[str]]]:
    """(username, agency, roles) of the demo logins."""
    users: list[tuple[str, str, list[str]]] = []
    for country, agency in COUNTRY_AGENCIES.items():
        prefix = country.lower()
        users.append((f"{prefix}.officer", agency, ["officer"]))
        users.append((f"{prefix}.supervisor", agency, ["supervisor"]))
        users.append((f"{prefix}.analyst", agency, ["analyst"]))
    users.append(("kaz.admin", "KAZ-POLICE", ["national_admin"]))
    users.append(("hub.analyst", "HUB-CARICC", ["analyst"]))
    users.append(("hub.admin", "HUB-CARICC", ["hub_admin"]))
    users.append(("hub.auditor", "HUB-CARICC", ["auditor"]))
    return users


def load_demo(
    engine: Engine,
    settings: Settings,
    *,
    seizures: int,
    seed: int,
    shape: Callable[[Iterator[DemoSeizure]], Iterator[DemoSeizure]] | None = None,
) -> list[tuple[str, str, list[str]]]:
    """Initialise, import generated seizures and persons and the UNODC totals, add users.

    ``shape`` may rewrite the generated seizures on their way to the import (benchmarks).
    """
    init_database(engine, settings)
    demo_settings = settings.model_copy(
        update={"import_max_rows": max(seizures * 4, 100_000), "import_max_bytes": 1 << 34}
    )
    with tempfile.TemporaryDirectory(prefix="dozor-demo-") as folder:
        seizures_path = Path(folder) / "seizures.csv"
        persons_path = Path(folder) / "persons.csv"
        with progress_bar("Generating demo seizures", seizures, True) as bar:
            rows, _ = write_template_csv(
                _counted((shape or iter)(generate(seizures, seed=seed)), bar),
                seizures_path,
                persons_path,
            )
        with progress_bar("Importing demo seizures", rows, True) as bar:
            task = bar.task_ids[0]
            result = import_file(
                engine,
                demo_settings,
                seizures_path,
                persons_path,
                progress=lambda n: bar.advance(task, n),
            )
    if not result.committed:
        for problem in result.errors[:20]:
            err_console.print(problem.as_dict())
        raise RuntimeError(f"demo import failed with {len(result.errors)} errors")
    err_console.print(
        f"Seizures: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged; {result.persons} person links"
    )
    source = files("dozor.reference") / "unodc" / "drug_seizures_2018_2022.xlsx"
    with as_file(source) as annual_path:
        sheet = next(s for s in open_sheets(annual_path) if s.kind == "annual")
        annual = import_annual(engine, settings, annual_path, sheet)
    err_console.print(
        f"Official annual totals (UNODC): {annual.created} new, {annual.unchanged} unchanged"
    )
    users = demo_users()
    shared_hash = hash_password(DEMO_PASSWORD)  # one Argon2 hash for all demo logins
    with engine.begin() as conn:
        for username, agency, roles in users:
            if not user_exists(conn, username):
                create_user(
                    conn,
                    username=username,
                    agency_code=agency,
                    roles=roles,
                    password_hash=shared_hash,
                )
    with engine.connect() as conn:
        drafts = conn.execute(
            select(func.count()).select_from(seizure).where(seizure.c.status == "draft")
        ).scalar_one()
    if current_key(settings) is None:  # the demo node stands in for the hub that issues it
        generate_key(settings)
    with progress_bar("Submitting, validating and releasing", drafts, True) as bar:
        task = bar.task_ids[0]
        counts = release_demo_records(
            engine,
            settings,
            shared_hash,
            seed=seed,
            today=date.today(),
            progress=lambda n: bar.advance(task, n),
        )
    err_console.print(
        f"Workflow: {counts.submitted} submitted, {counts.validated} validated, "
        f"{counts.released} released"
    )
    analysts = {name: code for name, code, roles in users if roles == ["analyst"] and code in
                COUNTRY_AGENCIES.values()}  # fmt: skip
    exchanged = exchange_demo_requests(engine, settings, analysts)
    if exchanged:
        err_console.print(f"Cross-border access requests approved: {exchanged}")
    return users


def _counted(items: Iterable[DemoSeizure], bar: Progress) -> Iterator[DemoSeizure]:
    task = bar.task_ids[0]
    for item in items:
        bar.advance(task, 1)
        yield item
