"""Hand-written cases of the read rule (DATA.md §2.2, §2.6, §2.7, §2.9, §3.1, §3.2).

Each test builds a small world with ``policy_world.WorldBuilder`` and states, in plain words,
who sees what. Every expectation is checked against the implementation (list, count, detail
read, export) and against the oracle, so these cases also pin down the oracle itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

import oracle
from dozor.access.reads import (
    SeizureFilter,
    count_seizures,
    get_seizure,
    list_seizures,
    totals_by_country,
)
from dozor.reports.exports import seizure_rows
from dozor.store.schema import access_grant
from oracle import ANONYMOUS, Viewer
from policy_world import NODE, SEARCH_WORD, WorldBuilder


@pytest.fixture
def world(engine: Engine) -> Iterator[WorldBuilder]:
    with engine.begin() as conn:
        yield WorldBuilder(conn)


def _now() -> datetime:
    return datetime.now(UTC)


def sees(b: WorldBuilder, viewer: Viewer, s: oracle.Seizure) -> bool:
    """Whether ``viewer`` reads ``s``, after checking that every read path and the oracle agree."""
    listed = {r["id"] for r in list_seizures(b.conn, viewer, SeizureFilter(), limit=1000)[0]}
    detail = get_seizure(b.conn, viewer, s.id, node=NODE)
    exported = {r["seizure_ref"] for r in seizure_rows(b.conn, viewer=viewer)}
    answers = {
        "list": s.id in listed,
        "detail": detail is not None,
        "export": s.ref in exported,
        "oracle": oracle.seizure_visible(b.world, viewer, s, _now()),
    }
    assert len(set(answers.values())) == 1, f"{viewer.label} on {s.ref}: {answers}"
    assert count_seizures(b.conn, viewer, SeizureFilter()) == len(listed)
    return answers["list"]


def persons_seen(b: WorldBuilder, viewer: Viewer, s: oracle.Seizure) -> set[str]:
    """The person and vehicle ids of ``s``'s detail read (the oracle must agree)."""
    detail = get_seizure(b.conn, viewer, s.id, node=NODE)
    shown = set()
    if detail is not None:
        shown = {p["id"] for p in detail.get("persons", [])}
        shown |= {v["id"] for v in detail.get("conveyances", [])}
    want = oracle.detail(b.world, viewer, s.id, _now())
    expected = set() if want is None else want["persons"] | want["conveyances"]  # type: ignore[operator]
    assert shown == expected, f"{viewer.label} on {s.ref}: shown {shown}, oracle {expected}"
    return shown


def narrative_seen(b: WorldBuilder, viewer: Viewer, s: oracle.Seizure) -> bool:
    """Whether the detail read and the export show the narrative (they must agree)."""
    detail = get_seizure(b.conn, viewer, s.id, node=NODE)
    in_detail = detail is not None and "narrative" in detail
    rows = [r for r in seizure_rows(b.conn, viewer=viewer) if r["seizure_ref"] == s.ref]
    in_export = any(r["narrative"] for r in rows)
    assert in_detail == in_export, f"{viewer.label} on {s.ref}: detail/export disagree"
    return in_detail


def searched(b: WorldBuilder, viewer: Viewer, word: str) -> set[str]:
    rows, total = list_seizures(b.conn, viewer, SeizureFilter(q=word), limit=1000)
    assert total == len(rows)
    return {r["id"] for r in rows}


# -- regional release, nominal marking and grants ----------------------------------------------


def test_kgz_reads_a_kaz_seizure_only_once_released_to_region(world: WorldBuilder) -> None:
    kgz = world.viewer("KGZ-BORDER", "analyst")
    national = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    regional = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    assert not sees(world, kgz, national)
    assert sees(world, kgz, regional)
    assert sees(world, world.viewer("KAZ-POLICE", "analyst"), national)


def test_a_national_person_stays_home_until_an_access_grant(world: WorldBuilder) -> None:
    kgz = world.viewer("KGZ-BORDER", "analyst")
    kaz = world.viewer("KAZ-POLICE", "officer")
    regional = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    person = world.add_person(regional, distribution="national")
    vehicle = world.add_vehicle(regional, distribution="national")
    assert sees(world, kgz, regional)
    assert persons_seen(world, kgz, regional) == set()  # nominal: national, even if regional
    assert persons_seen(world, kaz, regional) == {person.id, vehicle.id}

    grant = world.add_grant("KGZ-BORDER", person)
    assert persons_seen(world, kgz, regional) == {person.id}
    assert persons_seen(world, world.viewer("KGZ-POLICE"), regional) == set()  # grantee only
    world.expire(grant)
    assert persons_seen(world, kgz, regional) == set()

    revoked = world.add_grant("KGZ-BORDER", vehicle)
    assert persons_seen(world, kgz, regional) == {vehicle.id}
    world.revoke(revoked)
    assert persons_seen(world, kgz, regional) == set()


def test_a_grant_on_a_person_does_not_open_its_seizure(world: WorldBuilder) -> None:
    kgz = world.viewer("KGZ-BORDER", "analyst")
    national = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    person = world.add_person(national, distribution="national")
    world.add_grant("KGZ-BORDER", person)
    assert not sees(world, kgz, national)
    assert persons_seen(world, kgz, national) == set()


def test_a_grant_on_a_seizure_adds_the_grantee_while_active(world: WorldBuilder) -> None:
    kgz = world.viewer("KGZ-POLICE", "analyst")
    national = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    expired = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    revoked = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    world.add_grant("KGZ-POLICE", national)
    world.add_grant("KGZ-POLICE", expired, state="expired")
    world.add_grant("KGZ-POLICE", revoked, state="revoked")
    assert sees(world, kgz, national)
    assert not sees(world, kgz, expired)
    assert not sees(world, kgz, revoked)
    assert not sees(world, world.viewer("KGZ-BORDER"), national)


def test_a_grant_expiry_is_an_instant_whatever_its_offset(world: WorldBuilder) -> None:
    kgz = world.viewer("KGZ-POLICE")
    s = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    grant = world.add_grant("KGZ-POLICE", s)
    almaty = timezone(timedelta(hours=5))
    grant.expires_at = (world.now - timedelta(hours=1)).astimezone(almaty)  # an hour ago
    world.conn.execute(access_grant.update().where(access_grant.c.id == grant.id)
                       .values(expires_at=grant.expires_at))  # fmt: skip
    assert not oracle.seizure_visible(world.world, kgz, s, _now())
    assert get_seizure(world.conn, kgz, s.id, node=NODE) is None


def test_a_grant_does_not_open_a_draft(world: WorldBuilder) -> None:
    draft = world.add_seizure("KAZ-CUSTOMS", "draft", "region")
    world.add_grant("KGZ-POLICE", draft)
    assert not sees(world, world.viewer("KGZ-POLICE"), draft)


def test_a_person_linked_to_two_seizures_shows_only_under_the_visible_one(
    world: WorldBuilder,
) -> None:
    kaz = world.viewer("KAZ-BORDER", "analyst")
    released = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    draft = world.add_seizure("KAZ-CUSTOMS", "draft", "national")
    person = world.add_person(released, draft, distribution="national")
    assert persons_seen(world, kaz, released) == {person.id}
    assert persons_seen(world, kaz, draft) == set()
    assert persons_seen(world, world.viewer("KAZ-CUSTOMS"), draft) == {person.id}


def test_an_erased_person_is_never_returned(world: WorldBuilder) -> None:
    s = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    world.add_person(s, distribution="region", erased=True)
    kept = world.add_person(s, distribution="region")
    assert persons_seen(world, world.viewer("KAZ-CUSTOMS", "supervisor"), s) == {kept.id}
    assert persons_seen(world, world.viewer("UZB-POLICE"), s) == {kept.id}


# -- membership, listed and hub audiences ------------------------------------------------------


def test_observers_get_data_only_when_listed_by_name(world: WorldBuilder) -> None:
    world.add_agency("KGZ-OBSERVER", "KGZ", "observer")
    observer = world.viewer("KGZ-OBSERVER", "analyst")
    member = world.viewer("KGZ-POLICE", "analyst")
    regional = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    to_kgz = world.add_seizure("KAZ-CUSTOMS", "released", "listed", listed_countries=("KGZ",))
    by_name = world.add_seizure(
        "KAZ-CUSTOMS", "released", "listed", listed_agencies=("KGZ-OBSERVER",)
    )
    assert sees(world, member, regional) and not sees(world, observer, regional)
    assert sees(world, member, to_kgz) and not sees(world, observer, to_kgz)
    assert sees(world, observer, by_name) and not sees(world, member, by_name)


def test_national_includes_observers_of_the_owner_country(world: WorldBuilder) -> None:
    world.add_agency("KGZ-OBSERVER", "KGZ", "observer")
    national = world.add_seizure("KGZ-POLICE", "released", "national")
    assert sees(world, world.viewer("KGZ-OBSERVER"), national)
    assert not sees(world, world.viewer("KAZ-POLICE"), national)


def test_listed_reaches_own_country_agencies_only_if_listed(world: WorldBuilder) -> None:
    s = world.add_seizure(
        "KAZ-CUSTOMS",
        "released",
        "listed",
        listed_countries=("KGZ",),
        listed_agencies=("UZB-NCDC",),
    )
    assert sees(world, world.viewer("KAZ-CUSTOMS"), s)  # the owner
    assert not sees(world, world.viewer("KAZ-POLICE"), s)
    assert sees(world, world.viewer("KGZ-CUSTOMS"), s)
    assert sees(world, world.viewer("UZB-NCDC"), s)
    assert not sees(world, world.viewer("UZB-POLICE"), s)
    assert not sees(world, world.viewer("HUB-CARICC"), s)


def test_lists_are_ignored_unless_the_distribution_is_listed(world: WorldBuilder) -> None:
    s = world.add_seizure("KAZ-CUSTOMS", "released", "national", listed_countries=("KGZ",))
    assert not sees(world, world.viewer("KGZ-CUSTOMS"), s)


def test_hub_national_means_all_hub_agencies(world: WorldBuilder) -> None:
    world.add_agency("HUB-LAB", None, "member")
    hub_national = world.add_seizure("HUB-CARICC", "released", "national", reporting_country="KAZ")
    kaz_national = world.add_seizure("KAZ-CUSTOMS", "released", "national")
    regional = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    assert sees(world, world.viewer("HUB-LAB"), hub_national)
    assert not sees(world, world.viewer("KAZ-CUSTOMS"), hub_national)
    assert not sees(world, world.viewer("HUB-LAB"), kaz_national)
    assert sees(world, world.viewer("HUB-CARICC"), regional)  # the hub is a member


# -- status -------------------------------------------------------------------------------------


def test_validated_is_capped_at_national_until_release(world: WorldBuilder) -> None:
    kgz, kaz = world.viewer("KGZ-POLICE"), world.viewer("KAZ-POLICE")
    region = world.add_seizure("KAZ-CUSTOMS", "validated", "region")
    listed = world.add_seizure(
        "KAZ-CUSTOMS", "validated", "listed", listed_agencies=("KGZ-POLICE",)
    )
    org = world.add_seizure("KAZ-CUSTOMS", "validated", "org")
    assert sees(world, kaz, region) and not sees(world, kgz, region)
    assert sees(world, kgz, listed) and not sees(world, kaz, listed)
    assert not sees(world, kaz, org)
    assert sees(world, world.viewer("KAZ-CUSTOMS"), org)


@pytest.mark.parametrize("status", ["draft", "submitted", "retracted"])
def test_unreleased_and_retracted_records_are_owner_only(world: WorldBuilder, status: str) -> None:
    s = world.add_seizure("KAZ-CUSTOMS", status, "region")
    person = world.add_person(s, distribution="region")
    assert sees(world, world.viewer("KAZ-CUSTOMS", "officer"), s)
    assert persons_seen(world, world.viewer("KAZ-CUSTOMS", "officer"), s) == {person.id}
    assert not sees(world, world.viewer("KAZ-POLICE", "supervisor"), s)
    assert not sees(world, world.viewer("KGZ-POLICE"), s)


# -- roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["national_admin", "hub_admin", "auditor", "public"])
def test_roles_without_content_see_nothing(world: WorldBuilder, role: str) -> None:
    own = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    draft = world.add_seizure("KAZ-CUSTOMS", "draft", "org")
    viewer = world.viewer("KAZ-CUSTOMS", role)
    assert not sees(world, viewer, own)
    assert not sees(world, viewer, draft)
    assert totals_by_country(world.conn, viewer, SeizureFilter()) == []


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor", "ew_officer"])
def test_content_roles_read(world: WorldBuilder, role: str) -> None:
    s = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    assert sees(world, world.viewer("UZB-NCDC", role), s)
    assert sees(world, world.viewer("UZB-NCDC", role, "auditor"), s)


def test_anonymous_sees_no_seizure(world: WorldBuilder) -> None:
    regional = world.add_seizure("KAZ-CUSTOMS", "released", "region")
    # Never valid for a seizure (marking.public_not_allowed), but still not for the portal.
    public = world.add_seizure("KAZ-CUSTOMS", "released", "public", tlp="CLEAR")
    assert not sees(world, ANONYMOUS, regional)
    assert not sees(world, ANONYMOUS, public)
    assert totals_by_country(world.conn, ANONYMOUS, SeizureFilter()) == []


# -- narrative, search and statistics -----------------------------------------------------------


def test_the_narrative_has_its_own_audience(world: WorldBuilder) -> None:
    text = f"Courier met at the {SEARCH_WORD} crossing"
    s = world.add_seizure(
        "KAZ-CUSTOMS", "released", "region", narrative=text, narrative_distribution="national"
    )
    kgz, kaz = world.viewer("KGZ-POLICE"), world.viewer("KAZ-POLICE")
    assert sees(world, kgz, s) and not narrative_seen(world, kgz, s)
    assert narrative_seen(world, kaz, s)
    assert narrative_seen(world, world.viewer("KAZ-CUSTOMS"), s)
    assert searched(world, kgz, SEARCH_WORD) == set()  # the narrative may not match for KGZ
    assert searched(world, kaz, SEARCH_WORD.upper()) == {s.id}


def test_an_org_narrative_is_for_the_owner_only(world: WorldBuilder) -> None:
    s = world.add_seizure(
        "KAZ-CUSTOMS", "released", "region", narrative="Details", narrative_distribution="org"
    )
    assert not narrative_seen(world, world.viewer("KAZ-POLICE"), s)
    assert narrative_seen(world, world.viewer("KAZ-CUSTOMS"), s)


def test_search_still_finds_by_settlement_and_ref(world: WorldBuilder) -> None:
    by_settlement = world.add_seizure(
        "KAZ-CUSTOMS", "released", "region", settlement=f"{SEARCH_WORD.title()} village"
    )
    by_ref = world.add_seizure(
        "KAZ-CUSTOMS", "released", "region", ref=f"REF-{SEARCH_WORD.upper()}-1"
    )
    hidden = world.add_seizure(
        "KAZ-CUSTOMS", "released", "national", settlement=f"{SEARCH_WORD} town"
    )
    kgz = world.viewer("KGZ-POLICE")
    assert searched(world, kgz, SEARCH_WORD) == {by_settlement.id, by_ref.id}
    assert hidden.id in searched(world, world.viewer("KAZ-POLICE"), SEARCH_WORD)


def test_seizure_grant_does_not_open_the_narrative(world: WorldBuilder) -> None:
    # A grant on a seizure covers its non-nominal part (§2.9); the narrative is nominal (§2.6).
    # The grant workflow adds such seizure grants to every approved request on a person, so a
    # grant that opened the narrative would disclose what it says of everyone else.
    s = world.add_seizure(
        "KAZ-CUSTOMS",
        "released",
        "national",
        narrative=f"{SEARCH_WORD} A",
        narrative_distribution="national",
    )
    world.add_grant("KGZ-POLICE", s)
    kgz = world.viewer("KGZ-POLICE")
    assert sees(world, kgz, s)
    assert not oracle.narrative_visible(world.world, kgz, s, _now())
    assert searched(world, kgz, SEARCH_WORD) == set()
    assert not narrative_seen(world, kgz, s)


def test_statistics_count_only_what_the_viewer_reads(world: WorldBuilder) -> None:
    world.add_seizure("KAZ-CUSTOMS", "released", "region", kg=(2.0, 0.5))
    world.add_seizure("KAZ-CUSTOMS", "released", "national", kg=(10.0,))
    world.add_seizure("KGZ-POLICE", "draft", "region", kg=(7.0,))
    world.add_seizure("KGZ-POLICE", "released", "region", kg=(None,))
    totals = totals_by_country(world.conn, world.viewer("KGZ-BORDER"), SeizureFilter())
    assert [(t["reporting_country"], t["count"], float(t["kg_eq"])) for t in totals] == [
        ("KAZ", 1, 2.5),
        ("KGZ", 1, 0.0),
    ]
