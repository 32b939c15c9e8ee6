"""Valid import files (DATA.md §6): every format, encoding and value form the template allows.

Each test imports real files into a fresh database (SQLite and PostgreSQL) and reads back what
was stored, including the derived values: kg-equivalents, heroin equivalents, UTC times and
route legs.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Engine

from builders import (
    item_row,
    person_row,
    query,
    seizure_row,
    table_counts,
    utc,
    write_csv,
    write_json,
    write_xlsx,
)
from dozor.ingest.service import ImportResult, import_file
from dozor.settings import Settings

REF = "KAZ-CUSTOMS/2024/000001"


def ok(result: ImportResult) -> ImportResult:
    """The result, after asserting the job committed without errors."""
    assert result.errors == [], [p.as_dict() for p in result.errors]
    assert result.committed is True
    return result


def items_of(engine: Engine, ref: str) -> list[dict[str, Any]]:
    return query(
        engine,
        "SELECT i.* FROM seizure_item i JOIN seizure s ON s.id = i.seizure_id "
        "WHERE s.local_ref = :ref ORDER BY i.line_no",
        ref=ref,
    )


def seizure_of(engine: Engine, ref: str) -> dict[str, Any]:
    rows = query(engine, "SELECT * FROM seizure WHERE local_ref = :ref", ref=ref)
    assert len(rows) == 1
    return rows[0]


# -- delimiters and encodings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "bom"),
    [(",", False), (",", True), (";", False), (";", True), ("\t", False), ("\t", True)],
    ids=["comma", "comma-bom", "semicolon", "semicolon-bom", "tab", "tab-bom"],
)
def test_csv_delimiters_with_and_without_bom(
    engine: Engine, settings: Settings, tmp_path: Path, delimiter: str, bom: bool
) -> None:
    rows = [
        seizure_row(narrative="Досмотр; найдено, в тайнике"),  # the delimiters inside a cell
        seizure_row(seizure_ref="KAZ-CUSTOMS/2024/000002", quantity="1 250,5"),
    ]
    path = write_csv(tmp_path / "seizures.csv", rows, delimiter=delimiter, bom=bom)

    result = ok(import_file(engine, settings, path))

    assert (result.created, result.items, result.rows) == (2, 2, 2)
    assert not any("1251" in note for note in result.notes)
    first = seizure_of(engine, REF)
    assert first["narrative"] == "Досмотр; найдено, в тайнике"
    assert first["reporting_country"] == "KAZ"
    assert first["bcp_code"] == "zhibek_zholy"
    (item,) = items_of(engine, "KAZ-CUSTOMS/2024/000002")
    assert item["substance_code"] == "heroin"
    assert item["reported_name"] == "героин"
    assert item["quantity_reported"] == "1250.5"
    assert item["quantity_text"] == "1 250,5"


def test_windows_1251_csv_is_decoded_and_noted(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    seizures = write_csv(
        tmp_path / "seizures.csv",
        [seizure_row(settlement="Сарыагаш", drug="Героин", unit="гр", quantity="500")],
        delimiter=";",
        encoding="cp1251",
    )
    persons = write_csv(
        tmp_path / "persons.csv",
        [person_row(surname="Ёлкин", given_name="Пётр")],
        encoding="cp1251",
    )
    assert b"\xc3\xe5\xf0\xee\xe8\xed" in seizures.read_bytes()  # «Героин» in Windows-1251

    result = ok(import_file(engine, settings, seizures, persons))

    assert result.notes == [
        "seizures.csv: decoded as Windows-1251",
        "persons.csv: decoded as Windows-1251",
    ]
    assert seizure_of(engine, REF)["settlement"] == "Сарыагаш"
    (item,) = items_of(engine, REF)
    assert (item["reported_name"], item["unit_reported"]) == ("Героин", "g")
    (stored,) = query(engine, "SELECT surname, given_name, name_latin FROM person")
    assert stored == {"surname": "Ёлкин", "given_name": "Пётр", "name_latin": "ELKIN PETR"}


# -- XLSX and JSON ----------------------------------------------------------------------------


def test_xlsx_with_both_sheets_and_native_cells(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    seizures = [
        seizure_row(
            seizure_date=datetime(2024, 5, 14, 9, 30),
            quantity=12.5,
            persons_arrested=2,
            location_type="road",
            bcp="",
            latitude=42.3167,
            longitude=69.5958,
        ),
        item_row(REF, drug="опий", quantity=3, unit="kg", form=""),
        seizure_row(seizure_ref="KAZ-CUSTOMS/2024/000002", seizure_date=date(2024, 5, 1)),
    ]
    persons = [person_row(date_of_birth=date(1985, 3, 12), passport_number="N1234567")]
    path = write_xlsx(tmp_path / "job.xlsx", seizures, persons)

    result = ok(import_file(engine, settings, path))

    assert (result.created, result.items, result.persons) == (2, 3, 1)
    first = seizure_of(engine, REF)
    assert utc(first["seized_at"]) == datetime(2024, 5, 14, 4, 30, tzinfo=UTC)
    assert (first["seized_local"], first["seized_precision"]) == ("2024-05-14T09:30", "minute")
    assert first["persons_arrested"] == 2
    assert (first["lat"], first["lon"]) == pytest.approx((42.3167, 69.5958))
    assert [(i["substance_code"], i["quantity_reported"]) for i in items_of(engine, REF)] == [
        ("heroin", "12.5"),
        ("opium", "3"),
    ]
    second = seizure_of(engine, "KAZ-CUSTOMS/2024/000002")
    assert (second["seized_local"], second["seized_precision"]) == ("2024-05-01", "day")
    (stored,) = query(engine, "SELECT date_of_birth, dob_precision FROM person")
    assert str(stored["date_of_birth"])[:10] == "1985-03-12"
    assert stored["dob_precision"] == "day"


def test_json_with_seizures_and_persons(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    seizures = [
        seizure_row(quantity=12.5, persons_arrested=1, transit_countries=["TJK", "UZB"]),
        item_row(REF, drug="гашиш", quantity="800", unit="г", form="смола"),
    ]
    path = write_json(tmp_path / "job.json", seizures, [person_row()])
    assert set(json.loads(path.read_text(encoding="utf-8"))) == {"seizures", "persons"}

    result = ok(import_file(engine, settings, path))

    assert (result.created, result.items, result.persons) == (1, 2, 1)
    items = items_of(engine, REF)
    assert [(i["substance_code"], i["unit_reported"], i["form"]) for i in items] == [
        ("heroin", "kg", "powder"),
        ("cannabis_resin", "g", "resin"),
    ]
    legs = query(
        engine,
        "SELECT l.role, l.country FROM route_leg l JOIN seizure s ON s.id = l.seizure_id "
        "ORDER BY l.seq",
    )
    assert [(leg["role"], leg["country"]) for leg in legs] == [
        ("origin", "AFG"),
        ("transit", "TJK"),
        ("transit", "UZB"),
        ("destination", "RUS"),
    ]
    assert query(engine, "SELECT surname FROM person") == [{"surname": "Юсупов"}]


# -- seizures of several items, labels, values -----------------------------------------------


def test_multi_item_seizure_with_blank_seizure_cells(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        seizure_row(),
        item_row(REF, drug="опий", quantity="10", unit="кг", form=""),
        item_row(REF, drug="трамадол", quantity="200", unit="таб", form="таблетки"),
        seizure_row(seizure_ref="KAZ-CUSTOMS/2024/000002", drug="марихуана", quantity="3"),
    ]
    result = ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", rows)))

    assert (result.created, result.items, result.rows) == (2, 4, 4)
    head = seizure_of(engine, REF)
    assert head["item_count"] == 3
    assert head["total_kg_eq"] == pytest.approx(22.5)  # tramadol tablets are not converted
    items = items_of(engine, REF)
    assert [(i["line_no"], i["substance_code"]) for i in items] == [
        (1, "heroin"),
        (2, "opium"),
        (3, "tramadol"),
    ]
    assert table_counts(engine)["seizure"] == 2


def test_russian_labels_synonyms_and_number_forms(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        seizure_row(
            location_type="Автомобильный пункт пропуска",
            bcp="Жибек Жолы",
            mode_of_transport="Автомобильный",
            conveyance_type="Легковой автомобиль",
            direction="Ввоз",
            concealment="В багаже; На теле, в одежде",
            origin_country="Афганистан",
            transit_countries="Таджикистан; Узбекистан",
            destination_country="РФ",
            tlp="tlp:green",
            distribution="national",
            drug="«Героин»",
            quantity="1 250,5",
            unit="гр",
            form="порошок",
            purity_pct="35,5 %",
        ),
        item_row(REF, drug="первитин", quantity="100", unit="таб", form="таблетки"),
        item_row(REF, drug="Гашиш", quantity="12,5", unit="кг", form="смола"),
    ]
    ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", rows, delimiter=";")))

    head = seizure_of(engine, REF)
    assert (head["location_type"], head["bcp_code"]) == ("bcp_road", "zhibek_zholy")
    assert (head["mode_of_transport"], head["conveyance_type"]) == ("road", "car")
    assert head["direction"] == "import"
    assert head["concealment"] == "luggage;on_body"
    assert head["tlp"] == "GREEN"
    items = items_of(engine, REF)
    assert [(i["substance_code"], i["unit_reported"], i["form"]) for i in items] == [
        ("heroin", "g", "powder"),
        ("methamphetamine", "tablet", "tablet"),
        ("cannabis_resin", "kg", "resin"),
    ]
    assert [i["quantity_reported"] for i in items] == ["1250.5", "100", "12.5"]
    assert [i["quantity_text"] for i in items] == ["1 250,5", "100", "12,5"]
    assert items[0]["purity_pct"] == "35.5"
    assert items[0]["quantity_kg_eq"] == pytest.approx(1.2505)
    assert items[0]["pure_kg"] == pytest.approx(1.2505 * 0.355)


def test_date_forms_and_precisions(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    forms = {
        "D1": ("14.05.2024", "2024-05-14", "day"),
        "D2": ("2024-05-14", "2024-05-14", "day"),
        "D3": ("4.5.2024", "2024-05-04", "day"),
        "M1": ("2024-05", "2024-05", "month"),
        "M2": ("05.2024", "2024-05", "month"),
        "Y1": ("2023", "2023", "year"),
        "T1": ("14.05.2024 09:30", "2024-05-14T09:30", "minute"),
        "T2": ("2024-05-14 23:05", "2024-05-14T23:05", "minute"),
    }
    rows = [seizure_row(seizure_ref=ref, seizure_date=text) for ref, (text, _, _) in forms.items()]
    result = ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", rows)))

    assert result.created == len(forms)
    for ref, (_, local, precision) in forms.items():
        head = seizure_of(engine, ref)
        assert (head["seized_local"], head["seized_precision"]) == (local, precision), ref
    assert str(seizure_of(engine, "M1")["seized_date"])[:10] == "2024-05-01"


def test_x_columns_and_derived_export_columns_are_ignored(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        seizure_row(x_note="проверить", X_Officer="Иванов", drug_code="opium", factor_version="x")
    ]
    result = ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", rows)))

    assert result.created == 1
    (item,) = items_of(engine, REF)
    assert item["substance_code"] == "heroin"  # drug_code is derived and never read
    assert "проверить" not in json.dumps(seizure_of(engine, REF), default=str, ensure_ascii=False)


def test_header_names_ignore_case_and_order(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    row = seizure_row()
    columns = list(reversed(row))
    upper = [{name.upper(): value for name, value in row.items()}]
    path = write_csv(tmp_path / "s.csv", upper, columns=[c.upper() for c in columns])

    result = ok(import_file(engine, settings, path))

    assert result.created == 1
    assert items_of(engine, REF)[0]["substance_code"] == "heroin"


# -- derived values ---------------------------------------------------------------------------


def test_derived_quantities(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    rows = [
        seizure_row(drug="героин", quantity="500", unit="г", purity_pct="40"),
        item_row(REF, drug="метамфетамин", quantity="250", unit="таб", form="таблетки"),
        item_row(REF, drug="трамадол", quantity="1000", unit="tab", form="tablet"),
        item_row(REF, drug="опий", quantity="7,5", unit="кг", form=""),
        item_row(REF, drug="МДМА", quantity="10", unit="таб", form="таблетки"),
    ]
    ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", rows)))

    heroin, meth, tramadol, opium, mdma = items_of(engine, REF)
    assert heroin["quantity_kg_eq"] == pytest.approx(0.5)
    assert Decimal(heroin["conversion_factor"]) == Decimal("0.001")
    assert heroin["heroin_eq_kg"] == pytest.approx(0.5)
    assert heroin["pure_kg"] == pytest.approx(0.2)
    assert heroin["conversion_table_version"] == "2025.1"
    assert meth["quantity_kg_eq"] == pytest.approx(0.025)  # 0.0001 kg per tablet
    assert Decimal(meth["conversion_factor"]) == Decimal("0.0001")
    assert meth["heroin_eq_kg"] is None
    assert mdma["quantity_kg_eq"] == pytest.approx(0.001)
    assert tramadol["quantity_kg_eq"] is None  # no default tablet weight for pharmaceuticals
    assert tramadol["conversion_factor"] is None
    assert tramadol["conversion_rule_id"] is None
    assert tramadol["conversion_table_version"] == "2025.1"
    assert opium["quantity_kg_eq"] == pytest.approx(7.5)
    assert opium["heroin_eq_kg"] == pytest.approx(0.75)  # opium kg × 0.1
    head = seizure_of(engine, REF)
    assert head["total_kg_eq"] == pytest.approx(0.5 + 0.025 + 7.5 + 0.001)
    assert head["item_count"] == 5


def test_route_legs_in_travel_order(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    rows = [
        seizure_row(
            destination_country="Russia",
            transit_countries="UZ; Киргизия ;KAZ",
            departure_country="Таджикистан",
            origin_country="AF",
        )
    ]
    ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", rows)))

    legs = query(engine, "SELECT seq, role, country FROM route_leg ORDER BY seq")
    assert [(leg["seq"], leg["role"], leg["country"]) for leg in legs] == [
        (1, "origin", "AFG"),
        (2, "departure", "TJK"),
        (3, "transit", "UZB"),
        (4, "transit", "KGZ"),
        (5, "transit", "KAZ"),
        (6, "destination", "RUS"),
    ]
    assert seizure_of(engine, REF)["country_of_seizure"] == "KAZ"


@pytest.mark.parametrize(
    ("local", "expected_utc"),
    [
        ("2024-05-14 09:30", datetime(2024, 5, 14, 4, 30, tzinfo=UTC)),  # UTC+5 since 2024-03-01
        ("14.05.2023 09:30", datetime(2023, 5, 14, 3, 30, tzinfo=UTC)),  # Almaty was UTC+6
        ("2024-05-14", datetime(2024, 5, 13, 19, 0, tzinfo=UTC)),  # local midnight
    ],
)
def test_seized_at_is_stored_in_utc(
    engine: Engine, settings: Settings, tmp_path: Path, local: str, expected_utc: datetime
) -> None:
    ok(
        import_file(
            engine, settings, write_csv(tmp_path / "s.csv", [seizure_row(seizure_date=local)])
        )
    )

    head = seizure_of(engine, REF)
    assert utc(head["seized_at"]) == expected_utc
    assert head["tz"] == "Asia/Almaty"


def test_defaults_for_optional_cells(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    row = seizure_row(tlp="", distribution="", handling_code="", conveyance_type="", direction="")
    ok(import_file(engine, settings, write_csv(tmp_path / "s.csv", [row])))

    head = seizure_of(engine, REF)
    assert (head["tlp"], head["distribution"], head["handling"]) == ("AMBER", "national", "H0")
    assert (head["conveyance_type"], head["direction"]) == ("unknown", "unknown")
    assert head["status"] == "draft"  # import never releases


# -- exact decimals ---------------------------------------------------------------------------


def _written(value: Decimal, separator: str) -> str:
    """``value`` with a decimal comma and thousands separated by ``separator``."""
    whole, _, fraction = f"{value:f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = separator.join([whole, *groups])
    return f"{text},{fraction}" if fraction else text


@hsettings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    values=st.lists(
        st.decimals(
            min_value=Decimal("0.0001"),
            max_value=Decimal("999999999.9999"),
            places=4,
            allow_nan=False,
            allow_infinity=False,
        ),
        min_size=1,
        max_size=8,
    ),
    separator=st.sampled_from([" ", "\u00a0", "\u202f"]),
)
def test_any_decimal_with_comma_and_thousands_spaces_imports_exactly(
    engine: Engine, settings: Settings, tmp_path: Path, values: list[Decimal], separator: str
) -> None:
    ref = f"H-{abs(hash((tuple(values), separator)))}"
    texts = [_written(v, separator) for v in values]
    rows = [seizure_row(seizure_ref=ref, quantity=texts[0], unit="шт", form="")]
    rows += [item_row(ref, quantity=t, unit="шт", form="") for t in texts[1:]]
    path = write_csv(tmp_path / f"{ref}.csv", rows)

    result = import_file(engine, settings, path)

    assert result.errors == [], [p.as_dict() for p in result.errors]
    items = items_of(engine, ref)
    assert [Decimal(i["quantity_reported"]) for i in items] == values
    assert [i["quantity_text"] for i in items] == texts
    assert all(i["quantity_kg_eq"] is None for i in items)  # pieces are counted in units
