"""Access requests and grants (DATA.md §2.9, §3.12, §7.6): after a hit, ask the owner.

1. **Request.** A user who got a ``hit_ref`` from a hit query files an access request; the
   owner agency is resolved from the index, never told to the requester beyond its code.
2. **Decision.** Only a supervisor of the owner agency decides: ``approved``,
   ``partially_approved`` (a narrower scope, with a reason), ``declined`` (with a reason) or
   ``clarification_requested`` (with a reason).
3. **Grant.** Approval creates ``access_grant`` rows for the requester's agency: one for the
   nominal object and one for each validated or released seizure of the owner it is linked to,
   so that the requester reads the seizure's non-nominal part and the nominal part (a nominal
   part is never visible without its seizure). The access policy honours active grants.
4. **End.** A grant ends at ``expires_at`` (default +180 days) or when revoked; the policy
   ignores expired and revoked grants from that moment.

Every step is written to the audit log (``access_request``, ``access_decision``, ``grant``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from dozor.access import audit
from dozor.access.hits import AccessError, Caller, resolve_hit_ref
from dozor.domain.errors import InvalidValue
from dozor.domain.ids import uuid7
from dozor.domain.markings import format_handling, parse_handling, parse_tlp
from dozor.settings import Settings
from dozor.store.schema import (
    access_grant,
    access_request,
    agency,
    conveyance,
    event_outbox,
    person,
    seizure,
    seizure_conveyance,
    seizure_person,
)

SCOPES = ("identity", "documents", "phones", "conveyance", "organisation", "seizure_details")
PRIORITIES = ("routine", "urgent", "immediate")
DECISIONS = ("approved", "partially_approved", "declined", "clarification_requested")
OPEN_STATUSES = ("submitted", "clarification_requested")
REQUEST_ROLES = frozenset({"analyst", "officer", "supervisor"})
NEEDS_REASON = ("partially_approved", "declined", "clarification_requested")
MAX_GRANT_DAYS = 3650


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _require_writer(principal: Caller) -> None:
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
    _require_writer(principal)
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
    _event(
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


def _event(
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


# -- decision ---------------------------------------------------------------------------------


def _load(conn: Connection, request_id: str) -> dict[str, Any]:
    row = (
        conn.execute(select(access_request).where(access_request.c.id == request_id))
        .mappings()
        .first()
    )
    if row is None:
        raise AccessError(404, "not_found", "no such access request", "запрос не найден")
    return dict(row)


def _require_owner_supervisor(record: dict[str, Any], principal: Caller, what: str) -> None:
    if principal.agency_id != record["owner_agency_id"]:
        if principal.agency_id == record.get("requester_agency_id"):
            raise AccessError(
                403,
                "not_owner",
                f"only the owner agency may {what}",
                "это решает только ведомство-владелец",
            )
        raise AccessError(404, "not_found", "no such access request", "запрос не найден")
    if "supervisor" not in principal.roles:
        raise AccessError(
            403, "role", f"only a supervisor may {what}", "это может только supervisor"
        )


def _linked_seizures(conn: Connection, object_type: str, object_id: str, owner: str) -> list[str]:
    link, column = (
        (seizure_person, "person_id")
        if object_type == "person"
        else (seizure_conveyance, "conveyance_id")
    )
    rows = conn.execute(
        select(seizure.c.id)
        .join(link, link.c.seizure_id == seizure.c.id)
        .where(
            link.c[column] == object_id,
            seizure.c.owner_agency_id == owner,
            seizure.c.status.in_(("validated", "released")),
        )
        .order_by(seizure.c.id)
    ).scalars()
    return list(rows)


def _object_exists(conn: Connection, object_type: str, object_id: str) -> bool:
    if object_type == "person":
        query = select(person.c.id).where(person.c.id == object_id, person.c.erased_at.is_(None))
    else:
        query = select(conveyance.c.id).where(conveyance.c.id == object_id)
    return conn.execute(query).first() is not None


def decide(
    conn: Connection,
    principal: Caller,
    request_id: str,
    decision: str,
    reason: str | None = None,
    scope: str | list[str] | None = None,
    expires_days: int | None = None,
    handling: str = "H2",
    tlp: str = "AMBER",
    *,
    settings: Settings,
    now: datetime | None = None,
    channel: str = "api",
) -> dict[str, Any]:
    """The owner supervisor's decision; returns the request as the decider sees it.

    ``approved`` grants the requested scope (or ``scope``); ``partially_approved`` needs a
    ``scope`` within the requested one and a reason; ``declined`` and
    ``clarification_requested`` need a reason. Grants last ``expires_days`` (default
    ``DOZOR_GRANT_DEFAULT_DAYS``) with ``handling`` (default H2) and ``tlp`` (default AMBER).
    """
    moment = _now(now)
    _require_writer(principal)
    record = _load(conn, request_id)
    _require_owner_supervisor(record, principal, "decide an access request")
    if decision not in DECISIONS:
        raise AccessError(
            422,
            "unknown_code",
            f"decision is one of {', '.join(DECISIONS)}",
            f"решение: одно из {', '.join(DECISIONS)}",
        )
    if record["status"] not in OPEN_STATUSES:
        raise AccessError(
            409,
            "status",
            f"the request is {record['status']} already",
            f"запрос уже в статусе {record['status']}",
        )
    reason_text = (reason or "").strip()
    if decision in NEEDS_REASON and not reason_text:
        raise AccessError(
            422,
            "reason_required",
            f"a reason is required for {decision}",
            f"для решения {decision} нужна причина",
        )
    if len(reason_text) > 2000:
        raise AccessError(
            422,
            "too_long",
            "the reason is longer than 2000 characters",
            "причина длиннее 2000 символов",
        )
    requested = parse_scope(record["requested_scope"])
    granted = parse_scope(scope) or requested
    if not set(granted) <= set(requested):
        raise AccessError(
            422,
            "scope",
            "the granted scope must lie within the requested one",
            "предоставляемый объём должен входить в запрошенный",
        )
    if decision == "partially_approved" and set(granted) == set(requested):
        raise AccessError(
            422,
            "scope",
            "a partial approval grants less than was requested",
            "частичное одобрение даёт меньше запрошенного",
        )
    grant_ids: list[str] = []
    values: dict[str, Any] = {
        "status": decision,
        "decided_by": principal.user_id,
        "decided_at": moment,
        "decision_reason": reason_text or None,
    }
    if decision in ("approved", "partially_approved"):
        grant_ids = _grant(
            conn,
            record,
            principal,
            granted,
            expires_days,
            handling,
            tlp,
            settings=settings,
            now=moment,
            channel=channel,
        )
        values["grant_id"] = grant_ids[0]
    conn.execute(update(access_request).where(access_request.c.id == request_id).values(**values))
    _event(
        conn,
        "access_decision",
        request_id,
        moment,
        {"to_agency_id": record["requester_agency_id"], "decision": decision},
    )
    audit.record(
        conn,
        node=settings.node_code,
        action="access_decision",
        channel=channel,
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        object_type="access_request",
        object_ids=[request_id],
        details={
            "decision": decision,
            "scope": granted if grant_ids else [],
            "grant_ids": grant_ids,
        },
    )
    found = get_request(conn, principal, request_id, now=moment)
    assert found is not None
    return found


def _grant(
    conn: Connection,
    record: dict[str, Any],
    principal: Caller,
    scope: list[str],
    expires_days: int | None,
    handling: str,
    tlp: str,
    *,
    settings: Settings,
    now: datetime,
    channel: str,
) -> list[str]:
    days = settings.grant_default_days if expires_days is None else expires_days
    if not 1 <= days <= MAX_GRANT_DAYS:
        raise AccessError(
            422,
            "out_of_range",
            f"expiry is 1 to {MAX_GRANT_DAYS} days",
            f"срок: от 1 до {MAX_GRANT_DAYS} дней",
        )
    try:
        codes, h3_text = parse_handling(handling)
        tlp_code = parse_tlp(tlp)
    except InvalidValue as error:
        raise AccessError(422, error.code, error.message, error.message) from None
    if not _object_exists(conn, record["object_type"], record["object_id"]):
        raise AccessError(
            409, "object_gone", "the object no longer exists", "объект больше не существует"
        )
    objects = [(record["object_type"], record["object_id"])]
    objects += [
        ("seizure", s)
        for s in _linked_seizures(
            conn, record["object_type"], record["object_id"], record["owner_agency_id"]
        )
    ]
    expires = now + timedelta(days=days)
    rows = [
        {
            "id": uuid7(),
            "request_id": record["id"],
            "grantee_agency_id": record["requester_agency_id"],
            "object_type": kind,
            "object_id": object_id,
            "scope": ",".join(scope),
            "handling": format_handling(codes, h3_text),
            "tlp": tlp_code,
            "created_at": now,
            "expires_at": expires,
            "revoked_at": None,
        }
        for kind, object_id in objects
    ]
    conn.execute(insert(access_grant), rows)
    ids = [r["id"] for r in rows]
    audit.record(
        conn,
        node=settings.node_code,
        action="grant",
        channel=channel,
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        object_type="access_grant",
        object_ids=ids,
        details={
            "change": "granted",
            "request_id": record["id"],
            "grantee_agency_id": record["requester_agency_id"],
            "objects": [o[1] for o in objects],
            "expires_at": expires.isoformat(),
        },
    )
    return ids


def revoke_grant(
    conn: Connection,
    principal: Caller,
    grant_id: str,
    reason: str | None = None,
    *,
    settings: Settings,
    now: datetime | None = None,
    channel: str = "api",
) -> list[str]:
    """Revoke a grant with all grants of the same decision; returns the ids revoked.

    Only a supervisor of the owner agency may revoke. The request becomes ``revoked``.
    """
    moment = _now(now)
    _require_writer(principal)
    row = conn.execute(select(access_grant).where(access_grant.c.id == grant_id)).mappings().first()
    if row is None:
        raise AccessError(404, "not_found", "no such grant", "разрешение не найдено")
    record: dict[str, Any]
    if row["request_id"] is not None:
        record = _load(conn, row["request_id"])
    else:
        record = {
            "id": None,
            "owner_agency_id": _owner_of(conn, row["object_type"], row["object_id"]),
            "requester_agency_id": row["grantee_agency_id"],
        }
    _require_owner_supervisor(record, principal, "revoke a grant")
    if row["revoked_at"] is not None:
        raise AccessError(409, "status", "the grant is revoked already", "разрешение уже отозвано")
    bundle = (
        access_grant.c.request_id == row["request_id"]
        if row["request_id"]
        else access_grant.c.id == grant_id
    )
    ids = list(
        conn.execute(
            select(access_grant.c.id).where(bundle, access_grant.c.revoked_at.is_(None))
        ).scalars()
    )
    conn.execute(update(access_grant).where(access_grant.c.id.in_(ids)).values(revoked_at=moment))
    if record["id"] is not None:
        conn.execute(
            update(access_request)
            .where(access_request.c.id == record["id"])
            .values(status="revoked")
        )
        _event(
            conn,
            "grant_revoked",
            record["id"],
            moment,
            {"to_agency_id": record["requester_agency_id"]},
        )
    audit.record(
        conn,
        node=settings.node_code,
        action="grant",
        channel=channel,
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        object_type="access_grant",
        object_ids=ids,
        details={
            "change": "revoked",
            "request_id": record["id"],
            "reason_given": bool((reason or "").strip()),
        },
    )
    return ids


def _owner_of(conn: Connection, object_type: str, object_id: str) -> str | None:
    table = {"person": person, "conveyance": conveyance, "seizure": seizure}.get(object_type)
    if table is None:
        return None
    found = conn.execute(select(table.c.owner_agency_id).where(table.c.id == object_id)).first()
    return found.owner_agency_id if found else None


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
    _require_writer(principal)
    record = _load(conn, request_id)
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
