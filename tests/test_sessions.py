"""Browser sessions over HTTP (in-process ASGI): storage, timeouts, logout, cookie flags, CSRF."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from dozor.access.identity import create_user, hash_password
from dozor.access.principal import Principal
from dozor.access.sessions import COOKIE_NAME, create_session, resolve_session
from dozor.access.tokens import create_token
from dozor.settings import Settings
from dozor.store import schema
from dozor.store.schema import user_session
from dozor.web.app import create_app
from dozor.web.auth import require_principal

PASSWORD = "correct horse battery"


@functools.cache
def _hash() -> str:
    return hash_password(PASSWORD)


def _user(engine: Engine, username: str = "aigerim") -> str:
    with engine.begin() as conn:
        return create_user(
            conn,
            username=username,
            agency_code="KAZ-CUSTOMS",
            roles=["officer"],
            password_hash=_hash(),
        )


def _app(settings: Settings, engine: Engine) -> FastAPI:
    app = create_app(settings, engine)

    @app.post("/test/echo")
    def echo(principal: Principal = Depends(require_principal)) -> dict[str, Any]:
        return {"username": principal.username, "scope": principal.scope}

    return app


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return _app(settings, engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def _login(client: TestClient, username: str = "aigerim", password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token


def _dump(engine: Engine) -> str:
    """Every value of every table, as text."""
    parts: list[str] = []
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def test_only_the_hash_of_the_cookie_is_stored(engine: Engine, settings: Settings) -> None:
    user_id = _user(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        new = create_session(conn, user_id, settings=settings, now=now)
        found = resolve_session(conn, new.cookie_value, settings=settings, now=now)
        altered = new.cookie_value[:-1] + ("y" if new.cookie_value.endswith("x") else "x")
        assert resolve_session(conn, altered, settings=settings, now=now) is None
        assert resolve_session(conn, "", settings=settings, now=now) is None
    assert len(new.cookie_value) == 43  # 32 random bytes, URL-safe base64
    assert new.id == hashlib.sha256(new.cookie_value.encode()).hexdigest()
    assert found is not None and found.user_id == user_id and found.csrf_token == new.csrf_token
    dump = _dump(engine)
    assert new.id in dump
    assert new.cookie_value not in dump and new.cookie_value[:12] not in dump
    assert new.expires_at == now + timedelta(hours=settings.session_hours)


def test_last_seen_is_written_at_most_once_a_minute(engine: Engine, settings: Settings) -> None:
    user_id = _user(engine)
    start = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        new = create_session(conn, user_id, settings=settings, now=start)

        def seen() -> datetime:
            value = conn.execute(select(user_session.c.last_seen_at)).scalar_one()
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value

        resolve_session(
            conn, new.cookie_value, settings=settings, now=start + timedelta(seconds=30)
        )
        assert seen() == start
        resolve_session(
            conn, new.cookie_value, settings=settings, now=start + timedelta(seconds=61)
        )
        assert seen() == start + timedelta(seconds=61)
        # Idle for 59 minutes since the last write: still alive (the idle clock restarted).
        alive = start + timedelta(seconds=61, minutes=settings.session_idle_minutes - 1)
        assert resolve_session(conn, new.cookie_value, settings=settings, now=alive) is not None


def _age(engine: Engine, **values: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(user_session).values(**values))


def test_idle_timeout(client: TestClient, engine: Engine, settings: Settings) -> None:
    _user(engine)
    _login(client)
    assert client.get("/api/v1/auth/me").status_code == 200
    now = datetime.now(UTC)
    _age(engine, last_seen_at=now - timedelta(minutes=settings.session_idle_minutes - 2))
    assert client.get("/api/v1/auth/me").status_code == 200
    _age(engine, last_seen_at=now - timedelta(minutes=settings.session_idle_minutes, seconds=1))
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required: log in or send an API token."}


def test_absolute_lifetime(client: TestClient, engine: Engine, settings: Settings) -> None:
    _user(engine)
    _login(client)
    now = datetime.now(UTC)
    # Busy all along (seen a second ago), but logged in longer ago than DOZOR_SESSION_HOURS.
    _age(
        engine,
        created_at=now - timedelta(hours=settings.session_hours, seconds=5),
        expires_at=now - timedelta(seconds=5),
        last_seen_at=now - timedelta(seconds=1),
    )
    assert client.get("/api/v1/auth/me").status_code == 401


def test_logout(client: TestClient, engine: Engine) -> None:
    _user(engine)
    csrf = _login(client)
    cookie = client.cookies[COOKIE_NAME]
    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200 and response.json() == {"logged_out": True}
    cleared = response.headers["set-cookie"]
    assert cleared.startswith(f'{COOKIE_NAME}=""') and "Max-Age=0" in cleared
    with engine.connect() as conn:
        assert conn.execute(select(user_session.c.revoked_at)).scalar_one() is not None
    # The old cookie value is dead even if a copy of it is replayed.
    replay = TestClient(client.app, cookies={COOKIE_NAME: cookie})
    assert replay.get("/api/v1/auth/me").status_code == 401
    # Logging out without a session is harmless.
    assert client.post("/api/v1/auth/logout").json() == {"logged_out": False}


def test_cookie_flags(app: FastAPI, engine: Engine, settings: Settings) -> None:
    _user(engine)
    plain = TestClient(app).post(
        "/api/v1/auth/login", json={"username": "aigerim", "password": PASSWORD}
    )
    flags = [f.strip().lower() for f in plain.headers["set-cookie"].split(";")]
    assert flags[0].startswith(f"{COOKIE_NAME}=")
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert f"max-age={settings.session_hours * 3600}" in flags
    assert "secure" not in flags  # plain http on loopback: the demo must work
    https = TestClient(app, base_url="https://dozor.example").post(
        "/api/v1/auth/login", json={"username": "aigerim", "password": PASSWORD}
    )
    assert "secure" in [f.strip().lower() for f in https.headers["set-cookie"].split(";")]
    forced = _app(settings.model_copy(update={"cookie_secure": True}), engine)
    always = TestClient(forced).post(
        "/api/v1/auth/login", json={"username": "aigerim", "password": PASSWORD}
    )
    assert "secure" in [f.strip().lower() for f in always.headers["set-cookie"].split(";")]


def test_csrf(client: TestClient, engine: Engine, settings: Settings) -> None:
    user_id = _user(engine)
    csrf = _login(client)
    assert client.get("/api/v1/auth/csrf").json() == {"csrf_token": csrf}
    missing = client.post("/test/echo")
    assert missing.status_code == 403
    assert missing.json()["detail"].startswith("CSRF token missing or wrong")
    other_last = "B" if csrf.endswith("A") else "A"  # a token that differs, whatever it ends in
    wrong = client.post("/test/echo", headers={"X-CSRF-Token": csrf[:-1] + other_last})
    assert wrong.status_code == 403
    ru = client.post("/test/echo?lang=ru", headers={"X-CSRF-Token": "x"})
    assert ru.status_code == 403 and ru.json()["detail"].startswith("CSRF-токен")
    right = client.post("/test/echo", headers={"X-CSRF-Token": csrf})
    assert right.status_code == 200 and right.json() == {"username": "aigerim", "scope": "session"}
    form = client.post("/test/echo", data={"csrf_token": csrf, "note": "from a form"})
    assert form.status_code == 200
    bad_form = client.post("/test/echo", data={"csrf_token": "nope"})
    assert bad_form.status_code == 403
    # GET needs no CSRF token; a bearer token needs none either.
    assert client.get("/api/v1/auth/me").status_code == 200
    with engine.begin() as conn:
        token = create_token(conn, user_id=user_id, scope="write", days=1, now=datetime.now(UTC))
    bare = TestClient(client.app)
    by_token = bare.post("/test/echo", headers={"Authorization": f"Bearer {token.token}"})
    assert by_token.status_code == 200 and by_token.json()["scope"] == "write"
    assert (
        bare.get(
            "/api/v1/auth/csrf", headers={"Authorization": f"Bearer {token.token}"}
        ).status_code
        == 400
    )


def test_password_change_ends_other_sessions(app: FastAPI, engine: Engine) -> None:
    _user(engine)
    laptop, phone = TestClient(app), TestClient(app)
    csrf = _login(laptop)
    _login(phone)
    short = laptop.post(
        "/api/v1/auth/password",
        headers={"X-CSRF-Token": csrf},
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 422 and "at least 10" in short.json()["detail"]
    wrong = laptop.post(
        "/api/v1/auth/password",
        headers={"X-CSRF-Token": csrf},
        json={"current_password": "not it at all", "new_password": "x" * 12},
    )
    assert wrong.status_code == 403 and wrong.json() == {"detail": "The current password is wrong."}
    no_csrf = laptop.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "x" * 12}
    )
    assert no_csrf.status_code == 403
    assert phone.get("/api/v1/auth/me").status_code == 200
    done = laptop.post(
        "/api/v1/auth/password",
        headers={"X-CSRF-Token": csrf},
        json={"current_password": PASSWORD, "new_password": "a new passphrase"},
    )
    assert done.status_code == 200 and done.json() == {"changed": True}
    assert laptop.get("/api/v1/auth/me").status_code == 200  # this session stays
    assert phone.get("/api/v1/auth/me").status_code == 401  # the others end
    old = TestClient(app).post(
        "/api/v1/auth/login", json={"username": "aigerim", "password": PASSWORD}
    )
    assert old.status_code == 401
    _login(TestClient(app), password="a new passphrase")
