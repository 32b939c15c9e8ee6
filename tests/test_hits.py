"""Hit/no-hit (DATA.md §2.8): digests, publication rules, queries, limits, audit, withdrawal."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from builders import person_row, query, seizure_row, utc
from dozor.access import hit_index, hit_query, hits
from dozor.access.keys import (
    KeyStoreError,
    NetworkKey,
    current_key,
    generate_key,
    load_keys,
    parse_key,
)
from dozor.settings import Settings, load_settings
from dozor.store.schema import audit_log, event_outbox, hit_digest, seizure
from dozor.web.app import create_app
from hits_world import (  # noqa: F401 - hooks is an autouse fixture
    KAZ_PERSON,
    PASSPORT,
    REF,
    World,
    add_user,
    hooks,
    import_rows,
    make_world,
    token_for,
)

KEY_1 = NetworkKey(1, bytes(range(32)))
KEY_2 = NetworkKey(2, bytes(range(1, 33)))


def digests(engine: Engine) -> list[dict]:
    return query(engine, "SELECT * FROM hit_digest ORDER BY selector_type, key_version")


def audit_entries(engine: Engine, action: str) -> list[dict]:
    return query(engine, "SELECT * FROM audit_log WHERE action = :a ORDER BY seq", a=action)


# -- canonical values, digests and keys (no database) ------------------------------------------


def test_equivalent_spellings_give_the_same_digest() -> None:
    same = [
        ("plate", "KAZ:123 АВС 02", "KAZ:123-abc.02"),  # Cyrillic look-alikes vs Latin
        ("passport", "KAZ:N 123-4567", "kaz:n1234567"),
        ("phone", "+7 (701) 123-45-67", "0077011234567"),
        ("vin", "1hgcm82633a004352", "1HG-CM82633A004352"),
        ("name_dob", "Ахметов Ерлан|1985-03-12", "ERLAN, AKHMETOV|12.03.1985"),
    ]
    for kind, first, second in same:
        a = hits.canonical_selector(kind, first)
        b = hits.canonical_selector(kind, second)
        assert a == b, kind
        assert hits.digest(KEY_1, kind, a) == hits.digest(KEY_1, kind, b)
    assert hits.canonical_selector("plate", "KAZ:123 АВС 02") == "KAZ:123ABC02"
    assert hits.canonical_selector("passport", "N1234567", country="KAZ") == "KAZ:N1234567"


def test_digest_is_the_specified_hmac_and_differs_across_key_versions() -> None:
    canonical = "KAZ:N1234567"
    expected = hmac.new(KEY_1.secret, b"v1|passport|KAZ:N1234567", hashlib.sha256).hexdigest()
    assert hits.digest(KEY_1, "passport", canonical) == expected
    assert hits.digest(KEY_2, "passport", canonical) != expected
    # the type is part of the message: a plate and a passport with one text never meet
    assert hits.digest(KEY_1, "plate", canonical) != expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("passport", "N1234567"),  # no country
        ("plate", "123ABC02"),
        ("phone", "12"),
        ("vin", "1HGCM82633A00435I"),  # I is not allowed
        ("name_dob", "Ахметов Ерлан|1985"),  # day precision only
        ("imei", "490154203237518"),  # not a published selector type
    ],
)
def test_values_that_cannot_be_selectors_are_refused(kind: str, value: str) -> None:
    with pytest.raises(ValueError):
        hits.canonical_selector(kind, value)


def test_key_store_files_versions_and_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(home=tmp_path)
    assert current_key(settings) is None
    first, path = generate_key(settings)
    second, _ = generate_key(settings)
    assert (first.version, second.version) == (1, 2)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text().strip() == f"v1:{first.secret.hex()}"
    assert first.secret.hex() not in repr(first)
    with pytest.raises(KeyStoreError):
        generate_key(settings, version=2)
    assert current_key(settings) == second

    # DOZOR_NETWORK_KEY_FILE: the hub-issued key of another version, read through settings
    secret_file = tmp_path / "hub.key"
    secret_file.write_text(f"v7:{'ab' * 32}\n")
    monkeypatch.setenv("DOZOR_NETWORK_KEY_FILE", str(secret_file))
    from_file = load_settings(home=tmp_path)
    assert sorted(load_keys(from_file)) == [1, 2, 7]
    assert current_key(from_file) == NetworkKey(7, bytes.fromhex("ab" * 32))
    assert "abab" not in repr(from_file)
    assert parse_key("cd" * 32) == NetworkKey(1, bytes.fromhex("cd" * 32))
    with pytest.raises(KeyStoreError):
        parse_key("v1:xyz")


# -- publication --------------------------------------------------------------------------------


def test_release_publishes_and_a_foreign_query_sees_only_owner_and_ref(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world = make_world(engine, settings, tmp_path)
    person_id = world.person_id("Ахметов")
    assert digests(engine) == []  # a draft publishes nothing
    world.release()

    rows = digests(engine)
    assert {r["selector_type"] for r in rows} == {"passport", "phone", "name_dob", "plate"}
    assert {r["key_version"] for r in rows} == {1}
    assert len({r["hit_ref"] for r in rows}) == len(rows)  # one opaque reference per digest
    assert all(r["owner_country"] == "KAZ" and r["expires_at"] is None for r in rows)
    assert {r["object_id"] for r in rows if r["object_type"] == "person"} == {person_id}
    key = current_key(settings)
    assert key is not None
    by_type = {r["selector_type"]: r for r in rows}
    assert by_type["phone"]["digest"] == hits.digest(key, "phone", "+77011234567")
    assert by_type["name_dob"]["digest"] == hits.digest(
        key, "name_dob", "AKHMETOV ERLAN|1985-03-12"
    )
    publications = audit_entries(engine, "hit_publish")
    assert len(publications) == 1 and person_id in json.loads(publications[0]["object_ids"])

    answer = world.query(world.kgz_analyst, f"passport:KAZ:{PASSPORT}")
    assert set(answer) == {"hit", "matches"} and answer["hit"] is True
    (match,) = answer["matches"]
    assert set(match) == {"owner_agency", "hit_ref", "selector_type"}
    assert match == {
        "owner_agency": "KAZ-CUSTOMS",
        "hit_ref": by_type["passport"]["hit_ref"],
        "selector_type": "passport",
    }
    # any spelling of the same plate, and the other selector types
    plate = world.query(world.kgz_analyst, "plate:kaz:123abc02")
    assert [m["hit_ref"] for m in plate["matches"]] == [by_type["plate"]["hit_ref"]]
    assert world.query(world.kgz_analyst, "phone:+77011234567")["hit"] is True
    assert world.query(world.kgz_analyst, "name_dob:Akhmetov Erlan|1985-03-12")["hit"] is True

    assert world.query(world.kgz_analyst, "passport:KAZ:N1234568") == {"hit": False}
    assert world.query(world.kgz_analyst, f"passport:KGZ:{PASSPORT}") == {"hit": False}
    # the owner's own records are not hits for the owner; another agency of KAZ gets one
    assert world.query(world.kaz_analyst, f"passport:KAZ:{PASSPORT}") == {"hit": False}
    assert world.query(world.kaz_police, f"passport:KAZ:{PASSPORT}")["hit"] is True

    logged = audit_entries(engine, "hit_query")
    assert len(logged) == 8
    first = json.loads(logged[0]["details"])
    assert first["selector_type"] == "passport"
    assert first["digest"] == by_type["passport"]["digest"]
    assert first["result_count"] == 1 and first["reason"] == "case 42"
    assert logged[0]["actor_user_id"] == world.kgz_analyst.user_id
    assert json.loads(logged[4]["details"])["result_count"] == 0
    for entry in logged:  # the value itself is never written
        assert PASSPORT not in entry["details"] and "7011234567" not in entry["details"]


def test_nothing_is_published_for_red_org_no_publish_witness_or_victim(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    people = [
        person_row(**{**KAZ_PERSON, "vehicle_plate": "", "vehicle_country": ""}),
        *(
            person_row(
                seizure_ref=REF,
                role="courier",
                surname=name,
                given_name="Ivan",
                date_of_birth="01.01.1980",
                passport_country="KAZ",
                passport_number=f"N00000{i}",
                phone="",
                vehicle_plate="",
                vehicle_country="",
            )
            for i, name in enumerate(["Nopublish", "Witness", "Victim", "Orgonly"], start=1)
        ),
        person_row(
            seizure_ref="RED-1",
            role="courier",
            surname="Redline",
            given_name="Ivan",
            passport_country="KAZ",
            passport_number="N0000009",
            phone="",
            vehicle_plate="777 ZZZ 01",
            vehicle_country="KAZ",
        ),
    ]
    seizures = [
        seizure_row(seizure_ref=REF),
        seizure_row(seizure_ref="RED-1", tlp="RED", distribution="org"),
    ]
    world = make_world(engine, settings, tmp_path, persons=people, seizures=seizures)
    world.set_person("Nopublish", hit_publish=False)
    world.set_person("Witness", data_subject_category="witness")
    world.set_person("Victim", data_subject_category="victim")
    world.set_person("Orgonly", distribution="org")
    world.release()
    world.release("RED-1", distribution="org")

    published = {r["object_id"] for r in digests(engine)}
    assert published == {world.person_id("Ахметов")}
    with engine.begin() as conn:  # a full republication agrees
        result = hit_index.publish_all(conn, settings)
    assert (result.published, result.withdrawn, result.objects) == (0, 0, 1)
    assert {r["object_id"] for r in digests(engine)} == published
    # the owner lifts the exclusion: the next publication picks the person up
    world.set_person("Nopublish", hit_publish=True)
    with engine.begin() as conn:
        assert hit_index.publish_all(conn, settings).published == 2  # passport and name_dob
    assert world.query(world.kgz_analyst, "passport:KAZ:N000001")["hit"] is True
    assert world.query(world.kgz_analyst, "passport:KAZ:N000002") == {"hit": False}
    assert world.query(world.kgz_analyst, "passport:KAZ:N0000009") == {"hit": False}


def test_retraction_and_narrowing_withdraw_digests(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    second = "KAZ-CUSTOMS/2024/000002"
    world = make_world(
        engine,
        settings,
        tmp_path,
        seizures=[seizure_row(seizure_ref=REF), seizure_row(seizure_ref=second)],
        persons=[
            person_row(**KAZ_PERSON),
            person_row(
                **{**KAZ_PERSON, "seizure_ref": second, "vehicle_plate": "", "vehicle_country": ""}
            ),
        ],
    )
    person_id = world.person_id("Ахметов")
    world.release(REF)
    world.release(second)
    assert {r["object_type"] for r in digests(engine)} == {"person", "conveyance"}

    world.retract(REF)  # the person is still carried by the second seizure; the vehicle is not
    assert {r["object_id"] for r in digests(engine)} == {person_id}
    withdrawals = audit_entries(engine, "hit_withdraw")
    assert len(withdrawals) == 1

    supervisor = world.kaz_supervisor
    from dozor.access import workflow

    with engine.begin() as conn:  # narrowing the last seizure to org withdraws the rest
        workflow.release(
            conn,
            workflow.Actor(supervisor.user_id, supervisor),
            world.seizure_id(second),
            "org",
            node=settings.node_code,
        )
    assert digests(engine) == []
    assert world.query(world.kgz_analyst, f"passport:KAZ:{PASSPORT}") == {"hit": False}


def test_rotation_republishes_and_old_digests_expire(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world = make_world(engine, settings, tmp_path)
    world.release()
    old = {r["selector_type"]: r for r in digests(engine)}
    generate_key(settings)  # what `dozor hits rotate` does, then a republication
    now = datetime.now(UTC)
    with engine.begin() as conn:
        result = hit_index.publish_all(conn, settings, now=now)
    assert (result.key_version, result.published, result.expiring) == (2, 4, 4)
    rows = digests(engine)
    assert sorted({r["key_version"] for r in rows}) == [1, 2]
    for row in rows:
        if row["key_version"] == 1:
            assert row["hit_ref"] == old[row["selector_type"]]["hit_ref"]
            expires = utc(row["expires_at"])
            assert abs(expires - (now + timedelta(days=7))) < timedelta(seconds=2)
        else:
            assert row["digest"] != old[row["selector_type"]]["digest"]
    # during the grace period one object is still one match, with the new reference
    answer = world.query(world.kgz_analyst, f"passport:KAZ:{PASSPORT}")
    new_ref = next(
        r["hit_ref"] for r in rows if r["key_version"] == 2 and r["selector_type"] == "passport"
    )
    assert [m["hit_ref"] for m in answer["matches"]] == [new_ref]
    with engine.begin() as conn:
        later = hit_index.publish_all(conn, settings, now=now + timedelta(days=8))
    assert (later.withdrawn, later.published, later.kept) == (4, 0, 4)
    assert {r["key_version"] for r in digests(engine)} == {2}


def test_cross_country_match_notifies_both_owners(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world = make_world(engine, settings, tmp_path)
    world.release()
    kgz = "KGZ-1"
    import_rows(
        engine,
        settings,
        tmp_path,
        [
            seizure_row(
                seizure_ref=kgz,
                reporting_country="KGZ",
                reporting_agency="KGZ-CUSTOMS",
                location_type="road",
                bcp="",
            )
        ],
        [
            person_row(
                seizure_ref=kgz,
                surname="Другой",
                given_name="Человек",
                passport_country="KAZ",
                passport_number=PASSPORT,
                phone="",
                vehicle_plate="",
                vehicle_country="",
            )
        ],
        name="kgz",
    )
    with engine.begin() as conn:
        conn.execute(update(seizure).where(seizure.c.local_ref == kgz).values(status="released"))
        hit_index.publish_all(conn, settings)
        events = conn.execute(
            select(event_outbox.c.payload).where(event_outbox.c.event_type == "selector_hit")
        ).scalars()
        payloads = sorted((json.loads(p) for p in events), key=lambda p: p["owner_agency"])
    assert [(p["owner_agency"], p["other_agency"], p["other_country"]) for p in payloads] == [
        ("KAZ-CUSTOMS", "KGZ-CUSTOMS", "KGZ"),
        ("KGZ-CUSTOMS", "KAZ-CUSTOMS", "KAZ"),
    ]
    assert all(p["selector_type"] == "passport" for p in payloads)
    assert "N1234567" not in json.dumps(payloads)


# -- queries: roles, reasons, limits, API -------------------------------------------------------


def test_api_query_reason_roles_and_daily_limit(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world = make_world(engine, settings, tmp_path)
    world.release()
    limited = settings.model_copy(update={"hit_query_daily_limit": 3})
    client = TestClient(create_app(limited, engine))
    headers = token_for(engine, world.kgz_analyst)
    url = "/api/v1/hits"

    assert client.get(url, params={"selector": "passport:KAZ:N1234567"}).status_code == 401
    missing = client.get(url, params={"selector": "passport:KAZ:N1234567"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["detail"]["code"] == "reason_required"
    found = client.get(
        url, params={"selector": "passport:KAZ:N1234567", "reason": "case 7"}, headers=headers
    )
    assert found.status_code == 200
    body = found.json()
    assert set(body) == {"hit", "matches"} and body["hit"] is True
    assert [set(m) for m in body["matches"]] == [{"owner_agency", "hit_ref", "selector_type"}]
    assert body["matches"][0]["owner_agency"] == "KAZ-CUSTOMS"
    nothing = client.get(
        url, params={"selector": "vin:1HGCM82633A004352", "reason": "x"}, headers=headers
    )
    assert nothing.status_code == 200 and nothing.json() == {"hit": False}
    over = client.get(
        url, params={"selector": "passport:KAZ:N1234567", "reason": "again"}, headers=headers
    )
    assert over.status_code == 429 and over.json()["detail"]["code"] == "rate_limited"
    bad = client.get(url, params={"selector": "shoe:42", "reason": "x"}, headers=headers)
    assert bad.status_code == 422

    with engine.connect() as conn:
        counted = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(
                audit_log.c.action == "hit_query",
                audit_log.c.actor_user_id == world.kgz_analyst.user_id,
            )
        ).scalar_one()
    assert counted == 4  # the refusal for a missing reason and the 429 are audited too

    admin = add_user(engine, "kgz.admin", "KGZ-CUSTOMS", "national_admin")
    denied = client.get(
        url,
        params={"selector": "passport:KAZ:N1234567", "reason": "x"},
        headers=token_for(engine, admin),
    )
    assert denied.status_code == 403


def test_no_network_key_means_no_publication_and_a_clear_refusal(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world = make_world(engine, settings, tmp_path, key=False)
    world.release()  # the release itself must not fail
    assert digests(engine) == []
    with pytest.raises(hit_query.AccessError) as refused:
        world.query(world.kgz_analyst, f"passport:KAZ:{PASSPORT}")
    assert refused.value.status == 503


# -- CLI ------------------------------------------------------------------------------------


def test_cli_key_publish_query_rotate(
    engine: Engine, settings: Settings, tmp_path: Path, dozor
) -> None:  # type: ignore[no-untyped-def]
    world = make_world(engine, settings, tmp_path, key=False)
    world.release()  # no key yet: nothing published

    made = dozor("key", "generate-network")
    assert made.code == 0, made.stderr
    assert "version 1" in made.stdout and "mode 0600" in made.stdout
    key_file = tmp_path / "keys" / "network-v1.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip()[3:] not in made.stdout + made.stderr

    published = dozor("hits", "publish", "--json")
    assert published.code == 0, published.stderr
    assert json.loads(published.stdout)["published"] == 4

    asked = dozor(
        "hits",
        "query",
        "--user",
        "kgz.analyst",
        "--selector",
        f"passport:KAZ:{PASSPORT}",
        "--reason",
        "case 9",
    )
    assert asked.code == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["hit"] is True
    assert [(m["owner_agency"], m["selector_type"]) for m in answer["matches"]] == [
        ("KAZ-CUSTOMS", "passport")
    ]
    assert set(answer["matches"][0]) == {"owner_agency", "hit_ref", "selector_type"}
    rotated = dozor("hits", "rotate", "--json")
    assert rotated.code == 0, rotated.stderr
    summary = json.loads(rotated.stdout)
    assert (summary["key_version"], summary["published"], summary["expiring"]) == (2, 4, 4)
    with engine.connect() as conn:
        versions = conn.execute(
            select(hit_digest.c.key_version, func.count()).group_by(hit_digest.c.key_version)
        ).all()
    assert sorted(tuple(v) for v in versions) == [(1, 4), (2, 4)]
