"""Official annual totals: the real UNODC "Drug seizures 2018-2022" workbook in and out again.

The file has a title row, then the header; 11,013 data rows (spreadsheet rows 3 to 11,015).
Export must give back the very same workbook, cell by cell, and a CSV export must import into an
empty database as the same rows.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from dozor.access.audit import count_entries
from dozor.ingest.readers import Sheet, open_sheets
from dozor.ingest.service import ImportResult
from dozor.ingest.template import UNODC_COLUMNS, UNODC_TITLE
from dozor.ingest.unodc import import_annual
from dozor.reports.exports import write_annual
from dozor.settings import Settings, load_settings
from dozor.store.db import make_engine
from dozor.store.schema import import_job, official_annual_total
from testenv import BACKENDS, UNODC_FILE

ROWS = 11_013
PER_COUNTRY = {"KAZ": 78, "UZB": 59, "KGZ": 58, "TJK": 44, "TKM": 0}
EMPTY_KILOGRAMS = 72
FIRST_KAZ_ROW = 3155  # spreadsheet row of Kazakhstan's first line
# The CLI runs are the same on both backends (the in-process tests cover PostgreSQL's storage):
# SQLite by default, PostgreSQL with ``-m slow``.
SQLITE_BY_DEFAULT = pytest.mark.parametrize(
    "database",
    [
        pytest.param(b, marks=[pytest.mark.slow] if b == "postgresql" else [])
        for b in ("sqlite", "postgresql")
        if b in BACKENDS
    ],
    indirect=True,
)
# UNODC's drug groups → DATA.md §4.1 codes (precursors are not a drug group).
GROUP_CODES = {
    "Opioids": "opioids",
    "Cocaine-type": "cocaine",
    "Cannabis-type drugs (excluding synthetic cannabinoids)": "cannabis",
    "Amphetamine-type stimulants (excluding “ecstasy”)": "ats",
    "“Ecstasy”-type substances": "ecstasy",
    "Hallucinogens": "hallucinogens",
    "Sedatives and tranquillizers": "sedatives",
    "NPS": "nps",
    "Any other drugs/substances": "other",
    "Solvents and Inhalants": "other",
    "Precursors": None,
}


def annual_sheet(path: Path) -> Sheet:
    sheets = open_sheets(path)
    found = [s for s in sheets if s.kind == "annual"]
    assert len(found) == 1, [(s.name, s.kind) for s in sheets]
    return found[0]


def load(engine: Engine, settings: Settings, path: Path = UNODC_FILE) -> ImportResult:
    return import_annual(engine, settings, path, annual_sheet(path))


def stored_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every stored row without its id and job id, in file order."""
    t = official_annual_total
    with engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.import_job_id, t.c.row_no)).mappings().all()
    return [{k: v for k, v in r.items() if k not in ("id", "import_job_id")} for r in rows]


def count(engine: Engine, *where: Any) -> int:
    query = select(func.count()).select_from(official_annual_total)
    with engine.connect() as conn:
        return int(conn.execute(query.where(*where)).scalar_one())


def _problems(result: ImportResult) -> set[tuple[str, int, str, str]]:
    return {(p.file, p.row, p.column, p.code) for p in result.errors}


def workbook_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    """Rows of the first sheet padded to the UNODC width (empty cells are None)."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield tuple(row) + (None,) * (len(UNODC_COLUMNS) - len(row))
    finally:
        workbook.close()


def assert_same_workbook(original: Path, exported: Path) -> None:
    """Every cell of the first sheet identical in value and in type, title row included."""
    names = [openpyxl.load_workbook(p, read_only=True).sheetnames for p in (original, exported)]
    assert names[0] == names[1]
    n = 0
    for n, (a, b) in enumerate(zip_longest(workbook_rows(original), workbook_rows(exported)), 1):
        assert a is not None and b is not None, f"row {n} missing"
        assert a == b, f"row {n}: {a} != {b}"
        assert [type(v) for v in a] == [type(v) for v in b], f"row {n} types: {a} / {b}"
    assert n == ROWS + 2


@pytest.fixture
def empty_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[Settings, Engine]]:
    """A second, empty (initialised) SQLite database."""
    path = tmp_path / "empty.db"
    shutil.copyfile(sqlite_template, path)
    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{path}")
    engine = make_engine(settings.resolved_database_url())
    yield settings, engine
    engine.dispose()


def damage(source: Path, target: Path, cells: dict[str, str]) -> Path:
    """A copy of the workbook with some cells of its sheet replaced by inline text."""
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode("utf-8")
                for ref, value in cells.items():
                    pattern = re.compile(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)')
                    xml, n = pattern.subn(
                        f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>',
                        xml,
                        count=1,
                    )
                    assert n == 1, ref
                data = xml.encode("utf-8")
            copy.writestr(member, data)
    return target


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Damaged copies of the real workbook: a wrong header; bad cells in three rows."""
    folder = tmp_path_factory.mktemp("damaged")
    return {
        "header": damage(UNODC_FILE, folder / "unodc_header.xlsx", {"H2": "Kilogramm"}),
        "values": damage(
            UNODC_FILE,
            folder / "unodc_values.xlsx",
            {f"I{FIRST_KAZ_ROW}": "KZX", f"H{FIRST_KAZ_ROW + 5}": "5782,679 kg", "H40": "n/a"},
        ),
    }


# ---------------------------------------------------------------------------------------------


def test_import_the_real_file_again_and_damaged_copies(
    engine: Engine, settings: Settings, damaged: dict[str, Path]
) -> None:
    result = load(engine, settings)
    assert result.committed and not result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (ROWS, ROWS, 0, 0)
    t = official_annual_total
    assert count(engine) == ROWS
    for iso3, expected in PER_COUNTRY.items():
        assert count(engine, t.c.country == iso3) == expected, iso3
    # Empty Kilograms are kept as "not given", never as 0.
    assert count(engine, t.c.kilograms.is_(None)) == EMPTY_KILOGRAMS
    assert count(engine, t.c.kg.is_(None)) == EMPTY_KILOGRAMS
    empty_in_file = {n for n, row in enumerate(workbook_rows(UNODC_FILE), -1) if n > 0
                     and row[7] is None}  # fmt: skip
    with engine.connect() as conn:
        empty_in_db = set(conn.execute(select(t.c.row_no).where(t.c.kilograms.is_(None))).scalars())
    assert empty_in_db == empty_in_file
    with engine.connect() as conn:
        groups = dict(conn.execute(select(t.c.drug_group_name, t.c.drug_group).distinct()).all())
        kaz = (
            conn.execute(select(t).where(t.c.country == "KAZ").order_by(t.c.row_no))
            .mappings()
            .all()
        )
        years = conn.execute(select(t.c.year).distinct()).scalars().all()
    assert groups == GROUP_CODES
    assert sorted(years) == [2018, 2019, 2020, 2021, 2022]
    first = kaz[0]
    assert first["row_no"] == FIRST_KAZ_ROW - 2
    assert (first["country_name"], first["year"], first["drug_group"]) == (
        "Kazakhstan",
        2022,
        "ecstasy",
    )
    assert first["kilograms"] == "10.025229999999999"  # the published number, exactly
    assert first["kg"] == 10.025229999999999
    herb = kaz[5]
    assert (herb["drug_name"], herb["drug_group"], herb["kilograms"]) == (
        "Cannabis herb (marijuana)",
        "cannabis",
        "5782.679",
    )
    assert herb["substance_code"] == "cannabis_herb"
    with engine.connect() as conn:
        heroin = conn.execute(
            select(t.c.substance_code, t.c.drug_group).where(t.c.drug_name == "Heroin").limit(1)
        ).one()
    assert tuple(heroin) == ("heroin", "opioids")

    before = stored_rows(engine)
    again = load(engine, settings)
    assert again.committed
    assert (again.created, again.updated, again.unchanged) == (0, 0, ROWS)
    assert count(engine) == ROWS  # no duplicates
    assert stored_rows(engine) == before

    # Damaged copies are rejected with file, row, column and code, and change nothing.
    with engine.connect() as conn:
        jobs = conn.execute(select(func.count()).select_from(import_job)).scalar_one()
        entries = count_entries(conn)

    header = damaged["header"]
    sheet = open_sheets(header)[0]
    assert sheet.kind == ""  # not recognised as UNODC's layout any more
    result = import_annual(engine, settings, header, sheet)
    assert not result.committed
    assert {(p.file, p.column, p.code) for p in result.errors} == {
        (header.name, "Kilograms", "missing_column")
    }

    values = damaged["values"]
    result = load(engine, settings, values)
    assert not result.committed
    assert _problems(result) == {
        (values.name, FIRST_KAZ_ROW, "msCode", "unknown_code"),
        (values.name, FIRST_KAZ_ROW + 5, "Kilograms", "invalid_number"),
        (values.name, 40, "Kilograms", "invalid_number"),
    }
    shown = {p.row: p.value for p in result.errors}
    assert shown[FIRST_KAZ_ROW] == "KZX"
    assert shown[40] == "n/a"
    assert all(p.sheet == "Export" for p in result.errors)

    assert stored_rows(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(import_job)).scalar_one() == jobs
        assert count_entries(conn) == entries


@SQLITE_BY_DEFAULT
def test_cli_import_and_exact_xlsx_round_trip(dozor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    done = dozor("import", str(UNODC_FILE), "--json")
    assert done.code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["created"], summary["rows"], summary["errors"]) == (ROWS, ROWS, [])

    out = tmp_path / "x.xlsx"
    done = dozor("export", "annual", "--format", "xlsx", "--out", str(out))
    assert done.code == 0, done.stderr
    assert f"{ROWS} rows exported" in done.stderr
    first = next(workbook_rows(out))
    assert first[0] == UNODC_TITLE
    assert_same_workbook(UNODC_FILE, out)


def test_csv_export_imports_back_into_an_empty_database(
    engine: Engine, settings: Settings, empty_engine: tuple[Settings, Engine], tmp_path: Path
) -> None:
    assert load(engine, settings).committed
    csv_path = tmp_path / "annual.csv"
    with engine.connect() as conn:
        assert write_annual(conn, "csv", csv_path) == ROWS
    header = csv_path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(UNODC_COLUMNS)

    b_settings, b_engine = empty_engine
    result = import_annual(b_engine, b_settings, csv_path, annual_sheet(csv_path))
    assert result.committed, result.errors[:5]
    assert result.created == ROWS
    assert stored_rows(b_engine) == stored_rows(engine)


@SQLITE_BY_DEFAULT
def test_cli_rejects_a_damaged_copy(dozor, engine: Engine, damaged: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    done = dozor("import", str(damaged["values"]), "--json")
    assert done.code == 1
    summary = json.loads(done.stdout)
    assert summary["committed"] is False
    found = {(e["file"], e["row"], e["column"], e["code"]) for e in summary["errors"]}
    assert (damaged["values"].name, FIRST_KAZ_ROW, "msCode", "unknown_code") in found
    assert count(engine) == 0


def test_csv_numbers_as_typed_and_as_exported(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """A hand-made CSV: decimal comma, thousands space, a float's exponent form, an empty cell."""
    path = tmp_path / "small.csv"
    lines = [
        ",".join(UNODC_COLUMNS),
        'Asia,Central Asia and Transcaucasia,Kazakhstan,Opioids,Heroin,Heroin,2021,"10,5",KAZ',
        "Asia,Central Asia and Transcaucasia,Kazakhstan,Opioids,Opium,Opium,2021,1 000,KAZ",
        "Asia,Central Asia and Transcaucasia,Uzbekistan,NPS,Other NPS,Mephedrone,2020,3.5e-06,UZB",
        "Asia,Central Asia and Transcaucasia,Uzbekistan,Opioids,Heroin,Heroin,2020,,UZB",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load(engine, settings, path)
    assert result.committed, result.errors
    rows = stored_rows(engine)
    assert [(r["kilograms"], r["kg"]) for r in rows] == [
        ("10,5", 10.5),
        ("1 000", 1000.0),
        ("3.5e-06", 3.5e-06),
        (None, None),
    ]
    out = tmp_path / "small.xlsx"
    with engine.connect() as conn:
        write_annual(conn, "xlsx", out)
    kilograms = [row[7] for row in list(workbook_rows(out))[2:]]
    assert kilograms == [10.5, 1000, 3.5e-06, None]
    assert [type(k) for k in kilograms] == [float, int, float, type(None)]
