"""Login over HTTP: responses that reveal nothing, lock-out, roles, languages, a real server."""

from __future__ import annotations

import functools
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dozor.access.identity import authenticate, create_user, disable_user, hash_password
from dozor.access.principal import Principal
from dozor.settings import Settings
from dozor.store.schema import audit_log
from dozor.web.app import create_app
from dozor.web.auth import require_roles

PASSWORD = "correct horse battery"
FAILED = {"detail": "Wrong username or password, or the account is locked for a while."}


@functools.cache
def _hash() -> str:
    return hash_password(PASSWORD)


def _user(
    engine: Engine,
    username: str,
    roles: tuple[str, ...] = ("analyst",),
    agency: str = "TJK-DCA",
    lang: str = "en",
) -> str:
    with engine.begin() as conn:
        return create_user(
            conn,
            username=username,
            agency_code=agency,
            roles=list(roles),
            password_hash=_hash(),
            ui_lang=lang,
        )


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    app = create_app(settings, engine)

    @app.get("/test/supervisors")
    def supervisors(principal: Principal = Depends(require_roles("supervisor"))) -> dict[str, str]:
        return {"username": principal.username}

    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def _login(client: TestClient, username: str, password: str = PASSWORD, **kw: Any) -> Any:
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, **kw
    )


def test_login_json_and_form(client: TestClient, engine: Engine) -> None:
    user_id = _user(engine, "rustam", ("officer", "supervisor"))
    response = _login(client, "rustam")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "csrf_token", "expires_at"} and len(body["csrf_token"]) >= 40
    assert body["user"] == {
        "id": user_id,
        "username": "rustam",
        "display_name": "rustam",
        "agency_id": body["user"]["agency_id"],
        "agency_code": "TJK-DCA",
        "country": "TJK",
        "is_hub": False,
        "membership": "member",
        "roles": ["officer", "supervisor"],
        "ui_lang": "en",
        "scope": "session",
        "clearance": None,
    }
    me = client.get("/api/v1/auth/me").json()
    assert me == {"user": body["user"], "auth": "ui"}
    form = TestClient(client.app).post(
        "/api/v1/auth/login", data={"username": "rustam", "password": PASSWORD}
    )
    assert form.status_code == 200 and form.json()["user"]["username"] == "rustam"
    for bad in ({}, {"username": "rustam"}, {"username": "", "password": "x"}):
        missing = client.post("/api/v1/auth/login", json=bad)
        assert missing.status_code == 422
        assert missing.json() == {"detail": "Give a username and a password."}
    assert client.post("/api/v1/auth/login", content=b"not json").status_code == 422


def test_failures_look_the_same(client: TestClient, engine: Engine) -> None:
    _user(engine, "rustam")
    disabled = _user(engine, "farrukh")
    with engine.begin() as conn:
        disable_user(conn, disabled, now=datetime.now(UTC))
    answers = [
        _login(client, "rustam", "wrong password"),
        _login(client, "no-such-user"),
        _login(client, "farrukh"),
        _login(client, "x" * 500),
    ]
    for answer in answers:
        assert answer.status_code == 401
        assert answer.json() == FAILED
        assert "set-cookie" not in answer.headers
    assert len({(a.headers["content-length"], a.headers["content-type"]) for a in answers}) == 1
    ru = client.post(
        "/api/v1/auth/login?lang=ru", json={"username": "no-such-user", "password": "x"}
    )
    assert ru.json()["detail"].startswith("Неверное имя пользователя или пароль")
    accept = _login(client, "rustam", "nope", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert accept.json() == ru.json()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_unknown_user_takes_as_long_as_a_wrong_password(engine: Engine, settings: Settings) -> None:
    """A dummy hash is verified for unknown users, so timing does not reveal the username."""
    _user(engine, "rustam")

    def timed(username: str) -> float:
        with engine.begin() as conn:
            start = time.perf_counter()
            authenticate(conn, username, "wrong password", settings=settings)
            return time.perf_counter() - start

    timed("warm-up")
    known = statistics.median(timed("rustam") for _ in range(3))
    unknown = statistics.median(timed("no-such-user") for _ in range(3))
    # Without the dummy hash an unknown user is answered ~100 times faster.
    assert 0.4 < unknown / known < 2.5, (known, unknown)


def test_brute_force_lockout(
    client: TestClient, engine: Engine, dozor: Any, settings: Settings
) -> None:
    user_id = _user(engine, "rustam")
    assert settings.lockout_attempts == 5
    for _ in range(5):
        assert _login(client, "rustam", "guess " * 2).json() == FAILED
    right = _login(client, "rustam")
    assert right.status_code == 401 and right.json() == FAILED  # locked: the same answer
    assert _login(client, "nobody-at-all").json() == right.json()
    unlocked = dozor("user", "unlock", "rustam")
    assert unlocked.code == 0 and "unlocked" in unlocked.stdout
    assert _login(client, "rustam").status_code == 200
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.actor_user_id, audit_log.c.details)
            .where(audit_log.c.action.in_(["login", "lockout", "admin_change"]))
            .order_by(audit_log.c.seq)
        ).all()
    trail = [
        (a, json.loads(d).get("outcome") or json.loads(d).get("change"), u == user_id)
        for a, u, d in rows
    ]
    assert trail == [("login", "failure", True)] * 5 + [
        ("lockout", None, True),
        ("login", "refused", True),
        ("login", "failure", False),  # the unknown user: no actor, no name
        ("admin_change", "user_unlocked", False),  # by the node administrator
        ("login", "success", True),
    ]


def test_roles_and_anonymous(client: TestClient, engine: Engine) -> None:
    _user(engine, "rustam", ("supervisor",))
    _user(engine, "dilnoza", ("analyst",), lang="ru")
    anonymous = client.get("/test/supervisors")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Authentication required: log in or send an API token."}
    assert client.get("/api/v1/auth/me?lang=ru").json() == {
        "detail": "Требуется вход: войдите в систему или передайте API-токен."
    }
    assert client.get("/api/v1/auth/csrf").status_code == 401
    analyst = TestClient(client.app)
    _login(analyst, "dilnoza")
    refused = analyst.get("/test/supervisors")  # her ui_lang is ru
    assert refused.status_code == 403 and refused.json() == {
        "detail": "Для этого нужна роль supervisor."
    }
    assert analyst.get("/test/supervisors?lang=en").json() == {
        "detail": "This needs the role supervisor."
    }
    _login(client, "rustam")
    assert client.get("/test/supervisors").json() == {"username": "rustam"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """``dozor serve`` in a child process on a free loopback port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env.update({"DOZOR_HOME": str(tmp_path), "DOZOR_DATABASE_URL": settings.database_url or ""})
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


def test_cli_token_against_a_real_server(server: str, dozor: Any, engine: Engine) -> None:
    _user(engine, "rustam", ("officer",), agency="HUB-CARICC")
    created = dozor("token", "create", "--user", "rustam", "--scope", "read")
    assert created.code == 0, created.stderr
    token = created.stdout.strip()
    me = httpx.get(f"{server}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["user"] | {"id": None, "agency_id": None} == {
        "id": None,
        "username": "rustam",
        "display_name": "rustam",
        "agency_id": None,
        "agency_code": "HUB-CARICC",
        "country": None,
        "is_hub": True,
        "membership": "member",
        "roles": ["officer"],
        "ui_lang": "en",
        "scope": "read",
        "clearance": None,
    }
    assert httpx.get(f"{server}/api/v1/auth/me").status_code == 401
    # A browser-style login over real HTTP: the raw Set-Cookie header, then CSRF-protected logout.
    with httpx.Client(base_url=server) as browser:
        login = browser.post(
            "/api/v1/auth/login", json={"username": "rustam", "password": PASSWORD}
        )
        assert login.status_code == 200
        cookie = login.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
        assert browser.post("/api/v1/auth/logout").status_code == 403
        csrf = login.json()["csrf_token"]
        assert browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).json() == {
            "logged_out": True
        }
        assert browser.get("/api/v1/auth/me").status_code == 401
