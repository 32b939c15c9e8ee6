"""Decisions on access requests and the grants they create (DATA.md §2.9, §3.12, §7.6).

Access requests are filed in `dozor.access.requests`; then:

1. **Decision.** Only a supervisor of the owner agency decides: ``approved``,
   ``partially_approved`` (a narrower scope, with a reason), ``declined`` (with a reason) or
   ``clarification_requested`` (with a reason).
2. **Grant.** Approval creates ``access_grant`` rows for the requester's agency: one for the
   nominal object and one for each validated or released seizure of the owner it is linked to,
   so that the requester reads the seizure's non-nominal part and the nominal part (a nominal
   part is never visible without its seizure). The access policy honours active grants.
3. **End.** A grant ends at ``expires_at`` (default +180 days) or when revoked; the policy
   ignores expired and revoked grants from that moment.

Every step is written to the audit log (``access_decision``, ``grant``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from dozor.access import audit
from dozor.access.hit_query import AccessError, Caller
from dozor.access.requests import (
    OPEN_STATUSES,
    get_request,
    load_request,
    parse_scope,
    queue_event,
    require_writer,
)
from dozor.domain.errors import InvalidValue
from dozor.domain.ids import uuid7
from dozor.domain.markings import format_handling, parse_handling, parse_tlp
from dozor.settings import Settings
from dozor.store.schema import (
    access_grant,
    access_request,
    conveyance,
    person,
    seizure,
    seizure_conveyance,
    seizure_person,
)

DECISIONS = ("approved", "partially_approved", "declined", "clarification_requested")
NEEDS_REASON = ("partially_approved", "declined", "clarification_requested")
MAX_GRANT_DAYS = 3650


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
    moment = now or datetime.now(UTC)
    require_writer(principal)
    record = load_request(conn, request_id)
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
    queue_event(
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
    moment = now or datetime.now(UTC)
    require_writer(principal)
    row = conn.execute(select(access_grant).where(access_grant.c.id == grant_id)).mappings().first()
    if row is None:
        raise AccessError(404, "not_found", "no such grant", "разрешение не найдено")
    record: dict[str, Any]
    if row["request_id"] is not None:
        record = load_request(conn, row["request_id"])
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
        queue_event(
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
