"""Who is asking: the authenticated user as the access policy sees them.

A :class:`Principal` is built once per request (from a session cookie or an API token) and
passed to the policy, the read path and the workflow. It carries exactly what those need;
nothing in it is a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Connection, select

from dozor.store.schema import agency, app_user

Scope = Literal["read", "write", "session"]
SCOPES: tuple[Scope, ...] = ("read", "write", "session")


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user of one agency.

    ``country`` is None for hub agencies (``is_hub``). ``scope`` is ``session`` for a browser
    login, else the API token's scope; a ``read`` principal may not change anything.
    """

    user_id: str
    username: str
    agency_id: str
    agency_code: str
    country: str | None
    is_hub: bool
    membership: str
    roles: frozenset[str]
    ui_lang: str
    scope: Scope
    clearance: str | None

    @property
    def may_write(self) -> bool:
        """Whether unsafe methods (POST, PUT, PATCH, DELETE) are allowed at all."""
        return self.scope != "read"

    def has_role(self, *roles: str) -> bool:
        """Whether the principal holds at least one of ``roles``."""
        return bool(self.roles.intersection(roles))


def aware(moment: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite returns naive ones)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def is_locked(status: str, locked_until: datetime | None, now: datetime) -> bool:
    """A lock-out holds while ``locked_until`` lies ahead (no date: until unlocked)."""
    if status != "locked":
        return False
    until = aware(locked_until)
    return until is None or until > now


def load_principal(
    conn: Connection, user_id: str, scope: Scope, *, now: datetime | None = None
) -> Principal | None:
    """The principal of an active user; None when the user is unknown, disabled or locked."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    row = conn.execute(
        select(
            app_user.c.id,
            app_user.c.username,
            app_user.c.roles,
            app_user.c.ui_lang,
            app_user.c.status,
            app_user.c.locked_until,
            app_user.c.clearance,
            agency.c.id.label("agency_id"),
            agency.c.code,
            agency.c.country,
            agency.c.membership,
        )
        .join(agency, agency.c.id == app_user.c.agency_id)
        .where(app_user.c.id == user_id)
    ).first()
    if row is None or row.status == "disabled":
        return None
    if is_locked(row.status, row.locked_until, now or datetime.now(UTC)):
        return None
    return Principal(
        user_id=row.id,
        username=row.username,
        agency_id=row.agency_id,
        agency_code=row.code,
        country=row.country,
        is_hub=row.country is None,
        membership=row.membership,
        roles=frozenset(r for r in row.roles.split(",") if r),
        ui_lang=row.ui_lang if row.ui_lang in ("en", "ru") else "en",
        scope=scope,
        clearance=row.clearance,
    )
