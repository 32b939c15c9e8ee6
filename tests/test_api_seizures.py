"""The seizure API and the release workflow, shaped by the access policy, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dozor.access.identity import create_user, hash_password
from dozor.settings import Settings
from dozor.web.app import create_app

PASSWORD = "correct horse battery"
USERS = {
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "kaz.super": ("KAZ-CUSTOMS", ["supervisor"]),
    "kaz.border": ("KAZ-BORDER", ["analyst"]),
    "kgz.analyst": ("KGZ-BORDER", ["analyst"]),
    "hub.analyst": ("HUB-CARICC", ["analyst"]),
    "kaz.admin": ("KAZ-POLICE", ["national_admin"]),
    "kaz.auditor": ("KAZ-POLICE", ["auditor"]),
}
BODY: dict[str, Any] = {
    "seizure": {
        "seizure_ref": "KAZ-CUSTOMS/2025/000777",
        "seizure_date": "2025-03-14 09:30",
        "location_type": "bcp_road",
        "bcp": "zhibek_zholy",
        "mode_of_transport": "road",
        "tlp": "GREEN",
        "distribution": "region",
        "narrative": "Courier Marat Zhanuzakov hid the packages in the spare tyre",
        "origin_country": "AFG",
        "destination_country": "RUS",
    },
    "items": [{"drug": "героин", "quantity": "2,5", "unit": "кг", "form": "powder"}],
    "persons": [
        {
            "role": "courier",
            "surname": "Жанузаков",
            "given_name": "Марат",
            "date_of_birth": "12.03.1985",
            "passport_country": "KAZ",
            "passport_number": "N1234567",
            "phone": "+7 701 123 4567",
        }
    ],
}


class Session:
    """A logged-in client (cookie + CSRF token), or anonymous when ``csrf`` is None."""

    def __init__(self, client: TestClient, csrf: str | None) -> None:
        self.client = client
        self.csrf = csrf

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        return self.client.request(method, path, headers=headers, **kwargs)


class Sessions(dict[str, Session]):
    """Logs a user in on first use (Argon2 verification is slow on purpose)."""

    def __init__(self, application: Any) -> None:
        super().__init__()
        self.application = application
        self.clients: list[TestClient] = []

    def __missing__(self, username: str) -> Session:
        client = TestClient(self.application)
        self.clients.append(client)
        if username == "anonymous":
            session = Session(client, None)
        else:
            reply = client.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert reply.status_code == 200, reply.text
            session = Session(client, reply.json()["csrf_token"])
        self[username] = session
        return session

    def close(self) -> None:
        for client in self.clients:
            client.close()


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)  # once: Argon2 is slow on purpose


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Live-feed streams end after a second, so the route sweep can read them whole."""
    return settings.model_copy(update={"live_stream_seconds": 1.0})


@pytest.fixture
def app_client(
    password_hash: str, engine: Engine, settings: Settings
) -> Iterator[dict[str, Session]]:
    with engine.begin() as conn:
        for username, (agency, roles) in USERS.items():
            create_user(
                conn,
                username=username,
                agency_code=agency,
                roles=roles,
                password_hash=password_hash,
            )
    application = create_app(settings, engine)
    sessions = Sessions(application)
    yield sessions  # type: ignore[misc]
    sessions.close()


def _create(s: dict[str, Session]) -> dict[str, Any]:
    reply = s["kaz.officer"].call("POST", "/api/v1/seizures", json=BODY)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def _release(s: dict[str, Session], seizure_id: str, distribution: str) -> Any:
    assert s["kaz.officer"].call("POST", f"/api/v1/seizures/{seizure_id}/submit").status_code == 200
    reply = s["kaz.super"].call("POST", f"/api/v1/seizures/{seizure_id}/validate")
    assert reply.status_code == 200, reply.text
    return s["kaz.super"].call(
        "POST", f"/api/v1/seizures/{seizure_id}/release", json={"distribution": distribution}
    )


def _ids(session: Session) -> set[str]:
    reply = session.call("GET", "/api/v1/seizures", params={"limit": 500})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def test_create_shows_own_draft_with_nominal_parts(app_client: dict[str, Session]) -> None:
    record = _create(app_client)
    assert record["status"] == "draft" and record["seizure_ref"] == BODY["seizure"]["seizure_ref"]
    assert record["items"][0]["substance_code"] == "heroin"
    assert record["items"][0]["quantity_kg_eq"] == 2.5
    assert record["persons"][0]["name_latin"].startswith("ZHANUZAKOV")
    assert record["persons"][0]["phones"][0]["e164"] == "+77011234567"
    assert "narrative" in record
    assert [leg["country"] for leg in record["route_legs"]] == ["AFG", "RUS"]


def test_an_edit_with_no_persons_removes_them(app_client: dict[str, Session]) -> None:
    record = _create(app_client)
    assert record["persons"]
    reply = app_client["kaz.officer"].call(
        "PATCH", f"/api/v1/seizures/{record['id']}", json={"persons": []}
    )
    assert reply.status_code == 200, reply.text
    again = app_client["kaz.officer"].call("GET", f"/api/v1/seizures/{record['id']}")
    assert again.status_code == 200
    assert not again.json().get("persons")


def test_an_edit_without_persons_keeps_their_phones_documents_and_vehicles(
    app_client: dict[str, Session],
) -> None:
    courier = {
        **BODY["persons"][0],
        "vehicle_plate": "777 ABC 02",
        "vehicle_country": "KAZ",
        "vin": "1HGCM82633A004352",
    }
    body = {**BODY, "persons": [courier, {**courier, "role": "driver", "surname": "Ким"}]}
    created = app_client["kaz.officer"].call("POST", "/api/v1/seizures", json=body)
    assert created.status_code == 201, created.text
    before = created.json()
    assert before["conveyances"][0]["vin"] == "1HGCM82633A004352"
    change = {"items": [{"drug": "heroin", "quantity": "3", "unit": "kg"}]}
    path = f"/api/v1/seizures/{before['id']}"
    reply = app_client["kaz.officer"].call("PATCH", path, json=change)
    assert reply.status_code == 200, reply.text
    after = reply.json()
    assert after["items"][0]["quantity_reported"] == "3"

    def nominal(record: dict[str, Any]) -> Any:
        persons = [
            (p["surname"], p["role"], p["phones"], p["documents"]) for p in record["persons"]
        ]
        vehicles = [(v["plate_norm"], v["plate_country"], v["vin"]) for v in record["conveyances"]]
        return sorted(persons, key=repr), sorted(vehicles)

    assert nominal(after) == nominal(before)
    assert len(after["persons"]) == 2 and after["persons"][0]["phones"]


def test_invalid_record_gets_import_errors(app_client: dict[str, Session]) -> None:
    body = {**BODY, "items": [{"drug": "насвай", "quantity": "-1", "unit": "kg"}]}
    reply = app_client["kaz.officer"].call(
        "POST", "/api/v1/seizures", json=body, params={"lang": "ru"}
    )
    assert reply.status_code == 422
    codes = {e["code"] for e in reply.json()["errors"]}
    assert {"not_a_drug", "out_of_range"} <= codes
    assert all(e["reason"] for e in reply.json()["errors"])
    assert _ids(app_client["kaz.officer"]) == set()


def test_drafts_are_owner_only(app_client: dict[str, Session]) -> None:
    record = _create(app_client)
    assert record["id"] in _ids(app_client["kaz.officer"])
    for other in ("kaz.border", "kgz.analyst", "hub.analyst"):
        assert _ids(app_client[other]) == set()
        assert app_client[other].call("GET", f"/api/v1/seizures/{record['id']}").status_code == 404


def test_workflow_four_eyes_and_roles(app_client: dict[str, Session]) -> None:
    record = _create(app_client)
    path = f"/api/v1/seizures/{record['id']}"
    officer, supervisor = app_client["kaz.officer"], app_client["kaz.super"]
    assert officer.call("POST", f"{path}/validate").status_code == 403  # role
    assert officer.call("POST", f"{path}/submit").status_code == 200
    assert officer.call("POST", f"{path}/submit").status_code == 409  # already submitted
    assert app_client["kgz.analyst"].call("POST", f"{path}/validate").status_code == 404
    assert supervisor.call("POST", f"{path}/validate").status_code == 200
    # TLP:GREEN may go to the region; an AMBER record may not (checked below).
    reply = supervisor.call("POST", f"{path}/release", json={"distribution": "region"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "released"
    actions = [h["action"] for h in reply.json()["history"] if h["kind"] == "workflow"]
    assert actions == ["submit", "validate", "release"]
    assert supervisor.call("POST", f"{path}/retract", json={"reason": " "}).status_code == 422
    reply = supervisor.call("POST", f"{path}/retract", json={"reason": "duplicate report"})
    assert reply.status_code == 200 and reply.json()["status"] == "retracted"
    assert record["id"] not in _ids(app_client["kgz.analyst"])


def test_supervisor_cannot_validate_own_record(app_client: dict[str, Session]) -> None:
    reply = app_client["kaz.super"].call("POST", "/api/v1/seizures", json=BODY)
    assert reply.status_code == 201, reply.text
    path = f"/api/v1/seizures/{reply.json()['id']}"
    assert app_client["kaz.super"].call("POST", f"{path}/submit").status_code == 200
    reply = app_client["kaz.super"].call("POST", f"{path}/validate")
    assert reply.status_code == 403 and reply.json()["detail"]["code"] == "four_eyes"


def test_amber_cannot_be_released_to_region(app_client: dict[str, Session]) -> None:
    body = {**BODY, "seizure": {**BODY["seizure"], "tlp": "AMBER", "distribution": "national"}}
    reply = app_client["kaz.officer"].call("POST", "/api/v1/seizures", json=body)
    assert reply.status_code == 201
    reply = _release(app_client, reply.json()["id"], "region")
    assert reply.status_code == 422
    assert reply.json()["detail"]["code"] == "marking_conflict"


def test_regional_release_shares_only_the_non_nominal_part(
    app_client: dict[str, Session],
) -> None:
    record = _create(app_client)
    assert _release(app_client, record["id"], "region").status_code == 200
    for name in ("kgz.analyst", "hub.analyst"):
        foreign = app_client[name].call("GET", f"/api/v1/seizures/{record['id']}").json()
        assert foreign["items"][0]["substance_code"] == "heroin"
        assert "persons" not in foreign and "conveyances" not in foreign
        assert "narrative" not in foreign
        text = str(foreign)
        assert "Жанузаков" not in text and "N1234567" not in text
        assert "+77011234567" not in text and "701 123 4567" not in text
    national = app_client["kaz.border"].call("GET", f"/api/v1/seizures/{record['id']}").json()
    assert national["persons"][0]["surname"] == "Жанузаков"
    # Search must not find the record through its (nominal) narrative for foreign readers.
    found = app_client["kgz.analyst"].call("GET", "/api/v1/seizures", params={"q": "tyre"})
    assert found.json()["total"] == 0
    found = app_client["kaz.border"].call("GET", "/api/v1/seizures", params={"q": "tyre"})
    assert found.json()["total"] == 1


def test_national_release_stays_in_the_country(app_client: dict[str, Session]) -> None:
    record = _create(app_client)
    assert _release(app_client, record["id"], "national").status_code == 200
    assert record["id"] in _ids(app_client["kaz.border"])
    assert record["id"] not in _ids(app_client["kgz.analyst"])
    assert record["id"] not in _ids(app_client["hub.analyst"])


def test_patch_makes_a_new_version_and_others_cannot(app_client: dict[str, Session]) -> None:
    record = _create(app_client)
    path = f"/api/v1/seizures/{record['id']}"
    change = {"items": [{"drug": "heroin", "quantity": "3", "unit": "kg"}]}
    assert app_client["kgz.analyst"].call("PATCH", path, json=change).status_code in (403, 404)
    assert app_client["kaz.border"].call("PATCH", path, json=change).status_code in (403, 404)
    reply = app_client["kaz.officer"].call("PATCH", path, json=change)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["version"] == 2 and body["items"][0]["quantity_reported"] == "3"
    assert [h["version"] for h in body["history"] if h["kind"] == "version"] == [1]


def test_content_free_roles_and_anonymous_see_nothing(app_client: dict[str, Session]) -> None:
    record = _create(app_client)
    _release(app_client, record["id"], "region")
    for name in ("kaz.admin", "kaz.auditor"):
        assert _ids(app_client[name]) == set()
    assert app_client["anonymous"].call("GET", "/api/v1/seizures").status_code == 401


def test_every_route_as_foreigner_and_anonymous(
    app_client: dict[str, Session], engine: Engine, settings: Settings
) -> None:
    """No record or field of a KAZ national seizure appears to KGZ or anonymous callers."""
    record = _create(app_client)
    assert _release(app_client, record["id"], "national").status_code == 200
    secrets = [record["id"], "Жанузаков", "N1234567", "Courier Marat", "000777"]
    application = create_app(settings, engine)
    routes = application.openapi()["paths"]
    assert "/api/v1/seizures/{seizure_id}" in routes
    checked = 0
    for template, operations in routes.items():
        path = template.replace("{seizure_id}", record["id"])
        for method in sorted(m.upper() for m in operations):
            if "{" in path or path in ("/api/v1/auth/logout", "/api/v1/auth/password"):
                continue  # other ids, or actions on the caller's own session
            for name in ("kgz.analyst", "anonymous"):
                reply = app_client[name].call(method, path, json={})
                text = reply.text
                leaked = [s for s in secrets if s in text]
                assert not leaked, f"{method} {path} as {name} leaked {leaked}"
                checked += 1
    assert checked >= 20


def test_correction_of_a_released_record_waits_for_validation(
    app_client: dict[str, Session],
) -> None:
    record = _create(app_client)
    path = f"/api/v1/seizures/{record['id']}"
    assert _release(app_client, record["id"], "region").status_code == 200
    change = {"items": [{"drug": "heroin", "quantity": "4", "unit": "kg"}]}
    reply = app_client["kaz.officer"].call("PATCH", path, json=change)
    assert reply.status_code == 200, reply.text
    assert reply.json()["pending_correction"] is True
    assert reply.json()["version"] == 1  # the released version stays as it was
    foreign = app_client["kgz.analyst"].call("GET", path).json()
    assert foreign["items"][0]["quantity_reported"] == "2.5"
    # The officer who made the correction cannot validate it; a supervisor can.
    assert app_client["kaz.officer"].call("POST", f"{path}/validate").status_code == 403
    reply = app_client["kaz.super"].call("POST", f"{path}/validate")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "validated" and body["version"] == 2
    assert body["items"][0]["quantity_reported"] == "4"
    assert [h["version"] for h in body["history"] if h["kind"] == "version"] == [1]
    # Validated again: no longer regional until it is released again.
    assert app_client["kgz.analyst"].call("GET", path).status_code == 404
    reply = app_client["kaz.super"].call("POST", f"{path}/release", json={"distribution": "region"})
    assert reply.status_code == 200
    assert (
        app_client["kgz.analyst"].call("GET", path).json()["items"][0]["quantity_reported"] == "4"
    )
    # Nothing pending any more.
    assert app_client["kaz.super"].call("POST", f"{path}/validate").status_code == 409


def test_auditors_read_and_verify_the_log_and_nobody_else(
    app_client: dict[str, Session], engine: Engine
) -> None:
    _create(app_client)
    auditor = app_client["kaz.auditor"]
    reply = auditor.call("GET", "/api/v1/audit", params={"limit": 1000})
    assert reply.status_code == 200, reply.text
    actions = {entry["action"] for entry in reply.json()["entries"]}
    assert {"login", "import"} <= actions
    assert "Жанузаков" not in reply.text  # ids, never content
    verify = auditor.call("GET", "/api/v1/audit/verify").json()
    assert verify["ok"] is True and verify["entries"] >= len(reply.json()["entries"])
    for name in ("kaz.officer", "kaz.super", "kgz.analyst", "kaz.admin"):
        assert app_client[name].call("GET", "/api/v1/audit").status_code == 403
    assert app_client["anonymous"].call("GET", "/api/v1/audit").status_code == 401
    # Tampering shows through the API too.
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET details = '{}' WHERE seq = 2"))
    verify = auditor.call("GET", "/api/v1/audit/verify").json()
    assert verify["ok"] is False and verify["broken_seq"] == 2
