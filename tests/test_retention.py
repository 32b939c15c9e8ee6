"""Retention (DATA.md §2.1, §2.8 withdrawal): review lists, erasure of the nominal part only."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from builders import person_row, query
from dozor.access import retention
from dozor.access.reads import get_seizure
from dozor.settings import Settings
from hits_world import KAZ_PERSON, World, hooks, make_world  # noqa: F401 - autouse fixture

NOW = datetime.now(UTC)


def years_ago(years: int, days: int = 0) -> datetime:
    return NOW - timedelta(days=365 * years + 3 + days)


def two_couriers(engine: Engine, settings: Settings, folder: Path) -> World:
    """Two couriers of one released seizure who share a vehicle."""
    world = make_world(
        engine,
        settings,
        folder,
        persons=[
            person_row(**KAZ_PERSON),
            person_row(
                **{
                    **KAZ_PERSON,
                    "surname": "Петров",
                    "given_name": "Иван",
                    "passport_number": "N7654321",
                    "phone": "",
                    "role": "passenger",
                }
            ),
        ],
    )
    world.release()
    return world


def test_rules_are_seeded_and_set(engine: Engine, settings: Settings) -> None:
    with engine.begin() as conn:
        assert retention.seed_rules(conn, settings) == 40
        assert retention.seed_rules(conn, settings) == 0
        retention.set_rule(conn, settings, "kaz", "suspect", 3, 6)
        rules = retention.load_rules(conn)
        with pytest.raises(retention.RetentionError):
            retention.set_rule(conn, settings, "KAZ", "suspect", 5, 2)
        with pytest.raises(retention.RetentionError):
            retention.set_rule(conn, settings, "KAZ", "informant", 5, 10)
    assert rules[("KAZ", "suspect")] == retention.Rule(3, 6)
    assert rules[("UZB", "witness")] == retention.Rule(5, 10)
    assert query(engine, "SELECT * FROM audit_log WHERE action = 'admin_change'")


def test_run_lists_reviews_and_erases_only_the_nominal_part(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world = two_couriers(engine, settings, tmp_path)
    old, younger = world.person_id("Ахметов"), world.person_id("Петров")
    (vehicle,) = [r["id"] for r in query(engine, "SELECT id FROM conveyance")]
    world.set_person("Ахметов", updated_at=years_ago(11))
    world.set_person("Петров", updated_at=years_ago(6))
    assert {r["object_id"] for r in query(engine, "SELECT object_id FROM hit_digest")} == {
        old,
        younger,
        vehicle,
    }

    with engine.begin() as conn:
        dry = retention.run(conn, settings, now=NOW, dry_run=True)
    assert [e["person_id"] for e in dry.erased] == [old]
    assert [e["person_id"] for e in dry.due_review] == [younger]
    assert query(engine, "SELECT erased_at FROM person WHERE id = :i", i=old) == [
        {"erased_at": None}
    ]

    with engine.begin() as conn:
        report = retention.run(conn, settings, now=NOW)
    assert report.erased == [
        {"person_id": old, "erase_at": dry.erased[0]["erase_at"], "conveyance_ids": []}
    ]
    (tomb,) = query(engine, "SELECT * FROM person WHERE id = :i", i=old)
    assert tomb["surname"] == "[erased]" and tomb["erased_at"] is not None
    cleared = ("given_name", "patronymic", "name_latin", "date_of_birth", "nationality")
    assert [tomb[name] for name in cleared] == [None] * 5 and tomb["match_key"] == ""
    assert query(engine, "SELECT * FROM person_phone WHERE person_id = :i", i=old) == []
    assert query(engine, "SELECT * FROM identity_document WHERE person_id = :i", i=old) == []
    assert {r["object_id"] for r in query(engine, "SELECT object_id FROM hit_digest")} == {
        younger,
        vehicle,
    }
    # the vehicle stays while Петров still refers to it; the seizure and its items stay
    assert [r["id"] for r in query(engine, "SELECT id FROM conveyance")] == [vehicle]
    assert len(query(engine, "SELECT * FROM seizure_item")) == 1
    assert len(query(engine, "SELECT * FROM seizure_person")) == 2

    (entry,) = query(engine, "SELECT * FROM audit_log WHERE action = 'retention_erase'")
    assert json.loads(entry["object_ids"]) == [old]
    assert "Ахметов" not in entry["details"] and "N1234567" not in entry["details"]

    with engine.begin() as conn:
        record = get_seizure(
            conn, world.kaz_supervisor, world.seizure_id(), node=settings.node_code
        )
    assert record is not None and record["items"]
    assert [p["id"] for p in record["persons"]] == [younger]

    # the last person of the vehicle goes: the vehicle goes with it
    world.set_person("Петров", updated_at=years_ago(10, days=1))
    with engine.begin() as conn:
        second = retention.run(conn, settings, now=NOW)
    assert second.erased[0]["person_id"] == younger
    assert second.erased[0]["conveyance_ids"] == [vehicle]
    assert query(engine, "SELECT * FROM conveyance") == []
    assert query(engine, "SELECT * FROM seizure_conveyance") == []
    assert query(engine, "SELECT * FROM hit_digest") == []
    assert len(query(engine, "SELECT * FROM seizure")) == 1
    with engine.begin() as conn:
        record = get_seizure(
            conn, world.kaz_supervisor, world.seizure_id(), node=settings.node_code
        )
    assert record is not None and "persons" not in record and "conveyances" not in record
    with engine.begin() as conn:  # nothing left to do
        assert retention.run(conn, settings, now=NOW).erased == []


def test_review_date_on_the_record_wins(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    world = make_world(engine, settings, tmp_path)
    world.set_person("Ахметов", retention_review_at=date.today() - timedelta(days=1))
    with engine.begin() as conn:
        report = retention.run(conn, settings, now=NOW)
    assert [e["person_id"] for e in report.due_review] == [world.person_id("Ахметов")]
    assert report.erased == []


def test_cli_set_and_run(engine: Engine, settings: Settings, tmp_path: Path, dozor) -> None:  # type: ignore[no-untyped-def]
    world = two_couriers(engine, settings, tmp_path)
    courier = world.person_id("Ахметов")
    world.set_person("Ахметов", updated_at=years_ago(3))
    world.set_person("Петров", updated_at=years_ago(1, days=10))

    changed = dozor(
        "retention",
        "set",
        "--country",
        "KAZ",
        "--category",
        "suspect",
        "--review-years",
        "1",
        "--erase-years",
        "2",
    )
    assert changed.code == 0, changed.stderr
    # the passenger is a person_of_interest: still the defaults (5 and 10 years)
    ran = dozor("retention", "run", "--json")
    assert ran.code == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert [e["person_id"] for e in report["erased"]] == [courier]
    assert report["due_review"] == [] and report["dry_run"] is False
    surnames = sorted(r["surname"] for r in query(engine, "SELECT surname FROM person"))
    assert surnames == sorted(["Петров", "[erased]"])
