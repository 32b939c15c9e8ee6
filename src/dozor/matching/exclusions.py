"""Values taken out of correlation, and the frequent values an analyst may want to take out.

An exclusion (an agency's switchboard number, a placeholder passport ``KAZ:000000``) stops a
value from correlating for every viewer of the node. Analysts, supervisors and admins manage
the list; every change is audited (``correlation_exclude`` / ``correlation_include``, ids and
the kind only: the audit log holds no content).

`frequent_values` lists values held by more than ``DOZOR_CORRELATION_MAX_FREQUENCY`` records.
For the node operator (no viewer) it counts the whole index; for a user it counts only the
records that user may see, and lists a value only when that visible count is over the limit,
so the list reveals nothing about hidden records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select

from dozor.access import audit
from dozor.access.policy import Viewer
from dozor.domain.ids import uuid7
from dozor.matching.correlation import OBJECT_KINDS, excluded_values, visible
from dozor.matching.errors import MatchingError, forbidden_role, not_found
from dozor.matching.selector_index import KIND_OBJECT, KINDS, canonical
from dozor.store.schema_matching import selector_entry, selector_exclusion

MANAGE_ROLES = frozenset({"analyst", "supervisor", "national_admin", "hub_admin"})
REASON_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changes the list: a user (with roles and agency), or the node operator (CLI)."""

    user_id: str | None
    agency_id: str | None
    roles: frozenset[str]


OPERATOR = Actor(None, None, frozenset({"hub_admin"}))


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "value": r.value,
        "reason": r.reason,
        "created_by": r.created_by,
        "created_at": r.created_at,
    }


def require_manager(actor: Actor) -> None:
    """Refuse (403) anyone who may not manage the exclusion list."""
    if not actor.roles & MANAGE_ROLES:
        raise forbidden_role(" / ".join(sorted(MANAGE_ROLES)))


def add_exclusion(
    conn: Connection,
    actor: Actor,
    kind: str,
    value: str,
    reason: str,
    *,
    country: str | None = None,
    node: str,
    channel: str = "api",
) -> dict[str, Any]:
    """Exclude one value (canonicalised first; it must be a valid selector)."""
    require_manager(actor)
    if kind not in KINDS:
        raise MatchingError(
            422,
            "unknown_code",
            f"kind: unknown selector kind {kind!r}; one of {', '.join(KINDS)}",
            f"kind: неизвестный вид селектора {kind!r}; допустимо: {', '.join(KINDS)}",
        )
    selector = canonical(kind, value, country)
    if not selector.valid:
        raise MatchingError(
            422,
            selector.flag or "invalid_value",
            f"value: {value!r} is not a valid {kind} ({selector.flag}); "
            'give the country for documents and plates (--country / "country")',
            f"value: {value!r} не является допустимым значением {kind} ({selector.flag}); "
            "для документов и номеров укажите страну",
        )
    text = " ".join(reason.split())
    if not text or len(text) > REASON_LIMIT:
        raise MatchingError(
            422,
            "required_missing" if not text else "too_long",
            f"reason: required, at most {REASON_LIMIT} characters",
            f"reason: обязательно, не более {REASON_LIMIT} символов",
        )
    if excluded_values(conn, {(kind, selector.value)}):
        raise MatchingError(
            409,
            "already_excluded",
            f"{kind} {selector.value} is already excluded",
            f"{kind} {selector.value} уже исключён",
        )
    exclusion_id = uuid7()
    row: dict[str, Any] = {
        "id": exclusion_id,
        "kind": kind,
        "value": selector.value,
        "reason": text,
        "created_by": actor.user_id,
        "created_agency_id": actor.agency_id,
        "created_at": datetime.now(UTC),
    }
    conn.execute(selector_exclusion.insert(), row)
    audit.record(
        conn,
        node=node,
        action="correlation_exclude",
        channel=channel,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        object_type="selector_exclusion",
        object_ids=[exclusion_id],
        details={"kind": kind},
    )
    return {k: row[k] for k in ("id", "kind", "value", "reason", "created_by", "created_at")}


def remove_exclusion(
    conn: Connection, actor: Actor, exclusion_id: str, *, node: str, channel: str = "api"
) -> None:
    """Let an excluded value correlate again."""
    require_manager(actor)
    found = conn.execute(
        select(selector_exclusion.c.kind).where(selector_exclusion.c.id == exclusion_id)
    ).first()
    if found is None:
        raise not_found("exclusion", "исключение")
    conn.execute(delete(selector_exclusion).where(selector_exclusion.c.id == exclusion_id))
    audit.record(
        conn,
        node=node,
        action="correlation_include",
        channel=channel,
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        object_type="selector_exclusion",
        object_ids=[exclusion_id],
        details={"kind": found.kind},
    )


def list_exclusions(conn: Connection) -> list[dict[str, Any]]:
    """The exclusion list, newest first."""
    rows = conn.execute(
        select(selector_exclusion).order_by(
            selector_exclusion.c.created_at.desc(), selector_exclusion.c.id
        )
    )
    return [_row(r) for r in rows]


def frequent_values(
    conn: Connection,
    *,
    threshold: int,
    viewer: Viewer | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Valid values held by more than ``threshold`` records, most frequent first.

    Without a viewer: counts over the whole index (the node operator's view). With one:
    ``count`` is the number of records that viewer may see, and values at or under the
    threshold for that viewer are left out.
    """
    moment = now or datetime.now(UTC)
    n = func.count().label("n")
    rows = conn.execute(
        select(selector_entry.c.kind, selector_entry.c.value, n)
        .where(selector_entry.c.valid.is_(True))
        .group_by(selector_entry.c.kind, selector_entry.c.value)
        .having(func.count() > threshold)
        .order_by(n.desc(), selector_entry.c.kind, selector_entry.c.value)
        .limit(limit if viewer is None else max(limit * 5, 500))
    ).all()
    excluded = excluded_values(conn, {(r.kind, r.value) for r in rows})
    found: list[dict[str, Any]] = []
    for r in rows:
        count = int(r.n)
        if viewer is not None:
            kind = OBJECT_KINDS.get(KIND_OBJECT[r.kind])
            if kind is None:
                continue
            count = int(
                conn.execute(
                    select(func.count())
                    .select_from(selector_entry)
                    .join(kind.table, kind.table.c.id == selector_entry.c.object_id)
                    .where(
                        selector_entry.c.kind == r.kind,
                        selector_entry.c.value == r.value,
                        selector_entry.c.valid.is_(True),
                        visible(kind, viewer, moment),
                    )
                ).scalar_one()
            )
            if count <= threshold:
                continue
        found.append(
            {
                "kind": r.kind,
                "value": r.value,
                "count": count,
                "excluded": (r.kind, r.value) in excluded,
            }
        )
        if len(found) >= limit:
            break
    found.sort(key=lambda f: (-f["count"], f["kind"], f["value"]))
    return found
