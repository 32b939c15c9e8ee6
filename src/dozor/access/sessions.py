"""Browser sessions: a random cookie, of which only the SHA-256 is stored.

The cookie value is 32 random bytes (URL-safe base64); ``user_session.id`` is its SHA-256, so
a copy of the database opens no session. A session ends at the first of: logout, its absolute
lifetime (``DOZOR_SESSION_HOURS``), ``DOZOR_SESSION_IDLE_MINUTES`` without a request, or a
password change (which ends the user's other sessions). Each session has a CSRF token that
unsafe requests must echo (see ``dozor.web.auth``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, or_, select, update

from dozor.access.principal import aware
from dozor.settings import Settings
from dozor.store.schema import user_session

COOKIE_NAME = "dozor_session"
# last_seen_at is written at most this often, so busy pages do not write on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: ``cookie_value`` goes to the browser and is never stored."""

    id: str
    user_id: str
    cookie_value: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A session that is valid now."""

    id: str
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime


def session_id(cookie_value: str) -> str:
    """The stored id of a cookie value: its SHA-256 in hex."""
    return hashlib.sha256(cookie_value.encode("utf-8")).hexdigest()


def create_session(
    conn: Connection, user_id: str, *, settings: Settings, now: datetime
) -> NewSession:
    """Open a session for ``user_id``; also clears the user's ended sessions."""
    idle_cutoff = now - timedelta(minutes=settings.session_idle_minutes)
    conn.execute(
        delete(user_session).where(
            user_session.c.user_id == user_id,
            or_(
                user_session.c.revoked_at.is_not(None),
                user_session.c.expires_at <= now,
                user_session.c.last_seen_at <= idle_cutoff,
            ),
        )
    )
    cookie_value = secrets.token_urlsafe(32)
    new = NewSession(
        id=session_id(cookie_value),
        user_id=user_id,
        cookie_value=cookie_value,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + timedelta(hours=settings.session_hours),
    )
    conn.execute(
        user_session.insert(),
        {
            "id": new.id,
            "user_id": user_id,
            "csrf_token": new.csrf_token,
            "created_at": now,
            "expires_at": new.expires_at,
            "last_seen_at": now,
            "revoked_at": None,
        },
    )
    return new


def resolve_session(
    conn: Connection, cookie_value: str, *, settings: Settings, now: datetime
) -> ActiveSession | None:
    """The live session of a cookie value, or None (unknown, revoked, expired or idle).

    Refreshes ``last_seen_at`` (at most once a minute); the caller commits.
    """
    if not cookie_value or len(cookie_value) > 200:
        return None
    row = conn.execute(
        select(user_session).where(user_session.c.id == session_id(cookie_value))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    created, expires, seen = aware(row.created_at), aware(row.expires_at), aware(row.last_seen_at)
    assert created is not None and expires is not None and seen is not None
    if expires <= now or seen + timedelta(minutes=settings.session_idle_minutes) <= now:
        return None
    if now - seen >= TOUCH_INTERVAL:
        conn.execute(
            update(user_session).where(user_session.c.id == row.id).values(last_seen_at=now)
        )
        seen = now
    return ActiveSession(row.id, row.user_id, row.csrf_token, created, expires, seen)


def csrf_matches(session: ActiveSession, presented: str | None) -> bool:
    """Whether ``presented`` is the session's CSRF token (constant-time comparison)."""
    if not presented:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), presented.encode())


def revoke_session(conn: Connection, sid: str, *, now: datetime) -> bool:
    """End one session by its id; True when it was live."""
    done = conn.execute(
        update(user_session)
        .where(user_session.c.id == sid, user_session.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return done.rowcount > 0


def revoke_user_sessions(
    conn: Connection, user_id: str, *, now: datetime, keep: str | None = None
) -> int:
    """End every session of a user except ``keep``; returns how many were live."""
    query = update(user_session).where(
        user_session.c.user_id == user_id, user_session.c.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(user_session.c.id != keep)
    return conn.execute(query.values(revoked_at=now)).rowcount
