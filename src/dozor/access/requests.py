"""Access requests (DATA.md §2.9, §3.12, §7.6): after a hit, ask the owner.

1. **Request.** A user who got a ``hit_ref`` from a hit query files an access request; the
   owner agency is resolved from the index, never told to the requester beyond its code.
   The requester's agency may withdraw it while it is open.
2. **Decision, grant, end**: see `dozor.access.grants`.

Both agencies list their requests, sent and received. Every step is written to the audit log
(``access_request``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from dozor.access import audit
from dozor.access.hit_query import AccessError, Caller, resolve_hit_ref
from dozor.domain.ids import uuid7
from dozor.settings import Settings
from dozor.store.schema import access_grant, access_request, agency, event_outbox

SCOPES = ("identity", "documents", "phones", "conveyance", "organisation", "seizure_details")
PRIORITIES = ("routine", "urgent", "immediate")
OPEN_STATUSES = ("submitted", "clarification_requested")
REQUEST_ROLES = frozenset({"analyst", "officer", "supervisor"})


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def require_writer(principal: Caller) -> None:
    """Refuse a read-only token (403)."""
    if getattr(principal, "scope", None) == "read":
        raise AccessError(
            403, "read_only", "this token is read-only", "этот токен только для чтения"
        )


def _required(value: str | None, name: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise AccessError(
            422, "required_missing", f"{name} is required", f"поле {name} обязательно"
        )
    if len(text) > limit:
        raise AccessError(
            422,
            "too_long",
            f"{name} is longer than {limit} characters",
            f"поле {name} длиннее {limit} символов",
        )
    return text


def parse_scope(scope: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``identity,documents`` or a list → checked codes in the order of `SCOPES`."""
    if scope is None:
        return []
    parts = scope.split(",") if isinstance(scope, str) else list(scope)
    codes = {p.strip().lower() for p in parts if p and p.strip()}
    unknown = codes - set(SCOPES)
    if unknown:
        raise AccessError(
            422,
            "unknown_code",
            f"unknown scope {', '.join(sorted(unknown))}; one of {', '.join(SCOPES)}",
            f"неизвестный объём {', '.join(sorted(unknown))}",
        )
    return [s for s in SCOPES if s in codes]


def due_at(priority: str, created: datetime) -> datetime:
    """Decision due (DATA.md §3.12): routine 5 working days (Mon–Fri), urgent 24 h,
    immediate 4 h."""
    if priority == "immediate":
        return created + timedelta(hours=4)
    if priority == "urgent":
        return created + timedelta(hours=24)
    moment, left = created, 5
    while left:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


# -- request ----------------------------------------------------------------------------------


def request_access(
    conn: Connection,
    principal: Caller,
    hit_ref: str,
    purpose: str,
    justification: str,
    legal_basis: str,
    requested_scope: str | list[str],
    priority: str = "routine",
    *,
    settings: Settings,
    now: datetime | None = None,
    channel: str = "api",
) -> str:
    """File an access request for the object behind ``hit_ref``; returns the request id."""
    moment = _now(now)
    require_writer(principal)
    if not principal.roles & REQUEST_ROLES:
        raise AccessError(
            403,
            "role",
            "access requests need the role analyst, officer or supervisor",
            "для запроса доступа нужна роль analyst, officer или supervisor",
        )
    texts = {
        "purpose": _required(purpose, "purpose", 200),
        "justification": _required(justification, "justification", 2000),
        "legal_basis": _required(legal_basis, "legal_basis", 200),
    }
    scope = parse_scope(requested_scope)
    if not scope:
        raise AccessError(
            422,
            "required_missing",
            "requested_scope is required",
            "нужно указать запрашиваемый объём",
        )
    if priority not in PRIORITIES:
        raise AccessError(
            422,
            "unknown_code",
            f"priority is one of {', '.join(PRIORITIES)}",
            f"приоритет: одно из {', '.join(PRIORITIES)}",
        )
    target = resolve_hit_ref(conn, (hit_ref or "").strip(), moment)
    if target is None:
        raise AccessError(
            404, "not_found", "no such hit reference", "такая ссылка на совпадение не найдена"
        )
    if target["owner_agency_id"] == principal.agency_id:
        raise AccessError(
            422,
            "own_data",
            "this reference is your own agency's data",
            "это данные вашего ведомства",
        )
    duplicate = conn.execute(
        select(access_request.c.id).where(
            access_request.c.requester_agency_id == principal.agency_id,
            access_request.c.object_id == target["object_id"],
            access_request.c.status.in_(OPEN_STATUSES),
        )
    ).first()
    if duplicate is not None:
        raise AccessError(
            409,
            "duplicate",
            f"your agency has an open request for this already ({duplicate.id})",
            f"по этому объекту уже есть открытый запрос ({duplicate.id})",
        )
    request_id = uuid7()
    conn.execute(
        insert(access_request),
        {
            "id": request_id,
            "hit_ref": target["hit_ref"],
            "selector_type": target["selector_type"],
            "requester_agency_id": principal.agency_id,
            "requester_user_id": principal.user_id,
            "owner_agency_id": target["owner_agency_id"],
            "object_type": target["object_type"],
            "object_id": target["object_id"],
            **texts,
            "requested_scope": ",".join(scope),
            "priority": priority,
            "status": "submitted",
            "created_at": moment,
        },
    )
    queue_event(
        conn,
        "access_request",
        request_id,
        moment,
        {"to_agency_id": target["owner_agency_id"], "priority": priority},
    )
    audit.record(
        conn,
        node=settings.node_code,
        action="access_request",
        channel=channel,
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        object_type="access_request",
        object_ids=[request_id],
        details={"hit_ref": target["hit_ref"], "priority": priority, "scope": scope},
    )
    return request_id


def queue_event(
    conn: Connection, kind: str, object_id: str, now: datetime, payload: dict[str, Any]
) -> None:
    """An outbox event that alert rules turn into notifications (ids and codes only)."""
    conn.execute(
        insert(event_outbox),
        {
            "at": now,
            "event_type": kind,
            "object_type": "access_request",
            "object_id": object_id,
            "payload": json.dumps(payload),
        },
    )


def load_request(conn: Connection, request_id: str) -> dict[str, Any]:
    """One access request row; raises `AccessError` (404) if there is none."""
    row = (
        conn.execute(select(access_request).where(access_request.c.id == request_id))
        .mappings()
        .first()
    )
    if row is None:
        raise AccessError(404, "not_found", "no such access request", "запрос не найден")
    return dict(row)


def withdraw_request(
    conn: Connection,
    principal: Caller,
    request_id: str,
    *,
    settings: Settings,
    now: datetime | None = None,
    channel: str = "api",
) -> None:
    """The requester's agency withdraws an open request."""
    require_writer(principal)
    record = load_request(conn, request_id)
    if principal.agency_id != record["requester_agency_id"]:
        raise AccessError(404, "not_found", "no such access request", "запрос не найден")
    if record["status"] not in OPEN_STATUSES:
        raise AccessError(
            409,
            "status",
            f"the request is {record['status']} already",
            f"запрос уже в статусе {record['status']}",
        )
    conn.execute(
        update(access_request).where(access_request.c.id == request_id).values(status="withdrawn")
    )
    audit.record(
        conn,
        node=settings.node_code,
        action="access_request",
        channel=channel,
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        object_type="access_request",
        object_ids=[request_id],
        details={"change": "withdrawn"},
    )


# -- listing ----------------------------------------------------------------------------------

_requester = agency.alias("requester_agency")
_owner = agency.alias("owner_agency")


def list_requests(
    conn: Connection,
    principal: Caller,
    *,
    now: datetime | None = None,
    request_id: str | None = None,
    direction: str | None = None,
) -> list[dict[str, Any]]:
    """Requests of the caller's agency, sent and received, newest first.

    The requester sees the owner agency's code, the status and the decision; the object
    behind the request only once a grant is active (then as the granted object ids). The
    owner also sees which of its objects is asked for. ``status`` shows ``expired`` once every
    grant of an approval has run out.
    """
    moment = _now(now)
    query = (
        select(
            access_request,
            _requester.c.code.label("requester_agency"),
            _owner.c.code.label("owner_agency"),
        )
        .join(_requester, _requester.c.id == access_request.c.requester_agency_id)
        .join(_owner, _owner.c.id == access_request.c.owner_agency_id)
        .where(
            or_(
                access_request.c.requester_agency_id == principal.agency_id,
                access_request.c.owner_agency_id == principal.agency_id,
            )
        )
        .order_by(access_request.c.created_at.desc(), access_request.c.id.desc())
    )
    if request_id is not None:
        query = query.where(access_request.c.id == request_id)
    if direction == "sent":
        query = query.where(access_request.c.requester_agency_id == principal.agency_id)
    elif direction == "received":
        query = query.where(access_request.c.owner_agency_id == principal.agency_id)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    grants: dict[str, list[dict[str, Any]]] = {}
    ids = [r["id"] for r in rows]
    if ids:
        for g in conn.execute(
            select(access_grant)
            .where(access_grant.c.request_id.in_(ids))
            .order_by(access_grant.c.created_at, access_grant.c.id)
        ).mappings():
            grants.setdefault(g["request_id"], []).append(dict(g))
    return [_shape(r, grants.get(r["id"], []), principal, moment) for r in rows]


def _shape(
    row: dict[str, Any], grants: list[dict[str, Any]], principal: Caller, now: datetime
) -> dict[str, Any]:
    received = row["owner_agency_id"] == principal.agency_id
    created = _aware(row["created_at"])
    assert created is not None
    shaped_grants = []
    for g in grants:
        expires = _aware(g["expires_at"])
        active = g["revoked_at"] is None and expires is not None and expires > now
        if received or active:
            shaped_grants.append(
                {
                    "id": g["id"],
                    "object_type": g["object_type"],
                    "object_id": g["object_id"],
                    "scope": parse_scope(g["scope"]),
                    "handling": g["handling"],
                    "tlp": g["tlp"],
                    "expires_at": expires,
                    "revoked_at": _aware(g["revoked_at"]),
                    "active": active,
                }
            )
    status = row["status"]
    if (
        status in ("approved", "partially_approved")
        and grants
        and not any(
            g["revoked_at"] is None and (_aware(g["expires_at"]) or now) > now for g in grants
        )
    ):
        status = "expired"
    shaped: dict[str, Any] = {
        "id": row["id"],
        "direction": "received" if received else "sent",
        "status": status,
        "hit_ref": row["hit_ref"],
        "selector_type": row["selector_type"],
        "requester_agency": row["requester_agency"],
        "owner_agency": row["owner_agency"],
        "purpose": row["purpose"],
        "justification": row["justification"],
        "legal_basis": row["legal_basis"],
        "requested_scope": parse_scope(row["requested_scope"]),
        "priority": row["priority"],
        "created_at": created,
        "due_at": due_at(row["priority"], created),
        "decided_at": _aware(row["decided_at"]),
        "decision_reason": row["decision_reason"],
        "grant_id": row["grant_id"],
        "grants": shaped_grants,
    }
    if received:
        shaped["object_type"] = row["object_type"]
        shaped["object_id"] = row["object_id"]
        shaped["requester_user_id"] = row["requester_user_id"]
        shaped["decided_by"] = row["decided_by"]
    return shaped


def get_request(
    conn: Connection, principal: Caller, request_id: str, *, now: datetime | None = None
) -> dict[str, Any] | None:
    """One request of the caller's agency (sent or received), or None."""
    found = list_requests(conn, principal, now=now, request_id=request_id)
    return found[0] if found else None
