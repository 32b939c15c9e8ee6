"""API tokens: shown once, stored hashed, scoped, expiring, revocable; functions, HTTP and CLI."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from dozor.access.identity import create_user, disable_user, hash_password
from dozor.access.tokens import (
    create_token,
    list_tokens,
    looks_like_token,
    resolve_token,
    revoke_token,
)
from dozor.settings import Settings
from dozor.store import schema
from dozor.store.schema import api_token, audit_log
from dozor.web.app import create_app

TOKEN_RE = re.compile(r"^dzr_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$")


def _user(engine: Engine, username: str = "aigerim") -> str:
    with engine.begin() as conn:
        return create_user(
            conn,
            username=username,
            agency_code="KGZ-POLICE",
            roles=["analyst"],
            password_hash=hash_password("not used in these tests"),
        )


def _dump(engine: Engine) -> str:
    parts: list[str] = []
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(settings: Settings, engine: Engine) -> TestClient:
    return TestClient(create_app(settings, engine))


def test_token_is_stored_as_a_hash_only(engine: Engine) -> None:
    user_id = _user(engine)
    with engine.begin() as conn:
        issued = create_token(
            conn, user_id=user_id, scope="read", days=30, name="dashboard", now=datetime.now(UTC)
        )
    assert TOKEN_RE.match(issued.token) and looks_like_token(issued.token)
    secret = issued.token.split("_", 2)[2]
    with engine.connect() as conn:
        row = conn.execute(select(api_token)).one()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert row.prefix == issued.prefix and issued.token.startswith(f"dzr_{row.prefix}_")
    dump = _dump(engine)
    assert issued.token not in dump
    # No 8-character piece of the secret appears anywhere in the database.
    assert not any(secret[i : i + 8] in dump for i in range(len(secret) - 7))


def test_expiry_revocation_and_last_used(engine: Engine) -> None:
    user_id = _user(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        old = create_token(conn, user_id=user_id, days=1, now=now - timedelta(days=2))
        live = create_token(conn, user_id=user_id, scope="write", days=1, now=now)
        assert resolve_token(conn, old.token, now=now) is None
        assert resolve_token(conn, live.token, now=now + timedelta(days=1)) is None  # expired
        found = resolve_token(conn, live.token, now=now)
        assert found is not None and (found.id, found.scope) == (live.id, "write")
        assert resolve_token(conn, live.token[:-1] + "?", now=now) is None  # malformed
        assert resolve_token(conn, "dzr_00000000_" + "A" * 43, now=now) is None  # unknown

        def used() -> datetime:
            value = conn.execute(
                select(api_token.c.last_used_at).where(api_token.c.id == live.id)
            ).scalar_one()
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value

        assert used() == now
        resolve_token(conn, live.token, now=now + timedelta(seconds=40))
        assert used() == now  # at most one write a minute
        resolve_token(conn, live.token, now=now + timedelta(seconds=70))
        assert used() == now + timedelta(seconds=70)
        assert revoke_token(conn, live.id, now=now) is True
        assert revoke_token(conn, live.id, now=now) is False
        assert resolve_token(conn, live.token, now=now) is None
        statuses = {t["id"]: t["status"] for t in list_tokens(conn, now=now)}
    assert statuses == {old.id: "expired", live.id: "revoked"}
    with pytest.raises(ValueError, match="scope"):
        with engine.begin() as conn:
            create_token(conn, user_id=user_id, scope="admin", days=1, now=now)  # type: ignore[arg-type]


def test_tokens_over_http(client: TestClient, engine: Engine) -> None:
    user_id = _user(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        read = create_token(conn, user_id=user_id, scope="read", days=1, now=now)
        write = create_token(conn, user_id=user_id, scope="write", days=1, now=now)
    me = client.get("/api/v1/auth/me", headers=_bearer(read.token))
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "aigerim" and me.json()["auth"] == "api"
    assert me.json()["user"]["scope"] == "read"
    # A read token may not use unsafe methods; a write token may, without a CSRF token.
    refused = client.post("/api/v1/auth/logout", headers=_bearer(read.token))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This API token is read-only: it may not change anything."}
    assert client.post("/api/v1/auth/logout", headers=_bearer(write.token)).status_code == 200
    # Expiry, set in the database: refused on the next request.
    with engine.begin() as conn:
        conn.execute(
            update(api_token)
            .where(api_token.c.id == read.id)
            .values(expires_at=now - timedelta(seconds=1))
        )
    expired = client.get("/api/v1/auth/me", headers=_bearer(read.token))
    assert expired.status_code == 401
    assert expired.json() == {"detail": "The API token is invalid, expired or revoked."}
    assert expired.headers["www-authenticate"] == "Bearer"
    # Revocation is immediate.
    assert client.get("/api/v1/auth/me", headers=_bearer(write.token)).status_code == 200
    with engine.begin() as conn:
        revoke_token(conn, write.id, now=datetime.now(UTC))
    assert client.get("/api/v1/auth/me", headers=_bearer(write.token)).status_code == 401
    # A garbage bearer value is 401 too, not anonymous.
    assert client.get("/api/v1/auth/me", headers=_bearer("nonsense")).status_code == 401
    # A disabled user's tokens stop working.
    with engine.begin() as conn:
        other = create_token(conn, user_id=user_id, scope="read", days=1, now=now)
        disable_user(conn, user_id, now=datetime.now(UTC))
    ru = client.get("/api/v1/auth/me?lang=ru", headers=_bearer(other.token))
    assert ru.status_code == 401 and ru.json()["detail"].startswith("API-токен")


def test_token_cli(dozor: Any, engine: Engine) -> None:
    _user(engine, "bakyt")
    created = dozor(
        "token", "create", "--user", "bakyt", "--scope", "write", "--days", "7", "--name", "etl"
    )
    assert created.code == 0, created.stderr
    token = created.stdout.strip()
    assert TOKEN_RE.match(token), created.stdout
    assert "shown only now" in created.stderr and token not in created.stderr
    listed = dozor("token", "list", "--user", "bakyt", "--json")
    assert listed.code == 0 and token.split("_", 2)[2] not in listed.stdout
    (row,) = json.loads(listed.stdout)
    assert (row["username"], row["scope"], row["name"], row["status"]) == (
        "bakyt",
        "write",
        "etl",
        "active",
    )
    assert row["shown_as"] == f"dzr_{token.split('_')[1]}_…"
    with engine.connect() as conn:
        found = resolve_token(conn, token, now=datetime.now(UTC))
        assert found is not None and found.id == row["id"]
    assert dozor("token", "create", "--user", "bakyt", "--days", "0").code == 2
    assert dozor("token", "revoke", row["id"]).code == 0
    again = dozor("token", "revoke", row["id"])
    assert again.code == 2 and "No live token" in again.stderr
    with engine.connect() as conn:
        assert resolve_token(conn, token, now=datetime.now(UTC)) is None
        actions = [a for (a,) in conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq))]
    assert actions == ["token_create", "token_revoke"]
