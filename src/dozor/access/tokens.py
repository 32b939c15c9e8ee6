"""API tokens for scripts and other systems: ``Authorization: Bearer dzr_<prefix>_<secret>``.

A token is shown once, when it is created; only its SHA-256 is stored, with the short random
``prefix`` that lets a person recognise it in ``dozor token list``. Each token has a scope
(``read``: safe methods only; ``write``: everything the user's roles allow) and an expiry date;
revocation takes effect on the next request. ``last_used_at`` is written at most once a minute.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, select, update

from dozor.access.principal import aware
from dozor.domain.ids import uuid7
from dozor.store.schema import api_token, app_user

TokenScope = Literal["read", "write"]
TOKEN_SCOPES: tuple[TokenScope, ...] = ("read", "write")
TOKEN_PREFIX = "dzr"  # noqa: S105 - the public marker of a token, not a secret
_TOKEN_RE = re.compile(r"^dzr_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just created. ``token`` is the only copy of the secret: show it, then drop it."""

    id: str
    user_id: str
    token: str
    prefix: str
    scope: TokenScope
    name: str | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ResolvedToken:
    """A token that is valid now."""

    id: str
    user_id: str
    scope: TokenScope


def token_hash(token: str) -> str:
    """The stored form of a token: SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    """Whether ``text`` has the shape of a Dozor API token."""
    return _TOKEN_RE.match(text) is not None


def create_token(
    conn: Connection,
    *,
    user_id: str,
    scope: TokenScope = "read",
    days: int,
    name: str | None = None,
    now: datetime,
) -> IssuedToken:
    """Mint a token for ``user_id`` valid for ``days`` from ``now``; store its hash only."""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"scope must be read or write, not {scope!r}")
    if days < 1:
        raise ValueError("a token must be valid for at least one day")
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    issued = IssuedToken(
        id=uuid7(),
        user_id=user_id,
        token=token,
        prefix=prefix,
        scope=scope,
        name=name,
        expires_at=now + timedelta(days=days),
    )
    conn.execute(
        api_token.insert(),
        {
            "id": issued.id,
            "user_id": user_id,
            "token_hash": token_hash(token),
            "prefix": prefix,
            "scope": scope,
            "name": name,
            "created_at": now,
            "expires_at": issued.expires_at,
            "last_used_at": None,
            "revoked_at": None,
        },
    )
    return issued


def resolve_token(conn: Connection, token: str, *, now: datetime) -> ResolvedToken | None:
    """The live token behind ``token``, or None (malformed, unknown, revoked or expired).

    Refreshes ``last_used_at`` (at most once a minute); the caller commits.
    """
    if not looks_like_token(token):
        return None
    row = conn.execute(
        select(
            api_token.c.id,
            api_token.c.user_id,
            api_token.c.scope,
            api_token.c.expires_at,
            api_token.c.revoked_at,
            api_token.c.last_used_at,
        ).where(api_token.c.token_hash == token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    expires = aware(row.expires_at)
    if expires is None or expires <= now or row.scope not in TOKEN_SCOPES:
        return None
    used = aware(row.last_used_at)
    if used is None or now - used >= TOUCH_INTERVAL:
        conn.execute(update(api_token).where(api_token.c.id == row.id).values(last_used_at=now))
    return ResolvedToken(row.id, row.user_id, row.scope)


def revoke_token(conn: Connection, token_id: str, *, now: datetime) -> bool:
    """Revoke a token by its id; True when it existed and was not yet revoked."""
    done = conn.execute(
        update(api_token)
        .where(api_token.c.id == token_id, api_token.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return done.rowcount > 0


def revoke_user_tokens(conn: Connection, user_id: str, *, now: datetime) -> int:
    """Revoke every live token of a user; returns how many."""
    done = conn.execute(
        update(api_token)
        .where(api_token.c.user_id == user_id, api_token.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return done.rowcount


def token_status(row: Any, now: datetime) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if row.revoked_at is not None:
        return "revoked"
    expires = aware(row.expires_at)
    return "expired" if expires is None or expires <= now else "active"


def list_tokens(
    conn: Connection, *, user_id: str | None = None, now: datetime
) -> list[dict[str, Any]]:
    """Every token (never the secret), newest first, with its user and status."""
    query = (
        select(
            api_token.c.id,
            api_token.c.user_id,
            app_user.c.username,
            api_token.c.prefix,
            api_token.c.scope,
            api_token.c.name,
            api_token.c.created_at,
            api_token.c.expires_at,
            api_token.c.last_used_at,
            api_token.c.revoked_at,
        )
        .join(app_user, app_user.c.id == api_token.c.user_id)
        .order_by(api_token.c.created_at.desc(), api_token.c.id.desc())
    )
    if user_id is not None:
        query = query.where(api_token.c.user_id == user_id)
    out: list[dict[str, Any]] = []
    for row in conn.execute(query):
        item = dict(row._mapping)
        for key in ("created_at", "expires_at", "last_used_at", "revoked_at"):
            item[key] = aware(item[key])
        item["status"] = token_status(row, now)
        item["shown_as"] = f"{TOKEN_PREFIX}_{row.prefix}_…"
        out.append(item)
    return out
