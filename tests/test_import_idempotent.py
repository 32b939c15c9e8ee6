"""Re-imports (DATA.md §6.3 "Idempotent"), audit, and atomicity when the importer is killed.

The key of a seizure is (reporting agency, seizure_ref): an unchanged seizure is a no-op, a changed
one becomes a new version with its old version kept, and a change to a released seizure waits as a
pending correction. A job killed half-way leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from builders import (
    item_row,
    person_row,
    query,
    seizure_row,
    table_counts,
    write_csv,
    write_json,
    write_xlsx,
)
from dozor.demo.generator import generate, write_template_csv
from dozor.ingest.service import ImportResult, import_file
from dozor.reports.exports import write_seizures
from dozor.settings import Settings

REF = "KAZ-CUSTOMS/2024/000001"
DATA_TABLES = (
    "seizure",
    "seizure_item",
    "route_leg",
    "person",
    "seizure_person",
    "conveyance",
    "seizure_version",
    "seizure_pending",
)


def ok(result: ImportResult) -> ImportResult:
    assert result.errors == [], [p.as_dict() for p in result.errors]
    assert result.committed is True
    return result


def data_counts(engine: Engine) -> dict[str, int]:
    counts = table_counts(engine)
    return {name: counts[name] for name in DATA_TABLES}


def job_rows() -> list[dict[str, Any]]:
    """Three seizures, one of three items, and the persons of two of them."""
    return [
        seizure_row(),
        item_row(REF, drug="опий", quantity="3", unit="kg", form=""),
        item_row(REF, drug="героин", quantity="200", unit="г", form="порошок"),
        seizure_row(
            seizure_ref="KAZ-CUSTOMS/2024/000002",
            drug="первитин",
            quantity="120",
            unit="таб",
            form="таблетки",
            seizure_date="2024-05-20",
        ),
        seizure_row(
            seizure_ref="KAZ-CUSTOMS/2024/000003",
            location_type="road",
            bcp="",
            latitude="42,3",
            longitude="69,6",
            handling_code="H1;H3:Не для суда",
            source_grade="5x5x5:B",
            info_grade="2",
        ),
    ]


def job_persons() -> list[dict[str, Any]]:
    return [
        person_row(),
        person_row(
            seizure_ref="KAZ-CUSTOMS/2024/000003",
            surname="Петров",
            given_name="Иван",
            role="курьер",
            vehicle_plate="",
            vehicle_country="",
        ),
    ]


def stored_seizures(engine: Engine) -> list[dict[str, Any]]:
    return query(engine, "SELECT * FROM seizure ORDER BY local_ref")


def items_of(engine: Engine, ref: str) -> list[dict[str, Any]]:
    return query(
        engine,
        "SELECT i.* FROM seizure_item i JOIN seizure s ON s.id = i.seizure_id "
        "WHERE s.local_ref = :ref ORDER BY i.line_no",
        ref=ref,
    )


# -- re-imports -------------------------------------------------------------------------------


def test_same_file_twice_is_unchanged(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    seizures = write_csv(tmp_path / "seizures.csv", job_rows())
    persons = write_csv(tmp_path / "persons.csv", job_persons())
    first = ok(import_file(engine, settings, seizures, persons))
    assert (first.created, first.items, first.persons) == (3, 5, 2)
    counts = data_counts(engine)
    before = stored_seizures(engine)

    second = ok(import_file(engine, settings, seizures, persons))

    assert (second.created, second.updated, second.unchanged, second.pending) == (0, 0, 3, 0)
    assert data_counts(engine) == counts
    assert stored_seizures(engine) == before  # not even updated_at moved
    assert all(s["version"] == 1 for s in before)


def test_changed_quantity_makes_a_new_version(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    ok(import_file(engine, settings, write_csv(tmp_path / "v1.csv", job_rows())))
    old_items = items_of(engine, REF)
    (old_head,) = query(engine, "SELECT * FROM seizure WHERE local_ref = :r", r=REF)
    changed = job_rows()
    changed[1]["quantity"] = "3,5"

    result = ok(import_file(engine, settings, write_csv(tmp_path / "v2.csv", changed)))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    (head,) = query(engine, "SELECT * FROM seizure WHERE local_ref = :r", r=REF)
    assert head["version"] == 2
    assert head["id"] == old_head["id"]
    assert head["total_kg_eq"] == pytest.approx(12.5 + 3.5 + 0.2)
    new_items = items_of(engine, REF)
    assert [i["id"] for i in new_items] == [i["id"] for i in old_items]
    assert [i["quantity_reported"] for i in new_items] == ["12.5", "3.5", "200"]
    (version,) = query(engine, "SELECT * FROM seizure_version")
    assert (version["seizure_id"], version["version"]) == (head["id"], 1)
    snapshot = json.loads(version["snapshot"])
    assert snapshot["seizure"]["version"] == 1
    assert [i["quantity_reported"] for i in snapshot["items"]] == ["12.5", "3", "200"]
    assert [i["id"] for i in snapshot["items"]] == [i["id"] for i in old_items]
    others = query(engine, "SELECT version FROM seizure WHERE local_ref <> :r", r=REF)
    assert [o["version"] for o in others] == [1, 1]


def test_item_ids_kept_where_drug_unit_and_form_match_in_order(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    v1 = [
        seizure_row(),  # heroin kg powder
        item_row(REF, drug="героин", quantity="1", unit="кг", form="порошок"),  # same key again
        item_row(REF, drug="опий", quantity="3", unit="kg", form=""),
    ]
    ok(import_file(engine, settings, write_csv(tmp_path / "v1.csv", v1)))
    heroin_a, heroin_b, opium = (i["id"] for i in items_of(engine, REF))
    v2 = [
        seizure_row(drug="гашиш", quantity="2", form="смола"),  # a new item first
        item_row(REF, drug="heroin", quantity="13", unit="kg", form="powder"),
        item_row(REF, drug="опий", quantity="3", unit="г", form=""),  # unit changed: new id
        item_row(REF, drug="Героин", quantity="1", unit="кг", form="порошок"),
    ]

    result = ok(import_file(engine, settings, write_csv(tmp_path / "v2.csv", v2)))

    assert result.updated == 1
    hashish, first, opium_g, second = items_of(engine, REF)
    assert (first["id"], second["id"]) == (heroin_a, heroin_b)
    assert first["quantity_reported"] == "13"
    assert hashish["id"] not in (heroin_a, heroin_b, opium)
    assert opium_g["id"] != opium
    assert len(query(engine, "SELECT id FROM seizure_item")) == 4


def test_csv_then_xlsx_and_json_with_the_same_values_is_unchanged(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        seizure_row(quantity="12.5", persons_arrested="2"),
        item_row(REF, drug="опий", quantity="3", unit="kg", form=""),
    ]
    ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", rows, delimiter=";")))
    native = [dict(r) for r in rows]
    native[0].update(seizure_date=datetime(2024, 5, 14, 9, 30), quantity=12.5, persons_arrested=2)
    native[1].update(quantity=3)

    from_xlsx = ok(import_file(engine, settings, write_xlsx(tmp_path / "s.xlsx", native)))
    from_json = ok(import_file(engine, settings, write_json(tmp_path / "s.json", rows)))

    assert (from_xlsx.created, from_xlsx.updated, from_xlsx.unchanged) == (0, 0, 1)
    assert (from_json.created, from_json.updated, from_json.unchanged) == (0, 0, 1)
    assert query(engine, "SELECT version FROM seizure") == [{"version": 1}]


def test_change_to_a_released_seizure_waits_as_pending_correction(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    ok(import_file(engine, settings, write_csv(tmp_path / "v1.csv", job_rows())))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE seizure SET status = 'released' WHERE local_ref = :r"), {"r": REF}
        )
    before = stored_seizures(engine)
    items_before = items_of(engine, REF)
    changed = job_rows()
    changed[0]["quantity"] = "13"
    changed[3]["quantity"] = "121"  # a draft seizure: updated at once

    result = ok(import_file(engine, settings, write_csv(tmp_path / "v2.csv", changed)))

    assert (result.pending, result.updated, result.unchanged) == (1, 1, 1)
    after = stored_seizures(engine)
    assert after[0] == before[0]  # the released seizure is untouched
    assert items_of(engine, REF) == items_before
    (pending,) = query(engine, "SELECT * FROM seizure_pending")
    assert pending["seizure_id"] == before[0]["id"]
    assert pending["import_job_id"] == result.job_id
    proposed = json.loads(pending["snapshot"])
    assert proposed["items"][0]["quantity_reported"] == "13"
    assert after[1]["version"] == 2

    again = ok(import_file(engine, settings, write_csv(tmp_path / "v2.csv", changed)))

    assert (again.pending, again.updated, again.unchanged) == (0, 0, 3)
    assert len(query(engine, "SELECT seizure_id FROM seizure_pending")) == 1


def test_rows_of_a_seizure_need_not_be_adjacent(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = job_rows()
    scattered = [rows[0], rows[3], rows[1], rows[4], rows[2]]
    result = ok(import_file(engine, settings, write_csv(tmp_path / "scattered.csv", scattered)))
    assert (result.created, result.items, result.skipped) == (3, 5, 0)
    assert [i["substance_code"] for i in items_of(engine, REF)] == ["heroin", "opium", "heroin"]
    assert len(query(engine, "SELECT id FROM import_job")) == 1  # the first pass left nothing

    adjacent = ok(import_file(engine, settings, write_csv(tmp_path / "adjacent.csv", rows)))

    assert (adjacent.created, adjacent.updated, adjacent.unchanged) == (0, 0, 3)


def test_scattered_rows_with_an_error_report_the_spreadsheet_row(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = job_rows()
    rows[2]["unit"] = "ведро"
    scattered = [rows[0], rows[3], rows[1], rows[4], rows[2]]

    result = import_file(engine, settings, write_csv(tmp_path / "s.csv", scattered))

    assert result.committed is False
    assert [(p.row, p.column, p.code) for p in result.errors] == [(6, "unit", "unknown_code")]
    assert data_counts(engine)["seizure"] == 0


def test_import_is_audited_with_the_files_sha256(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    seizures = write_csv(tmp_path / "seizures.csv", job_rows())
    persons = write_csv(tmp_path / "persons.csv", job_persons())
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (seizures, persons)}

    result = ok(import_file(engine, settings, seizures, persons))

    assert result.sha256 == digests
    (entry,) = query(engine, "SELECT * FROM audit_log WHERE action = 'import'")
    details = json.loads(entry["details"])
    assert details["files"] == digests
    assert details["created"] == 3
    assert result.job_id in json.loads(entry["object_ids"])
    (job,) = query(engine, "SELECT * FROM import_job")
    assert (job["id"], job["sha256"], job["created"]) == (result.job_id, digests["seizures.csv"], 3)
    assert job["finished_at"] is not None
    assert {s["import_job_id"] for s in stored_seizures(engine)} == {result.job_id}

    ok(import_file(engine, settings, seizures, persons))
    assert len(query(engine, "SELECT seq FROM audit_log WHERE action = 'import'")) == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_export_then_reimport_is_unchanged(
    engine: Engine, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", job_rows())))
    exported = tmp_path / f"export.{fmt}"
    with engine.connect() as conn:
        count = write_seizures(conn, fmt, exported)
    assert count == 5

    result = ok(import_file(engine, settings, exported))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


# -- atomicity when the importer is killed ----------------------------------------------------

CHILD = """
import sys
from pathlib import Path
from dozor.ingest.service import import_file
from dozor.settings import load_settings
from dozor.store.db import make_engine

settings = load_settings(home=Path(sys.argv[1]), database_url=sys.argv[2])
engine = make_engine(settings.resolved_database_url())
result = import_file(engine, settings, Path(sys.argv[3]),
                     progress=lambda n: print("rows", n, flush=True))
print("done", result.committed, flush=True)
"""


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "seizures.csv"
    write_template_csv(generate(20_000, seed=7), path, None)
    return path


def _writing(engine: Engine) -> bool:
    """Whether another session holds an open write transaction on the test database."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database or "", timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # "database is locked": the child is writing
            return True
        finally:
            probe.close()
        return False
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            ).scalar_one()
        )


def _kill_mid_import(engine: Engine, settings: Settings, path: Path, after_rows: int) -> bool:
    """Start an import in a child process and SIGKILL it once it has fed ``after_rows`` rows
    while its write transaction is open; False when that could not be seen (it finished)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(settings.home),
            settings.resolved_database_url(),
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    fed = 0
    killed = False
    try:
        for line in child.stdout:
            if line.startswith("done"):
                break
            fed += int(line.split()[1])
            if fed >= after_rows and _writing(engine):
                os.kill(child.pid, signal.SIGKILL)
                killed = True
                break
    finally:
        if not killed:
            child.kill()
        child.wait(timeout=60)
        child.stdout.close()
    return killed and child.returncode == -signal.SIGKILL


def _wait_until_alone(engine: Engine) -> None:
    """PostgreSQL: wait until the killed client's server process has gone."""
    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            others = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            if others == 0:
                return
            time.sleep(0.1)
    raise AssertionError("the killed import's session is still open")


def test_killed_import_leaves_nothing(
    dozor: Callable[..., Any], engine: Engine, settings: Settings, tmp_path: Path, big_file: Path
) -> None:
    before = table_counts(engine)
    path = big_file
    for _attempt in range(3):
        if _kill_mid_import(engine, settings, path, after_rows=5000):
            break
        # The child finished before the kill: nothing proven, so try a larger file.
        with engine.begin() as conn:
            for table in (
                "seizure_item",
                "route_leg",
                "seizure",
                "audit_log",
                "import_job",
                "event_outbox",
            ):
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        path = tmp_path / f"bigger{_attempt}.csv"
        write_template_csv(generate(50_000 * (_attempt + 1), seed=8), path, None)
    else:
        pytest.fail("the import always finished before it could be killed")

    _wait_until_alone(engine)
    assert table_counts(engine) == before
    assert table_counts(engine)["seizure"] == 0

    doctor = dozor("doctor")
    assert doctor.code == 0, doctor.stdout + doctor.stderr

    result = ok(import_file(engine, settings, write_csv(tmp_path / "after.csv", job_rows())))
    assert result.created == 3
    assert data_counts(engine)["seizure"] == 3
