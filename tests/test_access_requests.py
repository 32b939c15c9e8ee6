"""Access requests and grants (DATA.md §2.9, §3.12, §7.6): request → decision → read → end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from builders import query
from dozor.access import grants, requests
from dozor.access.hit_query import AccessError
from dozor.access.reads import get_seizure
from dozor.settings import Settings
from dozor.store.schema import access_grant
from dozor.web.app import create_app
from hits_world import (  # noqa: F401 - hooks is an autouse fixture
    PASSPORT,
    World,
    add_user,
    hooks,
    make_world,
    token_for,
)

ASK = {
    "purpose": "investigation",
    "justification": "the courier crossed into KGZ twice",
    "legal_basis": "bilateral agreement 2019",
    "requested_scope": ["identity", "documents"],
}


def released_world(engine: Engine, settings: Settings, folder: Path) -> tuple[World, str]:
    """The KAZ seizure released nationally, and the hit_ref a KGZ analyst gets for it."""
    world = make_world(engine, settings, folder)
    world.release()
    answer = world.query(world.kgz_analyst, f"passport:KAZ:{PASSPORT}")
    return world, answer["matches"][0]["hit_ref"]


def ask(world: World, hit_ref: str, **changes: object) -> str:
    values = {**ASK, **changes}
    with world.engine.begin() as conn:
        return requests.request_access(
            conn,
            world.kgz_analyst,
            hit_ref,
            values["purpose"],
            values["justification"],
            values["legal_basis"],
            values["requested_scope"],
            str(values.get("priority", "routine")),
            settings=world.settings,
        )


def decide(world: World, who: object, request_id: str, decision: str, **options: object) -> dict:
    with world.engine.begin() as conn:
        return grants.decide(conn, who, request_id, decision, settings=world.settings, **options)


def read(world: World, who: object) -> dict | None:
    with world.engine.begin() as conn:
        return get_seizure(conn, who, world.seizure_id(), node=world.settings.node_code)


def refused(call: object, *args: object, **kwargs: object) -> AccessError:
    with pytest.raises(AccessError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_request_approval_read_then_revocation_and_expiry(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world, hit_ref = released_world(engine, settings, tmp_path)
    person_id = world.person_id("Ахметов")
    assert read(world, world.kgz_analyst) is None  # national KAZ record: not for KGZ

    request_id = ask(world, hit_ref)
    with engine.connect() as conn:
        (sent,) = requests.list_requests(conn, world.kgz_analyst)
        (received,) = requests.list_requests(conn, world.kaz_supervisor)
    assert (sent["direction"], sent["status"], sent["owner_agency"]) == (
        "sent",
        "submitted",
        "KAZ-CUSTOMS",
    )
    assert "object_id" not in sent and sent["grants"] == []  # nothing revealed before approval
    assert (received["direction"], received["object_id"]) == ("received", person_id)
    assert received["requester_agency"] == "KGZ-CUSTOMS"

    decided = decide(world, world.kaz_supervisor, request_id, "approved")
    assert decided["status"] == "approved"
    grant_rows = query(engine, "SELECT * FROM access_grant ORDER BY object_type")
    assert [(g["object_type"], g["object_id"]) for g in grant_rows] == [
        ("person", person_id),
        ("seizure", world.seizure_id()),
    ]
    assert {(g["handling"], g["tlp"], g["scope"]) for g in grant_rows} == {
        ("H2", "AMBER", "identity,documents")
    }
    created = grant_rows[0]["created_at"]
    expires = grant_rows[0]["expires_at"]
    assert str(expires)[:10] == str(
        (datetime.fromisoformat(str(created)) + timedelta(days=180)).date()
    )

    record = read(world, world.kgz_analyst)
    assert record is not None
    (shown,) = record["persons"]
    assert shown["id"] == person_id and shown["surname"] == "Ахметов"
    assert [d["number_norm"] for d in shown["documents"]] == [f"KAZ:{PASSPORT}"]
    reads_logged = query(engine, "SELECT * FROM audit_log WHERE action = 'read_nominal'")
    assert reads_logged and reads_logged[-1]["actor_agency_id"] == world.kgz_analyst.agency_id
    for action in ("access_request", "access_decision", "grant"):
        assert query(engine, "SELECT seq FROM audit_log WHERE action = :a", a=action), action

    with engine.connect() as conn:
        (sent,) = requests.list_requests(conn, world.kgz_analyst)
    assert {g["object_id"] for g in sent["grants"]} == {person_id, world.seizure_id()}

    # revocation: the owner's supervisor ends it at once
    with engine.begin() as conn:
        revoked = grants.revoke_grant(
            conn, world.kaz_supervisor, decided["grant_id"], "case closed", settings=settings
        )
    assert len(revoked) == 2
    assert read(world, world.kgz_analyst) is None
    with engine.connect() as conn:
        assert requests.get_request(conn, world.kgz_analyst, request_id)["status"] == "revoked"

    # a new request, approved again, then left to expire
    second = ask(world, hit_ref)
    decide(world, world.kaz_supervisor, second, "approved", expires_days=1)
    assert read(world, world.kgz_analyst) is not None
    with engine.begin() as conn:
        conn.execute(
            update(access_grant)
            .where(access_grant.c.revoked_at.is_(None))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert read(world, world.kgz_analyst) is None
    with engine.connect() as conn:
        assert requests.get_request(conn, world.kgz_analyst, second)["status"] == "expired"


def test_decision_rules_reasons_scope_and_who_may_decide(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world, hit_ref = released_world(engine, settings, tmp_path)
    request_id = ask(world, hit_ref)

    def attempt(who: object, decision: str, **options: object) -> AccessError:
        return refused(decide, world, who, request_id, decision, **options)

    assert attempt(world.kgz_supervisor, "approved").status == 403  # the requester's agency
    assert attempt(world.kaz_police, "approved").status == 404  # a stranger: no such request
    assert attempt(world.kaz_analyst, "approved").status == 403  # owner, but not a supervisor
    assert attempt(world.kaz_supervisor, "declined").code == "reason_required"
    assert attempt(world.kaz_supervisor, "declined", reason="  ").code == "reason_required"
    assert attempt(world.kaz_supervisor, "partially_approved", scope=["identity"]).status == 422
    assert (
        attempt(world.kaz_supervisor, "partially_approved", reason="less", scope=["phones"]).code
        == "scope"
    )
    assert attempt(world.kaz_supervisor, "maybe").code == "unknown_code"
    assert query(engine, "SELECT * FROM access_grant") == []

    clarify = decide(
        world,
        world.kaz_supervisor,
        request_id,
        "clarification_requested",
        reason="which case number?",
    )
    assert clarify["status"] == "clarification_requested"
    partial = decide(
        world,
        world.kaz_supervisor,
        request_id,
        "partially_approved",
        reason="identity only",
        scope=["identity"],
        tlp="RED",
        handling="H1;H2",
    )
    assert partial["status"] == "partially_approved"
    grants = query(engine, "SELECT * FROM access_grant")
    assert {(g["scope"], g["tlp"], g["handling"]) for g in grants} == {("identity", "RED", "H1;H2")}
    assert attempt(world.kaz_supervisor, "declined", reason="late").status == 409

    declined_id = ask(world, hit_ref)
    done = decide(world, world.kaz_supervisor, declined_id, "declined", reason="no basis")
    assert done["status"] == "declined" and done["decision_reason"] == "no basis"
    decisions = query(engine, "SELECT details FROM audit_log WHERE action = 'access_decision'")
    assert [json.loads(d["details"])["decision"] for d in decisions] == [
        "clarification_requested",
        "partially_approved",
        "declined",
    ]


def test_request_validation(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    world, hit_ref = released_world(engine, settings, tmp_path)
    assert refused(ask, world, "no-such-ref").status == 404
    assert refused(ask, world, hit_ref, justification="").code == "required_missing"
    assert refused(ask, world, hit_ref, requested_scope=["everything"]).code == "unknown_code"
    assert refused(ask, world, hit_ref, priority="yesterday").code == "unknown_code"
    ask(world, hit_ref)
    assert refused(ask, world, hit_ref).code == "duplicate"
    own = query(engine, "SELECT hit_ref FROM hit_digest")[0]["hit_ref"]
    with engine.begin() as conn, pytest.raises(AccessError) as caught:
        requests.request_access(
            conn, world.kaz_analyst, own, "p", "j", "l", ["identity"], settings=settings
        )
    assert caught.value.code == "own_data"
    admin = add_user(engine, "kgz.admin", "KGZ-CUSTOMS", "national_admin")
    with engine.begin() as conn, pytest.raises(AccessError) as caught:
        requests.request_access(
            conn, admin, hit_ref, "p", "j", "l", ["identity"], settings=settings
        )
    assert caught.value.status == 403


def test_api_request_decision_list_and_revoke(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    world, hit_ref = released_world(engine, settings, tmp_path)
    client = TestClient(create_app(settings, engine))
    kgz = token_for(engine, world.kgz_analyst)
    kgz_boss = token_for(engine, world.kgz_supervisor)
    kaz_boss = token_for(engine, world.kaz_supervisor)
    stranger = token_for(engine, world.kaz_police)

    made = client.post("/api/v1/access-requests", json={"hit_ref": hit_ref, **ASK}, headers=kgz)
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    assert made.json()["status"] == "submitted" and "object_id" not in made.json()
    bad = client.post("/api/v1/access-requests", json={"hit_ref": hit_ref}, headers=kgz)
    assert bad.status_code == 422
    read_only = token_for(engine, world.kgz_analyst, scope="read")
    assert (
        client.post(
            "/api/v1/access-requests", json={"hit_ref": hit_ref, **ASK}, headers=read_only
        ).status_code
        == 403
    )

    listed = client.get("/api/v1/access-requests", headers=kaz_boss).json()["requests"]
    assert [(r["id"], r["direction"]) for r in listed] == [(request_id, "received")]
    assert client.get("/api/v1/access-requests", headers=stranger).json() == {"requests": []}
    assert client.get(f"/api/v1/access-requests/{request_id}", headers=stranger).status_code == 404
    sent = client.get("/api/v1/access-requests?direction=sent", headers=kgz).json()["requests"]
    assert [r["id"] for r in sent] == [request_id]

    seizure_url = f"/api/v1/seizures/{world.seizure_id()}"
    assert client.get(seizure_url, headers=kgz).status_code == 404  # not before approval
    url = f"/api/v1/access-requests/{request_id}/decision"
    assert client.post(url, json={"decision": "approved"}, headers=kgz_boss).status_code == 403
    assert client.post(url, json={"decision": "approved"}, headers=stranger).status_code == 404
    no_reason = client.post(url, json={"decision": "declined"}, headers=kaz_boss)
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"]["code"] == "reason_required"
    approved = client.post(url, json={"decision": "approved", "expires_days": 30}, headers=kaz_boss)
    assert approved.status_code == 200, approved.text
    grant_id = approved.json()["grant_id"]

    # the seizure API shows the granted person to KGZ now
    shown = client.get(seizure_url, headers=kgz)
    assert shown.status_code == 200, shown.text
    assert [p["surname"] for p in shown.json()["persons"]] == ["Ахметов"]

    revoke = f"/api/v1/grants/{grant_id}/revoke"
    assert client.post(revoke, json={"reason": "x"}, headers=kgz_boss).status_code == 403
    done = client.post(revoke, json={"reason": "case closed"}, headers=kaz_boss)
    assert done.status_code == 200 and len(done.json()["revoked"]) == 2
    assert client.post(revoke, headers=kaz_boss).status_code == 409
    assert client.get(seizure_url, headers=kgz).status_code == 404
