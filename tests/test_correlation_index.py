"""The exact-correlation index: kept right by imports, API edits and retention; invalid values
flagged; frequency cap; exclusions; rebuild. On both databases, through the real write paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select

from builders import person_row, seizure_row, write_csv
from dozor.access import retention
from dozor.access.policy import Viewer
from dozor.ingest.service import ImportResult, import_file
from dozor.matching import selector_index
from dozor.matching.correlation import object_correlations, seizure_correlations
from dozor.matching.errors import MatchingError
from dozor.matching.exclusions import (
    OPERATOR,
    Actor,
    add_exclusion,
    frequent_values,
    list_exclusions,
    remove_exclusion,
)
from dozor.matching.selector_index import canonical
from dozor.settings import Settings
from dozor.store.schema import agency, audit_log, person, person_phone, seizure
from dozor.store.schema_matching import selector_entry
from oracle import Agency
from oracle import Viewer as OracleViewer

A, B, C, D, E = (f"KAZ-CUSTOMS/2024/00000{n}" for n in range(1, 6))
PHONE = "+7 701 123 4567"
E164 = "+77011234567"


def ok(result: ImportResult) -> ImportResult:
    assert result.errors == [], [p.as_dict() for p in result.errors]
    assert result.committed
    return result


def run(
    engine: Engine,
    settings: Settings,
    folder: Path,
    seizures: list[dict[str, Any]],
    persons: list[dict[str, Any]],
    name: str,
) -> ImportResult:
    return ok(
        import_file(
            engine,
            settings,
            write_csv(folder / f"{name}-s.csv", seizures),
            write_csv(folder / f"{name}-p.csv", persons),
        )
    )


def viewer(engine: Engine, code: str, *roles: str) -> Viewer:
    with engine.connect() as conn:
        row = conn.execute(select(agency).where(agency.c.code == code)).one()
    return OracleViewer.of(
        Agency(row.id, row.code, row.country, row.membership), roles or ("analyst",)
    )


def person_id(engine: Engine, surname: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(select(person.c.id).where(person.c.surname == surname)).scalar_one()
        )


def correlations(engine: Engine, who: Viewer, pid: str, cap: int = 20) -> dict[str, Any] | None:
    with engine.begin() as conn:
        return object_correlations(conn, who, "person", pid, max_frequency=cap, node="test")


def status_of(found: dict[str, Any] | None, kind: str) -> tuple[str, set[str]]:
    assert found is not None
    (item,) = [s for s in found["selectors"] if s["kind"] == kind]
    return item["status"], {m["id"] for m in item["matches"]}


def assert_no_drift(engine: Engine) -> None:
    with engine.connect() as conn:
        missing, extra = selector_index.drift(conn)
    assert missing == set() and extra == set(), (missing, extra)


def two_couriers(engine: Engine, settings: Settings, folder: Path) -> tuple[str, str]:
    """Two persons of one agency (different names) sharing a phone, in two seizures."""
    run(
        engine,
        settings,
        folder,
        [seizure_row(seizure_ref=A), seizure_row(seizure_ref=B)],
        [
            person_row(seizure_ref=A, surname="Юсупов", phone=PHONE),
            person_row(
                seizure_ref=B,
                surname="Каримов",
                given_name="Анвар",
                passport_number="AB7654321",
                phone="8 701 123 45 67",
                vehicle_plate="02 Е 777 КХ",
            ),
        ],
        "first",
    )
    return person_id(engine, "Юсупов"), person_id(engine, "Каримов")


def test_import_indexes_selectors_and_correlations_appear_on_both_records(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    yusupov, karimov = two_couriers(engine, settings, tmp_path)
    with engine.connect() as conn:
        rows = {
            (r.kind, r.value, r.object_id)
            for r in conn.execute(select(selector_entry).where(selector_entry.c.valid.is_(True)))
        }
    assert ("phone", E164, yusupov) in rows and ("phone", E164, karimov) in rows
    assert ("passport", "UZB:AB1234567", yusupov) in rows
    assert ("plate", "UZB:02E777KX", karimov_vehicle(engine, karimov)) in rows
    assert_no_drift(engine)
    owner = viewer(engine, "KAZ-CUSTOMS")
    assert status_of(correlations(engine, owner, yusupov), "phone") == ("correlated", {karimov})
    assert status_of(correlations(engine, owner, karimov), "phone") == ("correlated", {yusupov})
    assert status_of(correlations(engine, owner, karimov), "passport") == ("no_match", set())
    # Drafts are the owner's only: another Kazakh agency learns nothing, not even that they exist.
    assert correlations(engine, viewer(engine, "KAZ-BORDER"), yusupov) is None
    with engine.begin() as conn:
        seizure_a = conn.execute(select(seizure.c.id).where(seizure.c.local_ref == A)).scalar_one()
        by_seizure = seizure_correlations(conn, owner, seizure_a, max_frequency=20, node="test")
        assert (
            seizure_correlations(
                conn, viewer(engine, "KGZ-BORDER"), seizure_a, max_frequency=20, node="test"
            )
            is None
        )
        audited = (
            conn.execute(select(audit_log.c.object_ids).where(audit_log.c.action == "read_nominal"))
            .scalars()
            .all()
        )
    assert by_seizure is not None
    assert [r["seizure_ref"] for r in by_seizure["related_seizures"]] == [B]
    assert by_seizure["related_seizures"][0]["via"][0]["kind"] == "phone"
    assert any(karimov in ids for ids in audited)  # reads of nominal data are audited


def indexed(engine: Engine, object_id: str) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                select(selector_entry.c.kind).where(selector_entry.c.object_id == object_id)
            ).scalars()
        )


def karimov_vehicle(engine: Engine, pid: str) -> str:
    from dozor.store.schema import person_conveyance

    with engine.connect() as conn:
        return str(
            conn.execute(
                select(person_conveyance.c.conveyance_id).where(
                    person_conveyance.c.person_id == pid
                )
            ).scalar_one()
        )


def test_changes_on_reimport_and_retention_keep_the_index_right(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    yusupov, karimov = two_couriers(engine, settings, tmp_path)
    owner = viewer(engine, "KAZ-CUSTOMS")
    old_vehicle = karimov_vehicle(engine, karimov)
    # A third courier with the old plate written in Latin: the two vehicles correlate.
    run(
        engine,
        settings,
        tmp_path,
        [seizure_row(seizure_ref=C, quantity="3")],
        [person_row(seizure_ref=C, surname="Рахимов", phone="", vehicle_plate="02E777KX")],
        "third",
    )
    assert_no_drift(engine)
    # The plate of seizure C changes on re-import: its vehicle is another one now, the old
    # correlation goes, the new plate is indexed.
    run(
        engine,
        settings,
        tmp_path,
        [seizure_row(seizure_ref=C, quantity="3")],
        [person_row(seizure_ref=C, surname="Рахимов", phone="", vehicle_plate="03 АА 111")],
        "third-changed",
    )
    assert_no_drift(engine)
    with engine.begin() as conn:
        found = object_correlations(
            conn, owner, "conveyance", old_vehicle, max_frequency=20, node="test"
        )
        values = set(
            conn.execute(select(selector_entry.c.value).where(selector_entry.c.kind == "plate"))
            .scalars()
            .all()
        )
    assert found is not None
    assert status_of(found, "plate")[0] == "no_match"
    assert "UZB:03AA111" in values
    # Retention erases Karimov: his phone and passport leave the index. The vehicle stays, as
    # Rakhimov still refers to it; erasing him too takes vehicles out with him.
    with engine.begin() as conn:
        retention.erase_person(conn, settings, karimov)
    assert_no_drift(engine)
    assert indexed(engine, karimov) == set() and indexed(engine, old_vehicle) == {"plate"}
    with engine.begin() as conn:
        erased = retention.erase_person(conn, settings, person_id(engine, "Рахимов"))
    assert erased
    assert_no_drift(engine)
    assert all(indexed(engine, v) == set() for v in erased)
    assert status_of(correlations(engine, owner, yusupov), "phone") == ("no_match", set())


def test_invalid_values_are_kept_flagged_and_never_correlate(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    yusupov, karimov = two_couriers(engine, settings, tmp_path)
    # The importer refuses an invalid phone (DATA.md §6.2); a record synced from another node
    # may still hold one, stored as written with valid=false (DATA.md §1).
    with engine.begin() as conn:
        for pid in (yusupov, karimov):
            conn.execute(
                insert(person_phone),
                {
                    "id": f"bad-{pid[:20]}",
                    "person_id": pid,
                    "raw": "8-701-12",
                    "e164": None,
                    "valid": False,
                    "country": None,
                },
            )
        selector_index.reindex(conn, persons=[yusupov, karimov])
        flagged = conn.execute(
            select(selector_entry.c.value, selector_entry.c.flag).where(
                selector_entry.c.valid.is_(False)
            )
        ).all()
    assert sorted(flagged) == [("8-701-12", "invalid_phone")] * 2
    assert_no_drift(engine)
    found = correlations(engine, viewer(engine, "KAZ-CUSTOMS"), yusupov)
    assert found is not None
    invalid = [s for s in found["selectors"] if not s["valid"]]
    assert [(s["value"], s["status"], s["matches"]) for s in invalid] == [
        ("8-701-12", "invalid", [])
    ]


@pytest.mark.parametrize(
    ("kind", "raw", "country", "expected"),
    [
        ("phone", "+7 (701) 123-45-67", None, ("+77011234567", True, None)),
        ("phone", "12-34", "KAZ", ("12-34", False, "invalid_phone")),
        ("passport", "n 123 4567", "KAZ", ("KAZ:N1234567", True, None)),
        ("passport", "№ 12", "KAZ", ("№ 12", False, "invalid_document")),
        ("national_id", "8501 0230 0123", "KAZ", ("KAZ:iin:850102300123", True, None)),
        ("national_id", "123", "UZB", ("123", False, "invalid_document")),
        ("plate", "123 АВС 02", "KAZ", ("KAZ:123ABC02", True, None)),
        ("vin", "1M8GDM9AXKP042788", None, ("1M8GDM9AXKP042788", True, None)),
        ("vin", "1M8GDM9A1KP042788", None, ("1M8GDM9A1KP042788", True, "vin_check_digit")),
        ("vin", "1M8GDM9AXKP04278", None, ("1M8GDM9AXKP04278", False, "invalid_vin")),
        ("imei", "49-015420-323751-8", None, ("49015420323751", True, None)),
        ("imei", "490154203237519", None, ("490154203237519", False, "invalid_imei")),
        ("container", "CSQU 305438 3", None, ("CSQU3054383", True, None)),
        ("container", "CSQU3054384", None, ("CSQU3054384", False, "invalid_container")),
        ("company_registration", "123-456 789", "KGZ", ("KGZ:123456789", True, None)),
    ],
)
def test_canonical_values_and_flags(
    kind: str, raw: str, country: str | None, expected: tuple[str, bool, str | None]
) -> None:
    found = canonical(kind, raw, country)
    assert (found.value, found.valid, found.flag) == expected
    if found.valid:  # idempotent on its own canonical value
        again = canonical(
            kind, found.value.split(":")[-1] if kind != "phone" else found.value, country
        )
        assert again.valid and again.value == found.value


def test_frequency_cap_exclusions_and_rebuild(
    engine: Engine, settings: Settings, tmp_path: Path, dozor: Any
) -> None:
    names = ["Алиев", "Бекова", "Валиев", "Гафуров"]
    refs = [A, B, C, D]
    run(
        engine,
        settings,
        tmp_path,
        [seizure_row(seizure_ref=r) for r in refs],
        [
            person_row(
                seizure_ref=r,
                surname=n,
                passport_number=f"AB{n_:07d}",
                phone=PHONE,
                vehicle_plate="",
                vehicle_country="",
            )
            for n_, (r, n) in enumerate(zip(refs, names, strict=True))
        ],
        "four",
    )
    owner = viewer(engine, "KAZ-CUSTOMS")
    first = person_id(engine, "Алиев")
    # Four records hold the phone: with a cap of 4 it correlates, with a cap of 3 it is frequent.
    status, matches = status_of(correlations(engine, owner, first, cap=4), "phone")
    assert status == "correlated" and len(matches) == 3
    assert status_of(correlations(engine, owner, first, cap=3), "phone") == ("frequent", set())
    with engine.connect() as conn:
        assert frequent_values(conn, threshold=3) == [
            {"kind": "phone", "value": E164, "count": 4, "excluded": False}
        ]
        assert frequent_values(conn, threshold=3, viewer=owner)[0]["count"] == 4
        assert frequent_values(conn, threshold=3, viewer=viewer(engine, "KAZ-BORDER")) == []
    # The CLI lists it too, and excludes it (audited); the value stops correlating at any cap.
    listed = dozor("correlate", "frequent", "--threshold", "3", "--json")
    assert listed.code == 0, listed.stderr
    assert E164 in listed.stdout
    done = dozor(
        "correlate",
        "exclude",
        "phone",
        "8 701 123 45 67",
        "--country",
        "KAZ",
        "--reason",
        "agency switchboard",
    )
    assert done.code == 0, done.stderr
    assert status_of(correlations(engine, owner, first, cap=20), "phone") == ("excluded", set())
    again = dozor("correlate", "exclude", "phone", PHONE, "--reason", "twice")
    assert again.code == 2 and "already excluded" in again.stderr
    with engine.begin() as conn:
        (entry,) = list_exclusions(conn)
        assert entry["reason"] == "agency switchboard"
        with pytest.raises(MatchingError) as refused:
            add_exclusion(
                conn,
                Actor("u", owner.agency_id, frozenset({"officer"})),
                "phone",
                "+77011111111",
                "x",
                node="test",
            )
        assert refused.value.status == 403
        with pytest.raises(MatchingError) as invalid:
            add_exclusion(conn, OPERATOR, "passport", "12", "placeholder", node="test")
        assert invalid.value.code == "invalid_document"
        assert "passport" in invalid.value.message("en") and invalid.value.message("ru")
        remove_exclusion(conn, OPERATOR, entry["id"], node="test")
        actions = (
            conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("correlation_%")))
            .scalars()
            .all()
        )
    assert actions == ["correlation_exclude", "correlation_include"]
    status, matches = status_of(correlations(engine, owner, first, cap=20), "phone")
    assert status == "correlated" and len(matches) == 3
    # Rebuild: an emptied index is found out by --check and rewritten whole.
    with engine.begin() as conn:
        conn.execute(delete(selector_entry))
    assert dozor("correlate", "rebuild", "--check").code == 1
    rebuilt = dozor("correlate", "rebuild", "--json")
    assert rebuilt.code == 0, rebuilt.stderr
    assert '"entries": 8' in rebuilt.stdout  # 4 phones and 4 passports
    assert dozor("correlate", "rebuild", "--check").code == 0
    assert_no_drift(engine)
