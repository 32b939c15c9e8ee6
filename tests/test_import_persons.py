"""The persons file (DATA.md §6.2): links, matching, names, selectors, vehicles and markings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from builders import person_row, query, seizure_row, table_counts, write_csv, write_xlsx
from dozor.ingest.service import ImportResult, import_file
from dozor.settings import Settings

A, B, C, D = (f"KAZ-CUSTOMS/2024/00000{n}" for n in range(1, 5))
NO_VEHICLE = {"vehicle_plate": "", "vehicle_country": ""}


def ok(result: ImportResult) -> ImportResult:
    assert result.errors == [], [p.as_dict() for p in result.errors]
    assert result.committed is True
    return result


def run(
    engine: Engine,
    settings: Settings,
    folder: Path,
    seizures: list[dict[str, Any]],
    persons: list[dict[str, Any]],
    name: str = "job",
    **options: Any,
) -> ImportResult:
    seizures_path = write_csv(folder / f"{name}-seizures.csv", seizures)
    persons_path = write_csv(folder / f"{name}-persons.csv", persons)
    return import_file(engine, settings, seizures_path, persons_path, **options)


def links(engine: Engine) -> list[tuple[str, str, str]]:
    """(seizure_ref, surname, role) of every seizure-person link."""
    rows = query(
        engine,
        "SELECT s.local_ref, p.surname, sp.role FROM seizure_person sp "
        "JOIN seizure s ON s.id = sp.seizure_id JOIN person p ON p.id = sp.person_id",
    )
    return sorted((r["local_ref"], r["surname"], r["role"]) for r in rows)


def person_named(engine: Engine, surname: str) -> dict[str, Any]:
    (found,) = query(engine, "SELECT * FROM person WHERE surname = :s", s=surname)
    return found


# -- links ------------------------------------------------------------------------------------


def test_persons_link_to_seizures_of_the_job_and_to_stored_ones(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    first = ok(
        run(
            engine,
            settings,
            tmp_path,
            [seizure_row(seizure_ref=A), seizure_row(seizure_ref=B)],
            [person_row(seizure_ref=A)],
            name="first",
        )
    )
    assert (first.created, first.persons) == (2, 1)

    second = ok(
        run(
            engine,
            settings,
            tmp_path,
            [seizure_row(seizure_ref=C)],
            [
                person_row(
                    seizure_ref=B, surname="Петров", given_name="Иван", role="курьер", **NO_VEHICLE
                ),
                person_row(
                    seizure_ref=C,
                    surname="Сидоров",
                    given_name="Олег",
                    role="пассажир",
                    **NO_VEHICLE,
                ),
            ],
            name="second",
        )
    )

    assert (second.created, second.persons) == (1, 2)
    assert links(engine) == [
        (A, "Юсупов", "driver"),
        (B, "Петров", "courier"),
        (C, "Сидоров", "passenger"),
    ]
    assert person_named(engine, "Петров")["data_subject_category"] == "suspect"
    assert person_named(engine, "Сидоров")["data_subject_category"] == "person_of_interest"
    assert {s["local_ref"]: s["version"] for s in query(engine, "SELECT * FROM seizure")} == {
        A: 1,
        B: 1,  # linking persons is not a new version of the seizure
        C: 1,
    }


def test_stored_seizure_of_another_agency_is_unknown(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    police = seizure_row(
        seizure_ref="P-1", reporting_agency="KAZ-POLICE", location_type="road", bcp=""
    )
    ok(import_file(engine, settings, write_csv(tmp_path / "police.csv", [police])))
    before = table_counts(engine)

    result = run(
        engine,
        settings,
        tmp_path,
        [seizure_row(seizure_ref=A)],
        [person_row(seizure_ref="P-1")],
        agency_code="KAZ-CUSTOMS",
    )

    assert result.committed is False
    assert [(p.file, p.row, p.column, p.value, p.code) for p in result.errors] == [
        ("job-persons.csv", 2, "seizure_ref", "P-1", "unknown_seizure_ref")
    ]
    assert table_counts(engine) == before


def test_same_person_in_two_seizures_is_one_person(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    ok(
        run(
            engine,
            settings,
            tmp_path,
            [seizure_row(seizure_ref=A), seizure_row(seizure_ref=B)],
            [
                person_row(seizure_ref=A),
                # The same courier written differently: upper case, е for ё, another phone.
                person_row(
                    seizure_ref=B,
                    surname="ЮСУПОВ",
                    given_name="Бахтиер",
                    role="courier",
                    phone="8 701 123 45 67",
                    **NO_VEHICLE,
                ),
                # Same name, another date of birth: another person.
                person_row(
                    seizure_ref=B, date_of_birth="02.02.1990", role="passenger", **NO_VEHICLE
                ),
            ],
        )
    )

    persons = query(engine, "SELECT * FROM person ORDER BY date_of_birth")
    assert [(p["match_key"], str(p["date_of_birth"])[:10]) for p in persons] == [
        ("IUSUPOV BAKHTIER", "1985-03-12"),
        ("IUSUPOV BAKHTIER", "1990-02-02"),
    ]
    courier = persons[0]
    assert courier["surname"] == "Юсупов"  # stored as first entered, never overwritten
    assert (
        len(query(engine, "SELECT * FROM seizure_person WHERE person_id = :p", p=courier["id"]))
        == 2
    )
    phones = query(engine, "SELECT e164 FROM person_phone WHERE person_id = :p", p=courier["id"])
    assert sorted(p["e164"] for p in phones) == ["+77011234567", "+998901234567"]

    ok(
        run(
            engine,
            settings,
            tmp_path,
            [seizure_row(seizure_ref=C)],
            [person_row(seizure_ref=C, **NO_VEHICLE)],
            name="later",
        )
    )
    assert len(query(engine, "SELECT id FROM person")) == 2  # found again in the store
    assert (
        len(query(engine, "SELECT * FROM seizure_person WHERE person_id = :p", p=courier["id"]))
        == 3
    )


def test_reimporting_persons_is_stable(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    seizures = [seizure_row(seizure_ref=A), seizure_row(seizure_ref=B)]
    persons = [
        person_row(seizure_ref=A),
        person_row(seizure_ref=A, surname="Петров", given_name="Иван", role="passenger"),
        person_row(seizure_ref=B, surname="Сидоров", **NO_VEHICLE),
    ]
    ok(run(engine, settings, tmp_path, seizures, persons))
    counts = table_counts(engine)
    first_links = links(engine)

    again = ok(run(engine, settings, tmp_path, seizures, persons))

    assert again.unchanged == 2
    after = table_counts(engine)
    for table in ("person", "seizure_person", "conveyance"):
        assert after[table] == counts[table], table
    assert links(engine) == first_links


# -- names, phones, documents -----------------------------------------------------------------


def test_names_are_kept_as_entered_with_icao_latin(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    ok(
        run(
            engine,
            settings,
            tmp_path,
            [seizure_row(seizure_ref=A)],
            [
                person_row(seizure_ref=A, patronymic="Рустамович", **NO_VEHICLE),
                person_row(
                    seizure_ref=A,
                    surname="Қасымов",
                    given_name="Ғани",
                    role="sender",
                    date_of_birth="1979",
                    nationality="без гражданства",
                    passport_country="",
                    passport_number="",
                    phone="",
                ),
                person_row(
                    seizure_ref=A,
                    surname="O'Connor-Smith",
                    given_name="Jürgen",
                    role="recipient",
                    nationality="DEU",
                    phone="",
                    **NO_VEHICLE,
                ),
            ],
        )
    )

    yusupov = person_named(engine, "Юсупов")
    assert (yusupov["given_name"], yusupov["patronymic"]) == ("Бахтиёр", "Рустамович")
    assert yusupov["name_latin"] == "IUSUPOV BAKHTIER RUSTAMOVICH"
    assert yusupov["match_key"] == "IUSUPOV BAKHTIER"  # no patronymic in the key
    assert yusupov["script"] == "Cyrl"
    assert (yusupov["sex"], yusupov["nationality"]) == ("male", "UZB")
    kasymov = person_named(engine, "Қасымов")
    assert (kasymov["given_name"], kasymov["name_latin"]) == ("Ғани", "KASYMOV GANI")
    assert kasymov["nationality"] == "XXA"
    assert (str(kasymov["date_of_birth"])[:10], kasymov["dob_precision"]) == ("1979-01-01", "year")
    oconnor = person_named(engine, "O'Connor-Smith")
    assert oconnor["given_name"] == "Jürgen"
    assert oconnor["match_key"] == "OCONNORSMITH JURGEN"
    assert oconnor["script"] == "Latn"


def test_phones_are_stored_as_e164_with_the_raw_input(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    numbers = {
        "Первый": ("8 701 123 45 67", "+77011234567", "KAZ"),  # national, agency's country
        "Второй": ("+7 (916) 123-45-67", "+79161234567", "RUS"),  # +7 shared; range decides
        "Третий": ("00998 90 123 45 67", "+998901234567", "UZB"),
        "Четвёртый": ("+996 555 123 456", "+996555123456", "KGZ"),
    }
    persons = [
        person_row(seizure_ref=A, surname=surname, phone=raw, **NO_VEHICLE)
        for surname, (raw, _, _) in numbers.items()
    ]
    ok(run(engine, settings, tmp_path, [seizure_row(seizure_ref=A)], persons))

    stored = query(
        engine,
        "SELECT p.surname, ph.raw, ph.e164, ph.valid, ph.country FROM person_phone ph "
        "JOIN person p ON p.id = ph.person_id",
    )
    assert {r["surname"]: (r["raw"], r["e164"], r["country"]) for r in stored} == numbers
    assert all(r["valid"] for r in stored)


def test_passports_are_normalised(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    persons = [
        person_row(
            seizure_ref=A,
            passport_country="Узбекистан",
            passport_number="ав 123-4567",
            **NO_VEHICLE,
        ),
    ]
    ok(run(engine, settings, tmp_path, [seizure_row(seizure_ref=A)], persons))

    (document,) = query(engine, "SELECT * FROM identity_document")
    assert (document["issuing_country"], document["number"], document["number_norm"]) == (
        "UZB",
        "ав 123-4567",
        "UZB:AB1234567",
    )
    assert document["doc_type"] == "passport"


# -- vehicles ---------------------------------------------------------------------------------


def test_plates_with_cyrillic_lookalikes_share_one_conveyance(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    persons = [
        person_row(seizure_ref=A, vehicle_plate="А 123 ВС 02", vehicle_country="KAZ"),
        person_row(
            seizure_ref=A,
            surname="Петров",
            given_name="Иван",
            role="пассажир",
            vehicle_plate="a123bc-02",
            vehicle_country="Казахстан",
        ),
        person_row(seizure_ref=B, surname="Сидоров", vin="1HGCM82633A004352", **NO_VEHICLE),
        person_row(
            seizure_ref=B, surname="Смирнов", vin="1hgcm82633a004352", role="owner", **NO_VEHICLE
        ),
    ]
    ok(
        run(
            engine,
            settings,
            tmp_path,
            [seizure_row(seizure_ref=A), seizure_row(seizure_ref=B)],
            persons,
        )
    )

    vehicles = query(engine, "SELECT * FROM conveyance ORDER BY plate_norm")
    assert len(vehicles) == 2
    by_plate = {v["plate_norm"]: v for v in vehicles}
    car = by_plate["KAZ:A123BC02"]
    assert (car["plate"], car["plate_country"]) == ("А 123 ВС 02", "KAZ")  # raw as entered
    vin_car = by_plate[None]
    assert vin_car["vin"] == "1HGCM82633A004352"
    links_ = query(
        engine,
        "SELECT p.surname, pc.role, pc.conveyance_id FROM person_conveyance pc "
        "JOIN person p ON p.id = pc.person_id",
    )
    assert sorted((r["surname"], r["role"], r["conveyance_id"]) for r in links_) == sorted(
        [
            ("Юсупов", "driver", car["id"]),
            ("Петров", "passenger", car["id"]),
            ("Сидоров", "driver", vin_car["id"]),
            ("Смирнов", "owner", vin_car["id"]),
        ]
    )
    per_seizure = query(
        engine,
        "SELECT s.local_ref, sc.conveyance_id FROM seizure_conveyance sc "
        "JOIN seizure s ON s.id = sc.seizure_id",
    )
    assert sorted((r["local_ref"], r["conveyance_id"]) for r in per_seizure) == sorted(
        [(A, car["id"]), (B, vin_car["id"])]
    )


# -- markings ---------------------------------------------------------------------------------


def test_person_marking_is_the_nominal_default_clipped_to_the_seizure(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    seizures = [
        seizure_row(seizure_ref=A),  # national, AMBER, H0
        seizure_row(seizure_ref=B, distribution="org"),
        seizure_row(seizure_ref=C, tlp="TLP:RED", distribution="org"),
        seizure_row(seizure_ref=D, tlp="GREEN", distribution="region", handling_code="H1"),
    ]
    persons = [
        person_row(seizure_ref=A, surname="Альфа", vehicle_plate="111AAA01"),
        person_row(seizure_ref=B, surname="Браво", vehicle_plate="222BBB02"),
        person_row(seizure_ref=C, surname="Чарли", vehicle_plate="333CCC03"),
        person_row(seizure_ref=D, surname="Дельта", vehicle_plate="444DDD04"),
    ]
    ok(run(engine, settings, tmp_path, seizures, persons))

    marking = {
        p["surname"]: (p["distribution"], p["tlp"], p["handling"])
        for p in query(engine, "SELECT surname, distribution, tlp, handling FROM person")
    }
    assert marking == {
        "Альфа": ("national", "AMBER", "H2"),
        "Браво": ("org", "AMBER", "H2"),
        "Чарли": ("org", "RED", "H2"),
        "Дельта": ("national", "AMBER", "H1;H2"),
    }
    vehicles = {
        v["plate"]: (v["distribution"], v["tlp"], v["handling"])
        for v in query(engine, "SELECT plate, distribution, tlp, handling FROM conveyance")
    }
    assert vehicles["222BBB02"] == ("org", "AMBER", "H2")
    assert vehicles["333CCC03"] == ("org", "RED", "H2")
    assert all(p["legal_basis"] for p in query(engine, "SELECT legal_basis FROM person"))


def test_persons_sheet_of_an_xlsx_workbook(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from datetime import date

    path = write_xlsx(
        tmp_path / "job.xlsx",
        [seizure_row(seizure_ref=A)],
        [
            person_row(
                seizure_ref=A,
                date_of_birth=date(1985, 3, 12),
                phone="+998901234567",
                passport_number="AB1234567",
            )
        ],
    )

    result = ok(import_file(engine, settings, path))

    assert (result.created, result.persons) == (1, 1)
    assert links(engine) == [(A, "Юсупов", "driver")]
    yusupov = person_named(engine, "Юсупов")
    assert str(yusupov["date_of_birth"])[:10] == "1985-03-12"
