"""Seizure round trip: template CSV → DB A → export (csv, jsonl, xlsx) → empty DB B → same records.

Hypothesis writes seizures the way officers do (codes or Russian names, decimal commas, partial
dates, markings and grades in their accepted spellings). The records in B must equal those in A
(ids, timestamps and job ids aside; agencies compared by code), and re-importing an export into
A itself must report every seizure unchanged.

DB A is the ``database`` fixture (SQLite and PostgreSQL); DB B is always a fresh SQLite file
initialised with ``init_database``, so the round trip also crosses backends on PostgreSQL.
"""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select

from dozor.domain.codes import code_list
from dozor.domain.countries import lookup_country
from dozor.domain.places import crossing_points, seed_agencies
from dozor.ingest.service import ImportResult, import_file
from dozor.ingest.template import SEIZURE_COLUMNS
from dozor.reports.exports import EXPORT_COLUMNS, write_seizures
from dozor.settings import Settings, load_settings
from dozor.store.db import make_engine
from dozor.store.reference import init_database
from dozor.store.schema import agency, route_leg, seizure, seizure_item

# ---------------------------------------------------------------------------------------------
# strategies over valid template values

AGENCIES = [a for a in seed_agencies() if a.country]  # the hub has no reporting country
CAPITALS = {  # a point well inside each member country
    "KAZ": (43.25, 76.95),
    "KGZ": (42.87, 74.59),
    "TJK": (38.56, 68.79),
    "TKM": (37.95, 58.38),
    "UZB": (41.31, 69.28),
}
ROUTE_COUNTRIES = ["AFG", "CHN", "IRN", "RUS", "KAZ", "KGZ", "TJK", "TKM", "UZB"]
DRUGS = [
    e
    for e in code_list("substances")
    if e.attrs.get("category") in ("controlled_drug", "nps", "unidentified")
]
UNITS = {e.code: e for e in code_list("units")}
# DATA.md §2.3 pairs that import accepts (listed and public cannot be imported, §6.1).
MARKINGS = [
    ("RED", "org"),
    ("AMBER+STRICT", "org"),
    ("AMBER", "org"),
    ("AMBER", "national"),
    ("GREEN", "org"),
    ("GREEN", "national"),
    ("GREEN", "region"),
    ("CLEAR", "org"),
    ("CLEAR", "national"),
    ("CLEAR", "region"),
]
HANDLING = [
    "H0",
    "H1",
    "h2",
    "H1;H2",
    "H3:some text",
    "H1;H3:some text",
    "H2; H3:только с согласия инициатора",
    "H3:see: the annex",
]
SOURCE_GRADES = [*"ABCX", *(f"5x5x5:{c}" for c in "ABCDE"), *(f"3x5x2:{c}" for c in "123")]
INFO_GRADES = [*"1234", *(f"5x5x5:{c}" for c in "12345"), *(f"3x5x2:{c}" for c in "ABCDE")]
# Free text: Latin, Cyrillic, digits, punctuation; cells that start with characters spreadsheet
# programs treat specially (=, +, -, @) must survive too.
TEXT = (
    st.text(
        alphabet=st.sampled_from(list("abcXYZ абвгдёжЖЯқғ0123456789,.;:-'\"«»()/№")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
PREFIXED_TEXT = st.tuples(st.sampled_from(["", "=", "+", "-", "@"]), TEXT).map("".join)


def country_text(iso3: str) -> st.SearchStrategy[str]:
    country = lookup_country(iso3)
    assert country is not None
    return st.sampled_from([country.iso3, country.iso2, country.name_en, country.name_ru])


def code_text(list_name: str, code: str) -> st.SearchStrategy[str]:
    entry = code_list(list_name).get(code)
    return st.sampled_from([entry.code, entry.label_en, entry.label_ru, *entry.aliases])


def any_code(list_name: str) -> st.SearchStrategy[str]:
    codes = code_list(list_name).codes()
    return st.sampled_from(codes).flatmap(lambda c: code_text(list_name, c))


@st.composite
def decimal_text(draw: st.DrawFn, high: int, places: int) -> str:
    """A decimal in (0, high] as typed: "12,5", "0.25", "1 250,75", "3", "2,50"."""
    scaled = draw(st.integers(1, high * 10**places))
    whole, frac = divmod(scaled, 10**places)
    frac_text = f"{frac:0{places}d}".rstrip("0")
    if frac_text and draw(st.booleans()):
        frac_text += "0"
    whole_text = str(whole)
    if whole >= 1000 and draw(st.booleans()):
        whole_text = f"{whole:,}".replace(",", " ")
    if not frac_text:
        return whole_text
    return f"{whole_text}{draw(st.sampled_from([',', '.']))}{frac_text}"


@st.composite
def date_text(draw: st.DrawFn) -> str:
    day = draw(st.dates(date(1995, 1, 1), date.today() - timedelta(days=2)))
    style = draw(st.sampled_from(["iso", "dot", "iso_time", "dot_time", "month", "dotmonth", "y"]))
    hh, mi = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return {
        "iso": f"{day:%Y-%m-%d}",
        "dot": f"{day:%d.%m.%Y}",
        "iso_time": f"{day:%Y-%m-%d} {hh:02d}:{mi:02d}",
        "dot_time": f"{day:%d.%m.%Y} {hh:02d}:{mi:02d}",
        "month": f"{day:%Y-%m}",
        "dotmonth": f"{day:%m.%Y}",
        "y": f"{day:%Y}",
    }[style]


@st.composite
def item_row(draw: st.DrawFn) -> dict[str, str]:
    drug = draw(st.sampled_from(DRUGS))
    drug_text = draw(st.sampled_from([drug.code, drug.label_ru, drug.label_en, *drug.aliases]))
    unit_code = draw(st.sampled_from(list(drug.attrs.get("allowed_units") or UNITS)))
    unit = UNITS[unit_code]
    unit_text = draw(st.sampled_from([unit.code, unit.label_ru, *unit.aliases]))
    high = 40 if unit_code == "t" else 9999  # stay under 50,000 kg-equivalent per item
    row = {
        "drug": drug_text,
        "quantity": draw(decimal_text(high, 3)),
        "unit": unit_text,
    }
    if draw(st.booleans()):
        row["form"] = draw(any_code("forms"))
    if draw(st.booleans()):
        purity = draw(decimal_text(99, 2))
        row["purity_pct"] = purity + draw(st.sampled_from(["", "%", " %"]))
    return row


@st.composite
def seizure_rows(draw: st.DrawFn, ref: str) -> list[dict[str, str]]:
    """The template rows of one seizure (one row per item)."""
    agency_seed = draw(st.sampled_from(AGENCIES))
    iso3 = agency_seed.country
    assert iso3 is not None
    head: dict[str, str] = {
        "seizure_ref": ref,
        "reporting_country": draw(country_text(iso3)),
        "reporting_agency": agency_seed.code,
        "seizure_date": draw(date_text()),
        "mode_of_transport": draw(any_code("transport_modes")),
    }
    location = draw(st.sampled_from(code_list("location_types").codes()))
    head["location_type"] = draw(code_text("location_types", location))
    if location.startswith("bcp_"):
        posts = [p for p in crossing_points() if p.country == iso3]
        post = draw(st.sampled_from(posts))
        head["bcp"] = draw(st.sampled_from([post.code, post.name_ru, post.name_en]))
    if draw(st.booleans()):
        lat, lon = CAPITALS[iso3]
        head["latitude"] = f"{lat + draw(st.integers(-500, 500)) / 10_000:.4f}"
        head["longitude"] = f"{lon + draw(st.integers(-500, 500)) / 10_000:.4f}"
        if draw(st.booleans()):
            head["latitude"] = head["latitude"].replace(".", ",")
    optional: dict[str, st.SearchStrategy[str]] = {
        "admin_region": TEXT,
        "settlement": TEXT,
        "conveyance_type": any_code("conveyance_types"),
        "direction": any_code("directions"),
        "concealment": st.lists(
            st.sampled_from(code_list("concealment_methods").codes()), min_size=1, max_size=2
        ).map(";".join),
        "origin_country": st.sampled_from(ROUTE_COUNTRIES).flatmap(country_text),
        "departure_country": st.sampled_from(ROUTE_COUNTRIES),
        "destination_country": st.sampled_from(ROUTE_COUNTRIES).flatmap(country_text),
        "transit_countries": st.lists(st.sampled_from(ROUTE_COUNTRIES), min_size=1, max_size=3).map(
            ";".join
        ),
        "persons_arrested": st.integers(0, 20).map(str),
        "handling_code": st.sampled_from(HANDLING),
        "source_grade": st.sampled_from(SOURCE_GRADES),
        "info_grade": st.sampled_from(INFO_GRADES),
        "narrative": st.lists(PREFIXED_TEXT, min_size=1, max_size=3).map("\n".join),
    }
    for column, strategy in optional.items():
        if draw(st.booleans()):
            head[column] = draw(strategy)
    if draw(st.booleans()):
        tlp, distribution = draw(st.sampled_from(MARKINGS))
        spellings = {"CLEAR": ["CLEAR", "WHITE", "TLP:white"]}.get(tlp, [tlp])
        spellings += [f"TLP:{tlp}", tlp.lower()]
        head["tlp"] = draw(st.sampled_from(spellings))
        head["distribution"] = distribution
    items = draw(st.lists(item_row(), min_size=1, max_size=3))
    rows = []
    for n, item in enumerate(items):
        # Seizure-level cells may be blank after the first row, or repeat the same value.
        repeat = n == 0 or draw(st.booleans())
        rows.append({**(head if repeat else {"seizure_ref": ref}), **item})
    return rows


_refs = itertools.count(1)


@st.composite
def seizure_files(draw: st.DrawFn) -> tuple[list[dict[str, str]], list[str], str, str]:
    """Rows of 1-4 seizures (fresh refs), the column order, delimiter and encoding."""
    batch = next(_refs)
    count = draw(st.integers(1, 4))
    rows: list[dict[str, str]] = []
    for n in range(count):
        rows.extend(draw(seizure_rows(f"RT-{batch}/{n + 1}")))
    columns = draw(st.permutations(SEIZURE_COLUMNS))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"]))
    return rows, list(columns), delimiter, encoding


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    columns: list[str],
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter=delimiter)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


# ---------------------------------------------------------------------------------------------
# comparing two databases


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value


SEIZURE_SKIP = {"id", "owner_agency_id", "created_at", "updated_at", "import_job_id"}


def records(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    """Every seizure keyed by (agency code, local_ref), with its items and route legs."""
    with engine.connect() as conn:
        codes = dict(conn.execute(select(agency.c.id, agency.c.code)).all())
        keys: dict[str, tuple[str, str]] = {}
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for row in conn.execute(select(seizure)).mappings():
            key = (codes[row["owner_agency_id"]], row["local_ref"])
            keys[row["id"]] = key
            head = {k: _plain(v) for k, v in row.items() if k not in SEIZURE_SKIP}
            out[key] = {"seizure": head, "items": [], "legs": []}
        for row in conn.execute(select(seizure_item).order_by(seizure_item.c.line_no)).mappings():
            item = {k: _plain(v) for k, v in row.items() if k not in ("id", "seizure_id")}
            out[keys[row["seizure_id"]]]["items"].append(item)
        for row in conn.execute(select(route_leg).order_by(route_leg.c.seq)).mappings():
            leg = {k: v for k, v in row.items() if k not in ("id", "seizure_id")}
            out[keys[row["seizure_id"]]]["legs"].append(leg)
    return out


def _errors(result: ImportResult) -> str:
    return "; ".join(f"{p.row}/{p.column}/{p.value!r}/{p.code}" for p in result.errors[:10])


def _assert_committed(result: ImportResult) -> None:
    assert result.committed, _errors(result)
    assert not result.errors, _errors(result)


@pytest.fixture(scope="module")
def b_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database, initialised once with ``init_database``; DB Bs are copies of it."""
    path = tmp_path_factory.mktemp("db_b") / "b_template.db"
    b_settings = load_settings(home=path.parent, database_url=f"sqlite:///{path}")
    b_engine = make_engine(b_settings.resolved_database_url())
    init_database(b_engine, b_settings)
    b_engine.dispose()
    return path


@pytest.fixture
def empty_db(b_template: Path, tmp_path: Path) -> Iterator[Any]:
    """A factory of empty, initialised SQLite databases (DB B), one per call."""
    engines: list[Engine] = []
    counter = itertools.count(1)

    def make() -> tuple[Settings, Engine]:
        path = tmp_path / f"b_{next(counter)}.db"
        shutil.copyfile(b_template, path)
        s = load_settings(home=tmp_path, database_url=f"sqlite:///{path}")
        engine = make_engine(s.resolved_database_url())
        engines.append(engine)
        return s, engine

    yield make
    for engine in engines:
        engine.dispose()


def clear_seizures(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (route_leg, seizure_item, seizure):
            conn.execute(delete(table))


def export(engine: Engine, fmt: str, path: Path) -> int:
    with engine.connect() as conn:
        if fmt == "xlsx":
            return write_seizures(conn, fmt, path)
        with path.open("w", encoding="utf-8", newline="") as handle:
            return write_seizures(conn, fmt, handle)


def seizure_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(seizure)).scalar_one())


# ---------------------------------------------------------------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=seizure_files())
def test_export_imports_back_to_the_same_records(
    data: tuple[list[dict[str, str]], list[str], str, str],
    engine: Engine,
    settings: Settings,
    empty_db: Any,
    tmp_path: Path,
) -> None:
    rows, columns, delimiter, encoding = data
    batch = rows[0]["seizure_ref"].split("/")[0]
    clear_seizures(engine)  # the fixture's DB A serves every example: start each one empty
    source = tmp_path / f"{batch}.csv"
    write_csv(source, rows, columns, delimiter, encoding)
    refs = {r["seizure_ref"] for r in rows}

    result = import_file(engine, settings, source)
    _assert_committed(result)
    assert (result.created, result.updated, result.unchanged) == (len(refs), 0, 0)
    assert result.items == len(rows)

    expected = records(engine)
    total = len(expected)
    assert total == seizure_count(engine) == len(refs)
    items = sum(len(r["items"]) for r in expected.values())
    exports = {fmt: tmp_path / f"{batch}-export.{fmt}" for fmt in ("csv", "jsonl", "xlsx")}
    for fmt, path in exports.items():
        assert export(engine, fmt, path) == items

    # JSONL carries exactly the CSV's rows and columns.
    with exports["csv"].open(encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert list(csv_rows[0]) == list(EXPORT_COLUMNS)
    lines = exports["jsonl"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == csv_rows

    for fmt in ("csv", "jsonl", "xlsx"):
        b_settings, b_engine = empty_db()
        imported = import_file(b_engine, b_settings, exports[fmt])
        _assert_committed(imported)
        assert (imported.created, imported.items) == (total, items), fmt
        assert records(b_engine) == expected, fmt
        b_engine.dispose()

    # Re-importing an export into DB A changes nothing.
    for fmt in ("csv", "jsonl", "xlsx"):
        again = import_file(engine, settings, exports[fmt])
        _assert_committed(again)
        assert (again.created, again.updated, again.pending, again.unchanged) == (0, 0, 0, total)
    assert records(engine) == expected


FIXED_ROWS = [
    {
        "seizure_ref": "FX-1",
        "reporting_country": "Казахстан",
        "reporting_agency": "KAZ-CUSTOMS",
        "seizure_date": "14.05.2024 09:30",
        "location_type": "bcp_road",
        "bcp": "zhibek_zholy",
        "drug": "гера",
        "quantity": "12,5",
        "unit": "кг",
        "form": "порошок",
        "mode_of_transport": "road",
        "tlp": "TLP:red",
        "distribution": "org",
        "handling_code": "H1;H3:some text",
        "source_grade": "5x5x5:D",
        "info_grade": "3x5x2:E",
        "transit_countries": "TJK;UZB",
        "origin_country": "Афганистан",
        "narrative": "=1+2",
    },
    {"seizure_ref": "FX-1", "drug": "hashish", "quantity": "3.25", "unit": "г"},
    {
        "seizure_ref": "FX-2",
        "reporting_country": "UZ",
        "reporting_agency": "UZB-POLICE",
        "seizure_date": "2023-07",
        "location_type": "road",
        "drug": "mdma",
        "quantity": "10",
        "unit": "таб",
        "mode_of_transport": "unknown",
        "tlp": "WHITE",
        "distribution": "region",
        "latitude": "41,3",
        "longitude": "69.25",
    },
]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_fixed_sample_round_trips(
    fmt: str, engine: Engine, settings: Settings, empty_db: Any, tmp_path: Path
) -> None:
    """A hand-written sample; in XLSX the narrative "=1+2" must stay text, not a formula."""
    source = tmp_path / "fixed.csv"
    write_csv(source, FIXED_ROWS, list(SEIZURE_COLUMNS))
    _assert_committed(import_file(engine, settings, source))
    expected = records(engine)
    first = expected[("KAZ-CUSTOMS", "FX-1")]
    assert first["seizure"]["narrative"] == "=1+2"
    assert first["seizure"]["suspected_false"] is True
    assert (first["seizure"]["handling"], first["seizure"]["h3_text"]) == ("H1;H3", "some text")
    assert [leg["country"] for leg in first["legs"]] == ["AFG", "TJK", "UZB"]
    assert [i["reported_name"] for i in first["items"]] == ["гера", "hashish"]
    path = tmp_path / f"fixed.{fmt}"
    assert export(engine, fmt, path) == 3
    b_settings, b_engine = empty_db()
    _assert_committed(import_file(b_engine, b_settings, path))
    assert records(b_engine) == expected
    again = import_file(engine, settings, path)
    assert (again.unchanged, again.updated, again.created) == (2, 0, 0)
