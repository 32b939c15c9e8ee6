"""Hit/no-hit queries (DATA.md §2.8): does another agency hold this selector?

A query answers ``{"hit": false}`` or the owner agencies with a ``hit_ref`` each: never ids,
names or content. Every query is audited, and the audit log is also the daily rate limit.
`resolve_hit_ref` turns a ``hit_ref`` back into its index row for access requests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, func, or_, select

from dozor.access import audit
from dozor.access.hits import canonical_selector, digest
from dozor.access.keys import KeyStoreError, load_keys
from dozor.access.policy import Viewer
from dozor.access.workflow import WorkflowError
from dozor.domain.errors import InvalidValue
from dozor.settings import Settings
from dozor.store.schema import agency, audit_log, hit_digest

QUERY_ROLES = frozenset({"analyst", "officer", "supervisor"})


class AccessError(WorkflowError):
    """A refused hit query, access request or decision (HTTP status, code, en/ru message)."""


class Caller(Viewer, Protocol):
    """A principal acting: the policy's viewer plus the user id (``Principal`` fits)."""

    @property
    def user_id(self) -> str: ...


def queries_today(conn: Connection, user_id: str, now: datetime) -> int:
    """Hit queries of one user in the 24 hours before ``now`` (from the audit log)."""
    since = now - timedelta(days=1)
    return int(
        conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(
                audit_log.c.action == "hit_query",
                audit_log.c.actor_user_id == user_id,
                audit_log.c.at > since,
            )
        ).scalar_one()
    )


def query_selector(
    conn: Connection,
    principal: Caller,
    selector_type: str,
    value: str,
    reason: str,
    *,
    settings: Settings,
    now: datetime | None = None,
    country: str | None = None,
    channel: str = "api",
) -> dict[str, Any]:
    """Ask whether another agency holds a selector: ``{"hit": false}`` or owners and refs.

    Every query is written to the audit log (``hit_query``: selector type, digest, result
    count and reason; never the value), refused ones included: a refusal raises
    `AccessError` *after* writing its audit entry, so callers commit before reporting it.
    Refusals: a role other than analyst, officer or supervisor (403), the daily limit (429),
    no reason (422), a value that cannot be a selector (422), no network key (503).
    """
    moment = now or datetime.now(UTC)
    details: dict[str, Any] = {"selector_type": selector_type}

    def refuse(status: int, code: str, en: str, ru: str) -> AccessError:
        audit.record(
            conn,
            node=settings.node_code,
            action="hit_query",
            channel=channel,
            actor_user_id=principal.user_id,
            actor_agency_id=principal.agency_id,
            details={**details, "refused": code},
        )
        return AccessError(status, code, en, ru)

    if not principal.roles & QUERY_ROLES:
        raise refuse(
            403,
            "role",
            "hit queries need the role analyst, officer or supervisor",
            "для запросов hit/no-hit нужна роль analyst, officer или supervisor",
        )
    limit = settings.hit_query_daily_limit
    if queries_today(conn, principal.user_id, moment) >= limit:
        raise refuse(
            429,
            "rate_limited",
            f"daily limit of {limit} hit queries reached",
            f"исчерпан дневной лимит запросов hit/no-hit ({limit})",
        )
    if not reason or not reason.strip():
        raise refuse(
            422, "reason_required", "a reason is required", "нужно указать причину запроса"
        )
    details["reason"] = reason.strip()[:500]
    try:
        canonical = canonical_selector(
            selector_type, value, country=country, phone_region=principal.country
        )
    except InvalidValue as error:
        raise refuse(
            422,
            "invalid_selector",
            f"not a valid {selector_type}: {error.message}",
            f"недопустимый селектор {selector_type}: {error.message}",
        ) from None
    try:
        keys = load_keys(settings)
    except KeyStoreError:
        keys = {}
    if not keys:
        raise refuse(
            503, "no_network_key", "this node holds no network key", "на узле нет сетевого ключа"
        )
    current = keys[max(keys)]
    digests = {digest(k, selector_type, canonical) for k in keys.values()}
    details["digest"] = digest(current, selector_type, canonical)
    details["key_version"] = current.version
    rows = conn.execute(
        select(
            hit_digest.c.hit_ref,
            hit_digest.c.object_type,
            hit_digest.c.object_id,
            hit_digest.c.key_version,
            agency.c.code,
        )
        .join(agency, agency.c.id == hit_digest.c.owner_agency_id)
        .where(
            hit_digest.c.digest.in_(digests),
            hit_digest.c.selector_type == selector_type,
            or_(hit_digest.c.expires_at.is_(None), hit_digest.c.expires_at > moment),
            hit_digest.c.owner_agency_id != principal.agency_id,
        )
        .order_by(hit_digest.c.key_version.desc())
    ).all()
    best: dict[tuple[str, str], Any] = {}
    for row in rows:  # one match per object: the newest key version's reference
        best.setdefault((row.object_type, row.object_id), row)
    matches = sorted(
        (
            {"owner_agency": r.code, "hit_ref": r.hit_ref, "selector_type": selector_type}
            for r in best.values()
        ),
        key=lambda m: (m["owner_agency"], m["hit_ref"]),
    )
    details["result_count"] = len(matches)
    audit.record(
        conn,
        node=settings.node_code,
        action="hit_query",
        channel=channel,
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        details=details,
    )
    if not matches:
        return {"hit": False}
    return {"hit": True, "matches": matches}


def resolve_hit_ref(conn: Connection, hit_ref: str, now: datetime) -> dict[str, Any] | None:
    """The index row behind a ``hit_ref`` (not expired), for access requests; else None."""
    row = (
        conn.execute(
            select(hit_digest).where(
                hit_digest.c.hit_ref == hit_ref,
                or_(hit_digest.c.expires_at.is_(None), hit_digest.c.expires_at > now),
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
