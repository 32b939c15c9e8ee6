"""The correlation, matching and link-chart API over real HTTP (``dozor serve`` in a child
process), on both databases: records created and released through the API, read back by users
of two countries."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from dozor.access.identity import create_user, hash_password
from dozor.settings import Settings

PASSWORD = "correct horse battery"
USERS = {
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "kaz.super": ("KAZ-CUSTOMS", ["supervisor"]),
    "kaz.analyst": ("KAZ-POLICE", ["analyst"]),
    "kgz.officer": ("KGZ-BORDER", ["officer"]),
    "kgz.super": ("KGZ-BORDER", ["supervisor"]),
    "kgz.analyst": ("KGZ-BORDER", ["analyst"]),
}
PHONE = "+7 701 123 4567"


@functools.cache
def _hash() -> str:
    return hash_password(PASSWORD)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[str]:
    with engine.begin() as conn:
        for username, (agency, roles) in USERS.items():
            create_user(
                conn, username=username, agency_code=agency, roles=roles, password_hash=_hash()
            )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env.update(
        {
            "DOZOR_HOME": str(tmp_path),
            "DOZOR_DATABASE_URL": settings.database_url or "",
            "DOZOR_CORRELATION_MAX_FREQUENCY": "5",
        }
    )
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "dozor", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("dozor serve did not start: " + (tmp_path / "serve.log").read_text())
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


class User:
    """A logged-in browser-like client (session cookie + CSRF header)."""

    def __init__(self, base: str, username: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        reply = self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert reply.status_code == 200, reply.text
        self.csrf = reply.json()["csrf_token"]

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, headers={"X-CSRF-Token": self.csrf}, **kwargs)


def _seizure(ref: str, surname: str, given: str, born: str) -> dict[str, Any]:
    return {
        "seizure": {
            "seizure_ref": ref,
            "seizure_date": "2025-03-14 09:30",
            "location_type": "road",
            "mode_of_transport": "road",
            "tlp": "GREEN",
            "distribution": "region",
        },
        "items": [{"drug": "heroin", "quantity": "1.5", "unit": "kg"}],
        "persons": [
            {
                "role": "courier",
                "surname": surname,
                "given_name": given,
                "date_of_birth": born,
                "phone": PHONE,
            }
        ],
    }


def _released(officer: User, supervisor: User, body: dict[str, Any]) -> dict[str, Any]:
    reply = officer.call("POST", "/api/v1/seizures", json=body)
    assert reply.status_code == 201, reply.text
    path = f"/api/v1/seizures/{reply.json()['id']}"
    assert officer.call("POST", f"{path}/submit").status_code == 200
    assert supervisor.call("POST", f"{path}/validate").status_code == 200
    done = supervisor.call("POST", f"{path}/release", json={"distribution": "region"})
    assert done.status_code == 200, done.text
    record = officer.call("GET", path).json()
    return dict(record)


def test_correlations_judgements_exclusions_and_chart_over_http(server: str) -> None:
    u = {name: User(server, name) for name in USERS}
    one = _released(
        u["kaz.officer"],
        u["kaz.super"],
        _seizure("KAZ-CUSTOMS/2025/1", "Юсупов", "Бахтиёр", "12.03.1985"),
    )
    two = _released(
        u["kaz.officer"],
        u["kaz.super"],
        _seizure("KAZ-CUSTOMS/2025/2", "Yusupov", "Baxtiyor", "12.03.1985"),
    )
    three = _released(
        u["kgz.officer"],
        u["kgz.super"],
        _seizure("KGZ-BORDER/2025/3", "Каримов", "Анвар", "01.01.1990"),
    )
    yusupov, baxtiyor = one["persons"][0]["id"], two["persons"][0]["id"]
    karimov = three["persons"][0]["id"]
    kaz, kgz = u["kaz.analyst"], u["kgz.analyst"]

    # A Kazakh analyst sees the two Kazakh records correlate on the phone, not the Kyrgyz one.
    reply = kaz.call("GET", f"/api/v1/correlations/persons/{yusupov}")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    (phone,) = [s for s in body["selectors"] if s["kind"] == "phone"]
    assert phone["value"] == "+77011234567" and phone["status"] == "correlated"
    assert [m["id"] for m in phone["matches"]] == [baxtiyor]
    assert phone["matches"][0]["seizures"][0]["seizure_ref"] == "KAZ-CUSTOMS/2025/2"
    assert body["correlated"] == 1 and body["max_frequency"] == 5
    # The Kyrgyz analyst: the Kazakh person does not exist; its own has no visible match.
    assert kgz.call("GET", f"/api/v1/correlations/persons/{yusupov}").status_code == 404
    own = kgz.call("GET", f"/api/v1/correlations/persons/{karimov}").json()
    assert [s["status"] for s in own["selectors"]] == ["no_match"]
    # The released Kazakh seizure is visible to Kyrgyzstan, its nominal parts are not.
    seen = kgz.call("GET", f"/api/v1/correlations/seizures/{one['id']}").json()
    assert seen["objects"] == [] and seen["related_seizures"] == []
    mine = kaz.call("GET", f"/api/v1/correlations/seizures/{one['id']}").json()
    assert [s["seizure_ref"] for s in mine["related_seizures"]] == ["KAZ-CUSTOMS/2025/2"]
    assert kaz.call("GET", "/api/v1/correlations/things/x").status_code == 404

    # Candidates: the two spellings of one name are proposed to the Kazakh analyst only.
    queue = kaz.call("GET", "/api/v1/matching/candidates").json()
    assert {(p["person_a"], p["person_b"]) for p in queue["pairs"]} == {
        tuple(sorted((yusupov, baxtiyor)))
    }
    assert queue["pairs"][0]["features"] and queue["pairs"][0]["a"]["label"]
    assert kgz.call("GET", "/api/v1/matching/candidates").json()["pairs"] == []
    # Judged the same: a cluster of two, out of the queue; withdrawn: apart again.
    judged = kaz.call(
        "POST",
        "/api/v1/matching/judgements",
        json={
            "person_a": yusupov,
            "person_b": baxtiyor,
            "verdict": "same",
            "note": "same phone, transliteration",
        },
    )
    assert judged.status_code == 201, judged.text
    cluster = kaz.call("GET", f"/api/v1/matching/persons/{baxtiyor}/cluster").json()
    assert {m["id"] for m in cluster["members"]} == {yusupov, baxtiyor}
    assert kaz.call("GET", "/api/v1/matching/candidates").json()["pairs"] == []
    refused = kgz.call(
        "POST",
        "/api/v1/matching/judgements",
        json={"person_a": yusupov, "person_b": karimov, "verdict": "same"},
    )
    assert refused.status_code == 404
    bad = kaz.call(
        "POST",
        "/api/v1/matching/judgements",
        params={"lang": "ru"},
        json={"person_a": yusupov, "person_b": baxtiyor, "verdict": "maybe"},
    )
    assert bad.status_code == 422 and "verdict" in bad.json()["detail"]["message"]
    withdrawn = kaz.call("POST", f"/api/v1/matching/judgements/{judged.json()['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    cluster = kaz.call("GET", f"/api/v1/matching/persons/{baxtiyor}/cluster").json()
    assert [m["id"] for m in cluster["members"]] == [baxtiyor]
    history = kaz.call(
        "GET",
        f"/api/v1/matching/persons/{yusupov}/judgements",
        params={"include_withdrawn": "true"},
    ).json()
    assert [j["verdict"] for j in history["judgements"]] == ["same"]

    # The link chart from the phone, ECharts-shaped, within what each user may see.
    chart = kaz.call(
        "GET", "/api/v1/link-chart", params={"start": "phone:8 701 123 45 67", "depth": 2}
    ).json()
    assert [c["name"] for c in chart["categories"]] == [
        "seizure",
        "person",
        "vehicle",
        "phone",
        "document",
    ]
    ids = {n["id"] for n in chart["nodes"]}
    assert {f"person:{yusupov}", f"person:{baxtiyor}", f"seizure:{one['id']}"} <= ids
    assert f"person:{karimov}" not in ids and f"seizure:{three['id']}" not in ids
    assert all({"id", "name", "category", "value"} <= set(n) for n in chart["nodes"])
    assert all({"source", "target", "label"} <= set(lk) for lk in chart["links"])
    other = kgz.call("GET", "/api/v1/link-chart", params={"start": "phone:+77011234567"}).json()
    assert {n["id"] for n in other["nodes"]} == {
        "phone:+77011234567",
        f"person:{karimov}",
        f"seizure:{three['id']}",
    }
    assert (
        kgz.call("GET", "/api/v1/link-chart", params={"start": f"person:{yusupov}"}).status_code
        == 404
    )

    # Exclusions: managed by analysts, audited; the value stops correlating.
    officer = u["kaz.officer"]
    assert (
        officer.call(
            "POST",
            "/api/v1/correlation-exclusions",
            json={"kind": "phone", "value": PHONE, "reason": "x"},
        ).status_code
        == 403
    )
    added = kaz.call(
        "POST",
        "/api/v1/correlation-exclusions",
        json={"kind": "phone", "value": PHONE, "reason": "duty desk number"},
    )
    assert added.status_code == 201, added.text
    listed = kaz.call("GET", "/api/v1/correlation-exclusions").json()["exclusions"]
    assert [e["value"] for e in listed] == ["+77011234567"]
    again = kaz.call("GET", f"/api/v1/correlations/persons/{yusupov}").json()
    assert [s["status"] for s in again["selectors"]] == ["excluded"]
    assert kaz.call("GET", "/api/v1/correlation-frequent").json()["values"] == []
    removed = kaz.call("DELETE", f"/api/v1/correlation-exclusions/{added.json()['id']}")
    assert removed.status_code == 200
    assert (
        kaz.call("DELETE", f"/api/v1/correlation-exclusions/{added.json()['id']}").status_code
        == 404
    )
    for client in u.values():
        client.client.close()
