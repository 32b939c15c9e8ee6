"""Official annual totals: UNODC's "Drug seizures" export (country × year × drug, kg).

Kept apart from individual seizures so dashboards can show both. The file is imported as
users download it: a title row, then the header of ``UNODC_COLUMNS``. A re-import replaces the
rows of every (country, year) it contains, so it is idempotent; the published numbers are kept
as their exact text, so an export writes back the same file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, delete, or_, select, update

from dozor.access import audit
from dozor.domain.codes import code_list
from dozor.domain.countries import lookup_country
from dozor.domain.errors import InvalidValue
from dozor.domain.ids import uuid7
from dozor.domain.values import parse_decimal
from dozor.ingest.problems import Problem, shown
from dozor.ingest.readers import Cell, Sheet
from dozor.ingest.service import ImportResult, file_sha256
from dozor.ingest.template import UNODC_COLUMNS
from dozor.settings import Settings
from dozor.store.schema import import_job, official_annual_total

SOURCE = "unodc"
# UNODC's drug groups to ours (DATA.md §4.1).
GROUPS: dict[str, str | None] = {
    "opioids": "opioids",
    "cocaine-type": "cocaine",
    "cannabis-type drugs (excluding synthetic cannabinoids)": "cannabis",
    "amphetamine-type stimulants (excluding “ecstasy”)": "ats",
    "“ecstasy”-type substances": "ecstasy",
    "hallucinogens": "hallucinogens",
    "sedatives and tranquillizers": "sedatives",
    "nps": "nps",
    "any other drugs/substances": "other",
    "solvents and inhalants": "other",
    "precursors": None,
}


def _fact_columns() -> list[Any]:
    t = official_annual_total.c
    return [t.country, t.year, t.drug_group_name, t.drug_subgroup_name, t.drug_name, t.kilograms]


# A float in exponent form, as repr() (and so our own CSV export) writes small values: 3.5e-06.
_EXPONENT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+")


def kilograms_decimal(text: str) -> Decimal:
    """The exact value of a Kilograms text: a template decimal, or a float's exponent form."""
    text = text.strip()
    if _EXPONENT.fullmatch(text):
        return Decimal(text)
    return parse_decimal(text)


def kilograms_text(value: Cell) -> str | None:
    """The published number as exact text (``None`` when the cell is empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidValue("invalid_number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value).strip()
    kilograms_decimal(text)
    return text


def _substance(drug_name: str) -> str | None:
    found = code_list("substances").lookup(drug_name)
    return found.code if found else None


def read_rows(sheet: Sheet, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    """Validated rows of an annual-totals sheet."""
    index = {name.strip().lower(): i for i, name in enumerate(sheet.header)}
    missing = [c for c in UNODC_COLUMNS if c.lower() not in index]
    for column in missing:
        problems.append(sheet.problem(1, column, "", "missing_column"))
    if missing:
        return
    for order, (row_no, cells) in enumerate(sheet.rows, start=1):

        def cell(name: str, cells: list[Cell] = cells) -> Cell:
            i = index[name.lower()]
            return cells[i] if i < len(cells) else None

        def text(name: str) -> str:
            value = cell(name)
            return "" if value is None else str(value).strip()

        bad = len(problems)
        for name in ("Region", "SubRegion", "Country", "DrugGroup", "DrugSubGroup", "DrugName"):
            if not text(name):
                problems.append(sheet.problem(row_no, name, "", "required_missing"))
        iso3 = text("msCode").upper()
        country = lookup_country(iso3) if iso3 else None
        if country is None:
            problems.append(
                sheet.problem(row_no, "msCode", shown(iso3), "unknown_code", what="country")
            )
        year_cell = cell("Reference year")
        try:
            year = int(str(year_cell).strip()) if year_cell is not None else 0
        except ValueError:
            year = 0
        if not 1900 <= year <= 2100:
            problems.append(
                sheet.problem(row_no, "Reference year", shown(year_cell), "invalid_number")
            )
        try:
            kilograms = kilograms_text(cell("Kilograms"))
        except InvalidValue as error:
            problems.append(
                sheet.problem(row_no, "Kilograms", shown(cell("Kilograms")), error.code)
            )
            kilograms = None
        if len(problems) > bad or country is None:
            continue
        group_name = text("DrugGroup")
        yield {
            "source": SOURCE,
            "row_no": order,
            "region": text("Region"),
            "subregion": text("SubRegion"),
            "country_name": text("Country"),
            "country": country.iso3,
            "drug_group_name": group_name,
            "drug_subgroup_name": text("DrugSubGroup"),
            "drug_name": text("DrugName"),
            "year": year,
            "kilograms": kilograms,
            "kg": float(kilograms_decimal(kilograms)) if kilograms is not None else None,
            "drug_group": GROUPS.get(group_name.lower()),
            "substance_code": _substance(text("DrugName")),
        }


def import_annual(
    engine: Engine, settings: Settings, path: Path, sheet: Sheet, *, dry_run: bool = False
) -> ImportResult:
    """Import (or re-import) an annual-totals sheet in one transaction."""
    result = ImportResult(
        job_id=uuid7(), files=[path.name], sha256={path.name: file_sha256(path)}, dry_run=dry_run
    )
    problems: list[Problem] = []
    rows = list(read_rows(sheet, problems))
    result.rows = len(rows) + len({p.row for p in problems if p.row > 1})
    result.errors = problems
    if problems or dry_run:
        result.created = len(rows) if not problems else 0
        return result
    pairs = sorted({(r["country"], r["year"]) for r in rows})
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            import_job.insert(),
            {
                "id": result.job_id,
                "kind": "annual",
                "file_name": path.name,
                "sha256": result.sha256[path.name],
                "started_at": now,
            },
        )
        before: Counter[tuple[Any, ...]] = Counter()
        for start in range(0, len(pairs), 200):
            chunk = pairs[start : start + 200]
            condition = and_(
                official_annual_total.c.source == SOURCE,
                or_(
                    *(
                        and_(
                            official_annual_total.c.country == c, official_annual_total.c.year == y
                        )
                        for c, y in chunk
                    )
                ),
            )
            before.update(tuple(r) for r in conn.execute(select(*_fact_columns()).where(condition)))
            conn.execute(delete(official_annual_total).where(condition))
        after = Counter(tuple(r[c.name] for c in _fact_columns()) for r in rows)
        result.unchanged = sum((after & before).values())
        result.updated = sum((before - after).values())  # replaced or removed figures
        for row in rows:
            row["import_job_id"] = result.job_id
        conn.execute(official_annual_total.insert(), rows)
        result.created = len(rows) - result.unchanged
        conn.execute(
            update(import_job)
            .where(import_job.c.id == result.job_id)
            .values(finished_at=datetime.now(UTC), created=len(rows))
        )
        audit.record(
            conn,
            node=settings.node_code,
            action="import",
            object_type="import_job",
            object_ids=[result.job_id],
            details={
                "files": result.sha256,
                "kind": "annual",
                "rows": len(rows),
                "replaced": result.updated,
            },
        )
    result.committed = True
    return result
