"""Units of agencies (DATA.md §3.1) and users' roles: the parts of the directory that admins edit.

Agencies are in ``agencies.py``, users and passwords in ``identity.py``. Errors are
:class:`IdentityError` with English and Russian messages, as there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from dozor.access.identity import ROLES, IdentityError
from dozor.domain.codes import code_list
from dozor.domain.ids import uuid7
from dozor.domain.places import crossing_points
from dozor.store.schema import agency, app_user, crossing_point, unit


def create_unit(
    conn: Connection,
    *,
    agency_id: str,
    kind: str,
    name_en: str,
    name_ru: str | None = None,
    bcp_code: str | None = None,
) -> str:
    """Add a unit to an agency; returns its id. ``bcp_post`` and ``blo`` units need a BCP."""
    row = conn.execute(
        select(agency.c.code, agency.c.country).where(agency.c.id == agency_id)
    ).first()
    if row is None:
        raise IdentityError("unknown_agency", "unknown agency", "неизвестное ведомство")
    entry = code_list("unit_kinds").lookup(kind)
    if entry is None:
        allowed = ", ".join(code_list("unit_kinds").codes())
        raise IdentityError(
            "unit_kind",
            f"unknown unit kind {kind!r}; use one of {allowed}",
            f"неизвестный вид подразделения {kind!r}; допустимо: {allowed}",
        )
    name_en = name_en.strip()
    name_ru = (name_ru or "").strip() or name_en
    if not name_en:
        raise IdentityError(
            "unit_name", "the unit needs a name", "у подразделения должно быть название"
        )
    bcp = (bcp_code or "").strip() or None
    if entry.attrs.get("needs_bcp") and bcp is None:
        raise IdentityError(
            "unit_bcp",
            f"a unit of kind {entry.code} needs its crossing point",
            f"для подразделения вида {entry.code} нужен пункт пропуска",
        )
    if bcp is not None:
        point = next((p for p in crossing_points() if p.code == bcp), None)
        if point is None or (row.country and point.country != row.country):
            raise IdentityError(
                "unit_bcp",
                f"{bcp!r} is not a crossing point of {row.country or 'this agency'}",
                f"{bcp!r} — не пункт пропуска страны {row.country or 'ведомства'}",
            )
        known = conn.execute(select(crossing_point.c.code).where(crossing_point.c.code == bcp))
        if known.first() is None:
            raise IdentityError(
                "unit_bcp",
                f"crossing point {bcp} is not registered on this node",
                f"пункт пропуска {bcp} не зарегистрирован на этом узле",
            )
    unit_id = uuid7()
    conn.execute(
        unit.insert(),
        {
            "id": unit_id,
            "agency_id": agency_id,
            "name_en": name_en[:300],
            "name_ru": name_ru[:300],
            "kind": entry.code,
            "bcp_code": bcp,
        },
    )
    return unit_id


def list_units(conn: Connection, agency_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Units with their agency's code, by agency and name (``agency_ids``: only those)."""
    query = (
        select(
            unit.c.id,
            unit.c.agency_id,
            agency.c.code.label("agency"),
            unit.c.kind,
            unit.c.name_en,
            unit.c.name_ru,
            unit.c.bcp_code,
        )
        .join(agency, agency.c.id == unit.c.agency_id)
        .order_by(agency.c.code, unit.c.name_en)
    )
    if agency_ids is not None:
        query = query.where(unit.c.agency_id.in_(agency_ids))
    return [dict(r._mapping) for r in conn.execute(query)]


def set_roles(conn: Connection, user_id: str, roles: list[str]) -> None:
    """Replace a user's roles (at least one, each known); effective on the next request."""
    if not roles:
        raise IdentityError(
            "roles", "a user needs at least one role", "пользователю нужна хотя бы одна роль"
        )
    unknown = set(roles) - ROLES
    if unknown:
        names = ", ".join(sorted(unknown))
        raise IdentityError("roles", f"unknown role(s): {names}", f"неизвестные роли: {names}")
    conn.execute(
        update(app_user).where(app_user.c.id == user_id).values(roles=",".join(sorted(set(roles))))
    )
