"""Invalid import files (DATA.md §6.3): all or nothing, and an error report that says where.

Every rejected job must leave the database exactly as it was (the row counts of every table an
import writes to are compared before and after), and each problem must name the file, the row as
the spreadsheet shows it (header = row 1), the column, the bad value and a code, with a reason in
English and Russian.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from builders import (
    csv_bytes,
    item_row,
    person_row,
    query,
    seizure_row,
    table_counts,
    write_csv,
    write_xlsx,
)
from dozor.ingest.problems import Problem
from dozor.ingest.service import ImportResult, import_file
from dozor.settings import Settings

REF = "KAZ-CUSTOMS/2024/000001"
FUTURE = (date.today() + timedelta(days=3)).strftime("%d.%m.%Y")


def rejected(
    engine: Engine,
    settings: Settings,
    seizures: Path,
    persons: Path | None = None,
    **options: Any,
) -> ImportResult:
    """Run a job that must fail; assert nothing was committed or written."""
    before = table_counts(engine)
    result = import_file(engine, settings, seizures, persons, **options)
    assert result.committed is False
    assert result.errors, "a rejected job reports its problems"
    assert table_counts(engine) == before
    assert (result.created, result.updated, result.items, result.persons) == (0, 0, 0, 0)
    return result


def problem(result: ImportResult, code: str, column: str | None = None) -> Problem:
    """The first problem with ``code`` (and ``column``)."""
    for found in result.errors:
        if found.code == code and (column is None or found.column == column):
            return found
    raise AssertionError(f"no {code} problem in {[p.as_dict() for p in result.errors]}")


# -- one bad cell -----------------------------------------------------------------------------

CELL_CASES = [
    pytest.param({"drug": "героинн"}, "unknown_code", "drug", "героинн", id="unknown-drug"),
    pytest.param({"drug": "насвай"}, "not_a_drug", "drug", "насвай", id="nasvay"),
    pytest.param({"drug": "Табак"}, "not_a_drug", "drug", "Табак", id="tobacco"),
    pytest.param({"quantity": "-5"}, "out_of_range", "quantity", "-5", id="negative-quantity"),
    pytest.param({"quantity": "0"}, "out_of_range", "quantity", "0", id="zero-quantity"),
    pytest.param({"quantity": "0,000"}, "out_of_range", "quantity", "0,000", id="zero-decimal"),
    pytest.param(
        {"quantity": "1,250.5"}, "ambiguous_number", "quantity", "1,250.5", id="comma-and-point"
    ),
    pytest.param(
        {"quantity": "1.000.000"}, "ambiguous_number", "quantity", "1.000.000", id="grouped-dots"
    ),
    pytest.param({"quantity": "12 кг"}, "invalid_number", "quantity", "12 кг", id="not-a-number"),
    pytest.param(
        {"quantity": "60 000", "unit": "кг"}, "out_of_range", "quantity", "60 000", id="over-50t"
    ),
    pytest.param({"unit": "бочка"}, "unknown_code", "unit", "бочка", id="unknown-unit"),
    pytest.param(
        {"drug": "cannabis_plants", "unit": "kg", "form": ""},
        "unit_not_allowed",
        "unit",
        "kg",
        id="plants-in-kg",
    ),
    pytest.param({"form": "газ"}, "unknown_code", "form", "газ", id="unknown-form"),
    pytest.param({"purity_pct": "150"}, "out_of_range", "purity_pct", "150", id="purity-150"),
    pytest.param({"seizure_date": FUTURE}, "future_date", "seizure_date", FUTURE, id="future"),
    pytest.param(
        {"seizure_date": "31.12.1989"}, "out_of_range", "seizure_date", "31.12.1989", id="1989"
    ),
    pytest.param(
        {"seizure_date": "05/14/2024"}, "ambiguous_date", "seizure_date", "05/14/2024", id="slash"
    ),
    pytest.param(
        {"seizure_date": "31.02.2024"}, "invalid_date", "seizure_date", "31.02.2024", id="feb-31"
    ),
    pytest.param(
        {"reporting_country": "Нарния"},
        "unknown_code",
        "reporting_country",
        "Нарния",
        id="bad-country",
    ),
    pytest.param(
        {"reporting_country": "Узбекистан"},
        "agency_mismatch",
        "reporting_country",
        "Узбекистан",
        id="not-the-agencys-country",
    ),
    pytest.param(
        {"reporting_agency": "KAZ-NOBODY"},
        "unknown_code",
        "reporting_agency",
        "KAZ-NOBODY",
        id="unknown-agency",
    ),
    pytest.param({"bcp": "oybek"}, "unknown_bcp", "bcp", "oybek", id="bcp-of-uzbekistan"),
    pytest.param({"bcp": "Нигдеево"}, "unknown_bcp", "bcp", "Нигдеево", id="unknown-bcp"),
    pytest.param({"bcp": ""}, "required_missing", "bcp", "", id="bcp-missing-for-bcp-road"),
    pytest.param(
        {"location_type": "космос"}, "unknown_code", "location_type", "космос", id="location"
    ),
    pytest.param(
        {"mode_of_transport": ""}, "required_missing", "mode_of_transport", "", id="no-mode"
    ),
    pytest.param(
        {"origin_country": "Атлантида"},
        "unknown_code",
        "origin_country",
        "Атлантида",
        id="bad-origin",
    ),
    pytest.param(
        {"transit_countries": "TJK;Мордор"},
        "unknown_code",
        "transit_countries",
        "TJK;Мордор",
        id="bad-transit",
    ),
    pytest.param(
        {"persons_arrested": "два"}, "invalid_number", "persons_arrested", "два", id="arrested"
    ),
    pytest.param({"tlp": "TLP:RED"}, "marking_conflict", "tlp", "TLP:RED", id="red-national"),
    pytest.param(
        {"tlp": "AMBER+STRICT", "distribution": "region"},
        "marking_conflict",
        "tlp",
        "AMBER+STRICT",
        id="strict-region",
    ),
    pytest.param(
        {"distribution": "listed"}, "marking_conflict", "distribution", "listed", id="listed"
    ),
    pytest.param(
        {"distribution": "public", "tlp": "CLEAR"},
        "marking_conflict",
        "distribution",
        "public",
        id="public",
    ),
    pytest.param({"tlp": "PURPLE"}, "unknown_code", "tlp", "PURPLE", id="unknown-tlp"),
    pytest.param(
        {"handling_code": "H0;H1"}, "unknown_code", "handling_code", "H0;H1", id="h0-combined"
    ),
    pytest.param({"handling_code": "H3"}, "unknown_code", "handling_code", "H3", id="h3-no-text"),
    pytest.param(
        {"source_grade": "5x5x5:F"}, "unknown_code", "source_grade", "5x5x5:F", id="bad-grade"
    ),
    pytest.param({"seizure_ref": "R" * 65}, "too_long", "seizure_ref", "R" * 65, id="ref-too-long"),
    pytest.param(
        {"settlement": "С" * 201}, "too_long", "settlement", "С" * 99 + "…", id="long-settlement"
    ),
    pytest.param({"latitude": "43,2"}, "invalid_coordinates", "longitude", "", id="lat-only"),
    pytest.param(
        {"latitude": "95.5", "longitude": "69.6", "location_type": "road", "bcp": ""},
        "invalid_coordinates",
        "latitude",
        "95.5",
        id="lat-out-of-range",
    ),
]


@pytest.mark.parametrize(("overrides", "code", "column", "value"), CELL_CASES)
def test_one_bad_cell_rejects_the_job(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    overrides: dict[str, str],
    code: str,
    column: str,
    value: str,
) -> None:
    rows = [
        seizure_row(seizure_ref="KAZ-CUSTOMS/2024/000000"),  # a valid seizure is not written
        seizure_row(**overrides),
    ]
    path = write_csv(tmp_path / "seizures.csv", rows)

    result = rejected(engine, settings, path)

    found = problem(result, code, column)
    assert (found.file, found.sheet, found.row, found.column) == (
        "seizures.csv",
        "seizures",
        3,
        column,
    )
    assert found.value == value
    assert found.reason("en") and found.reason("ru")
    assert found.reason("en") != found.reason("ru")
    assert {p.row for p in result.errors} == {3}
    assert result.skipped == 1


def test_reasons_in_english_and_russian(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    rows = [
        seizure_row(seizure_ref="A", drug="героинн"),
        seizure_row(seizure_ref="B", drug="насвай"),
        seizure_row(seizure_ref="C", quantity="1,250.5"),
        seizure_row(seizure_ref="D", drug="cannabis_plants", unit="kg", form=""),
        seizure_row(seizure_ref="E", bcp="oybek"),
        seizure_row(seizure_ref="F", tlp="RED"),
        seizure_row(seizure_ref="G", seizure_date="05/14/2024"),
        seizure_row(
            seizure_ref="H", location_type="road", bcp="", latitude="76.95", longitude="43.25"
        ),
    ]
    result = rejected(engine, settings, write_csv(tmp_path / "s.csv", rows))

    assert {p.row: p.code for p in result.errors} == {
        2: "unknown_code",
        3: "not_a_drug",
        4: "ambiguous_number",
        5: "unit_not_allowed",
        6: "unknown_bcp",
        7: "marking_conflict",
        8: "ambiguous_date",
        9: "invalid_coordinates",
    }
    assert result.skipped == 8
    drug = problem(result, "unknown_code", "drug")
    assert "did you mean" in drug.reason("en") and "heroin" in drug.reason("en")
    assert "неизвестное значение (вещество)" in drug.reason("ru")
    assert "heroin" in drug.reason("ru")
    nasvay = problem(result, "not_a_drug")
    assert nasvay.reason("en") == (
        "насвай is a tobacco product, not a drug; record it under other_seized or omit it"
    )
    assert "табачное изделие, а не наркотик" in nasvay.reason("ru")
    assert "not both" in problem(result, "ambiguous_number").reason("en")
    assert "либо запятую, либо точку" in problem(result, "ambiguous_number").reason("ru")
    plants = problem(result, "unit_not_allowed")
    assert plants.reason("en") == "unit 'kg' is not allowed for Cannabis plants"
    assert plants.reason("ru") == "единица 'kg' недопустима для вещества «Растения конопли»"
    bcp = problem(result, "unknown_bcp")
    assert "crossing point of UZB" in bcp.reason("en")
    assert "пункт пропуска страны UZB" in bcp.reason("ru")
    marking = problem(result, "marking_conflict")
    assert marking.reason("en") == "TLP:RED requires distribution org or listed; got national"
    assert "TLP:RED" in marking.reason("ru") and "national" in marking.reason("ru")
    assert "ГГГГ-ММ-ДД" in problem(result, "ambiguous_date").reason("ru")
    swapped = problem(result, "invalid_coordinates")
    assert swapped.value == "76.95, 43.25"
    assert "seem swapped" in swapped.reason("en")
    assert "перепутаны" in swapped.reason("ru")


def test_conflicting_seizure_level_value(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        seizure_row(),
        item_row(REF, drug="опий", quantity="2", unit="kg", form=""),
        item_row(REF, drug="гашиш", quantity="1", unit="kg", form="", destination_country="KGZ"),
    ]
    result = rejected(engine, settings, write_csv(tmp_path / "s.csv", rows))

    found = problem(result, "conflicting_seizure_value")
    assert (found.row, found.column, found.value) == (4, "destination_country", "KGZ")
    assert found.params["first_row"] == 2
    assert found.reason("en") == "'KGZ' differs from 'RUS' given on row 2 for the same seizure_ref"
    assert "в строке 2" in found.reason("ru")


def test_same_value_written_differently_is_not_a_conflict(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        seizure_row(),
        item_row(REF, destination_country="Россия", seizure_date="2024-05-14 09:30"),
    ]
    result = import_file(engine, settings, write_csv(tmp_path / "s.csv", rows))

    assert result.committed, [p.as_dict() for p in result.errors]
    assert (result.created, result.items) == (1, 2)


# -- the header -------------------------------------------------------------------------------


def test_missing_required_column(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "seizures.csv", [seizure_row(drug=None)])

    result = rejected(engine, settings, path)

    found = problem(result, "missing_column")
    assert (found.file, found.row, found.column) == ("seizures.csv", 1, "drug")
    assert found.reason("en") == "required column drug is missing"
    assert found.reason("ru") == "нет обязательного столбца drug"
    assert result.rows == 0


def test_unknown_column(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "seizures.csv", [seizure_row(colour="red", x_colour="ok")])

    result = rejected(engine, settings, path)

    assert [(p.code, p.row, p.column, p.value) for p in result.errors] == [
        ("unknown_column", 1, "colour", "colour")
    ]
    assert "x_" in result.errors[0].reason("en")


def test_missing_column_in_persons_file(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    seizures = write_csv(tmp_path / "seizures.csv", [seizure_row()])
    persons = write_csv(tmp_path / "persons.csv", [person_row(role=None)])

    result = rejected(engine, settings, seizures, persons)

    found = problem(result, "missing_column")
    assert (found.file, found.row, found.column) == ("persons.csv", 1, "role")


def test_missing_columns_in_xlsx_sheets(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "job.xlsx", [seizure_row(quantity=None)], [person_row(surname=None)]
    )

    result = rejected(engine, settings, path)

    assert {(p.sheet, p.row, p.column, p.code) for p in result.errors} == {
        ("seizures", 1, "quantity", "missing_column"),
        ("persons", 1, "surname", "missing_column"),
    }


# -- broken files -----------------------------------------------------------------------------


def test_bytes_invalid_in_utf8_and_windows_1251(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "seizures.csv"
    path.write_bytes(csv_bytes([seizure_row()]).replace("героин".encode(), b"\x98"))

    result = rejected(engine, settings, path)

    found = problem(result, "encoding")
    assert found.file == "seizures.csv"
    assert found.reason("en") == "the file is neither UTF-8 nor Windows-1251 text"
    assert "UTF-8" in found.reason("ru") and "Windows-1251" in found.reason("ru")


def test_nul_byte_in_windows_1251_file(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    data = csv_bytes([seizure_row(), seizure_row(seizure_ref="B")], encoding="cp1251")
    path = tmp_path / "seizures.csv"
    path.write_bytes(data.replace(b"B,", b"B\x00,"))

    result = rejected(engine, settings, path)

    assert [p.code for p in result.errors] == ["encoding"]


def test_utf8_with_an_invalid_byte_is_not_read_as_windows_1251(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    good = csv_bytes([seizure_row(), seizure_row(seizure_ref="B"), seizure_row(seizure_ref="C")])
    lines = good.split(b"\r\n")
    lines[3] = lines[3].replace("героин".encode(), "герои".encode() + b"\xff")  # file line 4
    path = tmp_path / "seizures.csv"
    path.write_bytes(b"\r\n".join(lines))

    result = rejected(engine, settings, path)

    assert [(p.code, p.file, p.row) for p in result.errors] == [("encoding", "seizures.csv", 4)]
    assert not any("1251" in note for note in result.notes)


def test_file_cut_inside_a_multibyte_character(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    data = csv_bytes([seizure_row(seizure_ref=f"R{i}") for i in range(4)])
    cut = data.rindex("героин".encode()) + 3  # after «г» and half of «е»
    path = tmp_path / "seizures.csv"
    path.write_bytes(data[:cut])

    result = rejected(engine, settings, path)

    assert [(p.code, p.row) for p in result.errors] == [("encoding", 5)]


def test_file_cut_in_the_middle_of_a_row(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    data = csv_bytes([seizure_row(seizure_ref=f"R{i}") for i in range(4)])
    cut = data.rindex(b"R3,KAZ,KAZ-CUS") + len(b"R3,KAZ,KAZ-CUS")
    path = tmp_path / "seizures.csv"
    path.write_bytes(data[:cut])

    result = rejected(engine, settings, path)

    assert {p.row for p in result.errors} == {5}
    assert problem(result, "unknown_code", "reporting_agency").value == "KAZ-CUS"
    for column in ("seizure_date", "location_type", "drug", "quantity", "unit"):
        assert problem(result, "required_missing", column).row == 5
    assert result.skipped == 1


def test_duplicate_rows_become_two_identical_items(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """Decision of the importer: a repeated row is a second item of the same seizure."""
    path = write_csv(tmp_path / "s.csv", [seizure_row(), seizure_row()])

    result = import_file(engine, settings, path)

    assert result.committed and not result.errors
    assert (result.created, result.items) == (1, 2)
    items = query(engine, "SELECT substance_code, quantity_reported, line_no FROM seizure_item")
    assert sorted((i["line_no"], i["substance_code"], i["quantity_reported"]) for i in items) == [
        (1, "heroin", "12.5"),
        (2, "heroin", "12.5"),
    ]
    assert query(engine, "SELECT total_kg_eq FROM seizure")[0]["total_kg_eq"] == pytest.approx(25)


def test_file_over_the_size_limit(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "seizures.csv", [seizure_row(seizure_ref=f"R{i}") for i in range(5)]
    )
    small = settings.model_copy(update={"import_max_bytes": 1000})
    size = path.stat().st_size
    assert size > 1000

    result = rejected(engine, small, path)

    found = problem(result, "file_too_large")
    assert (found.file, found.row) == ("seizures.csv", 0)
    assert found.value == f"{size:,} bytes"
    assert found.reason("en") == f"{size:,} bytes exceeds the limit of 1,000 bytes"
    assert "превышает предел" in found.reason("ru")


@pytest.mark.slow
def test_real_file_over_50_megabytes(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    assert settings.import_max_bytes == 50 * 1024 * 1024
    header, _, row = csv_bytes([seizure_row()]).partition(b"\r\n")
    path = tmp_path / "seizures.csv"
    with path.open("wb") as handle:
        handle.write(header + b"\r\n")
        written = len(header) + 2
        block = row * 2000
        while written <= settings.import_max_bytes:
            handle.write(block)
            written += len(block)
    assert path.stat().st_size > 50 * 1024 * 1024

    result = rejected(engine, settings, path)

    assert [p.code for p in result.errors] == ["file_too_large"]
    assert "52,428,800 bytes" in result.errors[0].reason("en")


def test_file_over_the_row_limit(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "seizures.csv", [seizure_row(seizure_ref=f"R{i}") for i in range(6)]
    )
    limited = settings.model_copy(update={"import_max_rows": 4})

    result = rejected(engine, limited, path)

    found = problem(result, "file_too_large")
    assert (found.row, found.value) == (6, "5 rows")  # the first row over the limit
    assert found.reason("en") == "5 rows exceeds the limit of 4 rows"


def test_row_limit_is_not_bypassed_by_skip_invalid(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "seizures.csv", [seizure_row(seizure_ref=f"R{i}") for i in range(6)]
    )
    limited = settings.model_copy(update={"import_max_rows": 4})

    result = rejected(engine, limited, path, skip_invalid=True)

    assert problem(result, "file_too_large").row == 6


# -- persons ----------------------------------------------------------------------------------

PERSON_CASES = [
    pytest.param({"surname": "Юсупов2"}, "out_of_range", "surname", "Юсупов2", id="digits"),
    pytest.param({"given_name": "Б3"}, "out_of_range", "given_name", "Б3", id="digit-given"),
    pytest.param({"surname": "Ю" * 101}, "too_long", "surname", "Ю" * 99 + "…", id="long"),
    pytest.param({"surname": ""}, "required_missing", "surname", "", id="no-surname"),
    pytest.param({"role": "наблюдатель"}, "unknown_code", "role", "наблюдатель", id="role"),
    pytest.param({"sex": "оно"}, "unknown_code", "sex", "оно", id="sex"),
    pytest.param({"phone": "12345"}, "invalid_phone", "phone", "12345", id="phone"),
    pytest.param(
        {"vin": "1HGCM82633A00435I"}, "invalid_vin", "vin", "1HGCM82633A00435I", id="vin-with-i"
    ),
    pytest.param(
        {"vin": "1HGCM82633A00435O"}, "invalid_vin", "vin", "1HGCM82633A00435O", id="vin-with-o"
    ),
    pytest.param(
        {"vin": "QHGCM82633A004352"}, "invalid_vin", "vin", "QHGCM82633A004352", id="vin-with-q"
    ),
    pytest.param({"vin": "1HGCM82633A0043"}, "invalid_vin", "vin", "1HGCM82633A0043", id="vin-15"),
    pytest.param(
        {"passport_number": "AB12"}, "invalid_document", "passport_number", "AB12", id="passport"
    ),
    pytest.param(
        {"passport_country": ""}, "required_missing", "passport_country", "", id="passport-alone"
    ),
    pytest.param(
        {"vehicle_country": ""}, "required_missing", "vehicle_country", "", id="plate-no-country"
    ),
    pytest.param(
        {"vehicle_plate": "А"}, "invalid_plate", "vehicle_plate", "А", id="plate-too-short"
    ),
    pytest.param(
        {"date_of_birth": "01.01.2025"},
        "out_of_range",
        "date_of_birth",
        "2025-01-01",
        id="born-after-seizure",
    ),
    pytest.param(
        {"date_of_birth": "01.01.1900"}, "out_of_range", "date_of_birth", "1900-01-01", id="age"
    ),
    pytest.param(
        {"date_of_birth": "12/03/1985"},
        "ambiguous_date",
        "date_of_birth",
        "12/03/1985",
        id="slash-birth",
    ),
    pytest.param({"nationality": "Марс"}, "unknown_code", "nationality", "Марс", id="nationality"),
    pytest.param(
        {"seizure_ref": "KAZ-CUSTOMS/2024/999999"},
        "unknown_seizure_ref",
        "seizure_ref",
        "KAZ-CUSTOMS/2024/999999",
        id="unknown-ref",
    ),
]


@pytest.mark.parametrize(("overrides", "code", "column", "value"), PERSON_CASES)
def test_one_bad_person_cell_rejects_the_job(
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    overrides: dict[str, str],
    code: str,
    column: str,
    value: str,
) -> None:
    seizures = write_csv(tmp_path / "seizures.csv", [seizure_row()])
    persons = write_csv(
        tmp_path / "persons.csv",
        [
            person_row(surname="Иванов", phone="", vehicle_plate="", vehicle_country=""),
            person_row(**overrides),
        ],
    )

    result = rejected(engine, settings, seizures, persons)

    found = problem(result, code, column)
    assert (found.file, found.sheet, found.row, found.column) == (
        "persons.csv",
        "persons",
        3,
        column,
    )
    assert found.value == value
    assert found.reason("ru") != found.reason("en")
    assert {p.file for p in result.errors} == {"persons.csv"}
    assert result.skipped == 1


# -- skip invalid and dry run -----------------------------------------------------------------


def test_skip_invalid_writes_the_valid_seizures(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    seizures = write_csv(
        tmp_path / "seizures.csv",
        [
            seizure_row(seizure_ref="A"),
            seizure_row(seizure_ref="B"),
            item_row("B", drug="героинн"),  # one bad item spoils seizure B
            seizure_row(seizure_ref="C"),  # valid, but its person row is not
            seizure_row(seizure_ref="D"),
            item_row("D", drug="опий", quantity="1", unit="kg", form=""),
        ],
    )
    persons = write_csv(
        tmp_path / "persons.csv",
        [
            person_row(seizure_ref="C", phone="12345"),
            person_row(seizure_ref="D", surname="Петров", given_name="Иван"),
            person_row(seizure_ref="B", surname="Сидоров"),
        ],
    )

    result = import_file(engine, settings, seizures, persons, skip_invalid=True)

    assert result.committed is True
    assert (result.created, result.skipped, result.items, result.persons) == (2, 2, 3, 1)
    assert sorted((p.file, p.row, p.code) for p in result.errors) == [
        ("persons.csv", 2, "invalid_phone"),
        ("seizures.csv", 4, "unknown_code"),
    ]
    stored = query(engine, "SELECT local_ref, item_count FROM seizure ORDER BY local_ref")
    assert [(s["local_ref"], s["item_count"]) for s in stored] == [("A", 1), ("D", 2)]
    assert [p["surname"] for p in query(engine, "SELECT surname FROM person")] == ["Петров"]
    (job,) = query(engine, "SELECT created, skipped FROM import_job")
    assert (job["created"], job["skipped"]) == (2, 2)


def test_skip_invalid_with_nothing_valid_writes_no_seizure(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [seizure_row(drug="насвай")])

    result = import_file(engine, settings, path, skip_invalid=True)

    assert (result.created, result.skipped) == (0, 1)
    assert table_counts(engine)["seizure"] == 0
    assert [p.code for p in result.errors] == ["not_a_drug"]


def test_dry_run_counts_but_writes_nothing(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    seizures = write_csv(
        tmp_path / "seizures.csv",
        [seizure_row(seizure_ref="A"), item_row("A", drug="опий"), seizure_row(seizure_ref="B")],
    )
    persons = write_csv(tmp_path / "persons.csv", [person_row(seizure_ref="A")])
    before = table_counts(engine)

    result = import_file(engine, settings, seizures, persons, dry_run=True)

    assert (result.dry_run, result.committed, result.ok) == (True, False, True)
    assert (result.created, result.items, result.persons, result.rows) == (2, 3, 1, 3)
    assert result.errors == []
    assert table_counts(engine) == before


def test_dry_run_reports_errors(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [seizure_row(seizure_ref="A"), seizure_row(unit="ведро")])

    result = rejected(engine, settings, path, dry_run=True)

    assert result.ok is False
    assert [(p.row, p.code) for p in result.errors] == [(3, "unknown_code")]


# -- the command line -------------------------------------------------------------------------


def test_cli_rejects_a_bad_file_with_a_json_report(
    dozor: Callable[..., Any], settings: Settings, tmp_path: Path
) -> None:
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            seizure_row(seizure_ref="A"),
            seizure_row(seizure_ref="B", drug="насвай"),
            seizure_row(seizure_ref="C", quantity="0"),
        ],
    )

    done = dozor("import", str(bad), "--json")

    assert done.code == 1, done.stderr
    summary = json.loads(done.stdout)  # exactly one JSON object
    assert summary["committed"] is False
    assert summary["created"] == 0
    assert {(e["file"], e["row"], e["column"], e["value"]) for e in summary["errors"]} == {
        ("bad.csv", 3, "drug", "насвай"),
        ("bad.csv", 4, "quantity", "0"),
    }
    for error in summary["errors"]:
        assert {"file", "row", "column", "value", "reason", "code"} <= set(error)
    assert any("tobacco product" in e["reason"] for e in summary["errors"])

    report = tmp_path / "errors.csv"
    done = dozor("import", str(bad), "--json", "--lang", "ru", "--report", str(report))

    assert done.code == 1
    reasons = [e["reason"] for e in json.loads(done.stdout)["errors"]]
    assert any("табачное изделие" in r for r in reasons)
    assert any("вне допустимого диапазона" in r for r in reasons)
    with report.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert sorted((r["row"], r["column"], r["code"]) for r in written) == [
        ("3", "drug", "not_a_drug"),
        ("4", "quantity", "out_of_range"),
    ]
    assert all(r["file"] == "bad.csv" for r in written)
    assert any("табачное изделие" in r["reason"] for r in written)


def test_cli_imports_a_good_file(dozor: Callable[..., Any], engine: Engine, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [seizure_row(seizure_ref="A"), seizure_row()])
    persons = write_csv(tmp_path / "persons.csv", [person_row(seizure_ref="A")])

    done = dozor("import", str(good), "--persons", str(persons), "--json")

    assert done.code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["committed"], summary["created"], summary["persons"]) == (True, 2, 1)
    assert summary["errors"] == []
    assert table_counts(engine)["seizure"] == 2

    done = dozor("import", str(good))  # the human summary goes to stderr
    assert done.code == 0
    assert "2 unchanged" in done.stderr


def test_error_report_values_are_cut_to_100_characters(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [seizure_row(drug="x" * 300)])

    result = rejected(engine, settings, path)

    assert len(problem(result, "unknown_code", "drug").value) == 100
    assert json.loads(json.dumps([p.as_dict("ru") for p in result.errors]))


def test_report_rows_match_a_spreadsheet(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """Blank lines still count as rows, as a spreadsheet program shows them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    rows = [seizure_row(seizure_ref="A"), seizure_row(seizure_ref="B", unit="ведро")]
    writer.writerow(list(rows[0]))
    writer.writerow(list(rows[0].values()))
    buffer.write("\n,,,\n")  # a blank line and an empty row (lines 3 and 4)
    writer.writerow(list(rows[1].values()))
    path = tmp_path / "s.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")

    result = rejected(engine, settings, path)

    assert [(p.row, p.column) for p in result.errors] == [(5, "unit")]
