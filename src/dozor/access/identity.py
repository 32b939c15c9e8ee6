"""Users and their passwords (Argon2id). Login sessions and tokens build on this."""

from __future__ import annotations

from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Connection, select

from dozor.domain.ids import uuid7
from dozor.store.schema import agency, app_user

ROLES = frozenset(
    {"officer", "analyst", "supervisor", "ew_officer", "national_admin", "hub_admin", "auditor"}
)
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash with a fresh salt."""
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


class UnknownAgency(LookupError):
    """No agency with that code."""


def create_user(
    conn: Connection,
    *,
    username: str,
    agency_code: str,
    roles: list[str],
    password: str,
    display_name: str | None = None,
    ui_lang: str = "en",
) -> str:
    """Add a user; returns its id. Raises ``ValueError`` for an unknown role."""
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
    agency_id = conn.execute(select(agency.c.id).where(agency.c.code == agency_code)).scalar()
    if agency_id is None:
        raise UnknownAgency(agency_code)
    user_id = uuid7()
    conn.execute(app_user.insert(), {
        "id": user_id, "username": username, "display_name": display_name or username,
        "agency_id": agency_id, "roles": ",".join(sorted(roles)), "ui_lang": ui_lang,
        "status": "active", "password_hash": hash_password(password), "failed_logins": 0,
        "created_at": datetime.now(UTC),
    })  # fmt: skip
    return user_id


def user_exists(conn: Connection, username: str) -> bool:
    """Whether a username is taken."""
    found = conn.execute(select(app_user.c.id).where(app_user.c.username == username)).first()
    return found is not None
