"""The release workflow (DATA.md §7.1): draft → submitted → validated → released → retracted.

The owner agency is the sole editor. Validation and release are a supervisor's and follow
four-eyes: the supervisor is neither the record's creator nor the one who submitted it. A
regional release shares the non-nominal part only, because nominal parts keep their own
(national by default) marking; the policy does the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from dozor.access import audit
from dozor.access.policy import Viewer
from dozor.domain.markings import tlp_distribution_violation
from dozor.store.change_feed import record_changes
from dozor.store.schema import (
    agency,
    event_outbox,
    import_job,
    listed_audience,
    seizure,
    seizure_pending,
    seizure_workflow,
)
from dozor.store.versions import apply_pending

RELEASE_DISTRIBUTIONS = ("org", "national", "listed", "region")
# Hooks run after a release or retraction in the same transaction (hit/no-hit digests).
after_release: list[Callable[[Connection, str, datetime], None]] = []
after_withdrawal: list[Callable[[Connection, str, datetime], None]] = []


class WorkflowError(Exception):
    """A refused transition, with an HTTP status and messages in English and Russian."""

    def __init__(self, status: int, code: str, en: str, ru: str) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.en = en
        self.ru = ru

    def message(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True, slots=True)
class Actor:
    """A principal acting on a record: its user id plus what the policy reads."""

    user_id: str
    viewer: Viewer


def _load(conn: Connection, seizure_id: str) -> dict[str, Any]:
    row = conn.execute(select(seizure).where(seizure.c.id == seizure_id)).mappings().first()
    if row is None:
        raise WorkflowError(404, "not_found", "no such seizure", "запись не найдена")
    return dict(row)


def _require_owner(record: dict[str, Any], actor: Actor, roles: set[str]) -> None:
    if record["owner_agency_id"] != actor.viewer.agency_id:
        # Not the owner: say "not found" so that the existence of the record leaks nothing.
        raise WorkflowError(404, "not_found", "no such seizure", "запись не найдена")
    if not actor.viewer.roles & roles:
        raise WorkflowError(
            403,
            "role",
            f"this needs the role {' or '.join(sorted(roles))}",
            f"для этого нужна роль {' или '.join(sorted(roles))}",
        )


def _require_status(record: dict[str, Any], allowed: tuple[str, ...]) -> None:
    if record["status"] not in allowed:
        raise WorkflowError(
            409,
            "status",
            f"the record is {record['status']}; this needs {' or '.join(allowed)}",
            f"запись в статусе {record['status']}; требуется {' или '.join(allowed)}",
        )


def _four_eyes(record: dict[str, Any], actor: Actor) -> None:
    if actor.user_id in (record["created_by"], record["submitted_by"]):
        raise WorkflowError(
            403,
            "four_eyes",
            "four-eyes rule: a supervisor may not validate or release own work",
            "правило четырёх глаз: нельзя утверждать или выпускать свою работу",
        )


def _step(
    conn: Connection,
    record: dict[str, Any],
    actor: Actor,
    action: str,
    to: str,
    now: datetime,
    node: str,
    detail: str | None = None,
    **values: Any,
) -> None:
    conn.execute(
        update(seizure)
        .where(seizure.c.id == record["id"])
        .values(status=to, updated_at=now, updated_by=actor.user_id, **values)
    )
    record_changes(conn, (record["id"],), "workflow", now)
    conn.execute(
        insert(seizure_workflow),
        {
            "seizure_id": record["id"],
            "version": record["version"],
            "action": action,
            "from_status": record["status"],
            "to_status": to,
            "user_id": actor.user_id,
            "at": now,
            "detail": detail,
        },
    )
    conn.execute(
        insert(event_outbox),
        {
            "at": now,
            "event_type": f"seizure_{action}",
            "object_type": "seizure",
            "object_id": record["id"],
            "payload": json.dumps({"status": to}),
        },
    )
    audit.record(
        conn,
        node=node,
        action=action,
        channel="api",
        actor_user_id=actor.user_id,
        actor_agency_id=actor.viewer.agency_id,
        object_type="seizure",
        object_ids=[record["id"]],
        details={"from": record["status"], "to": to, "version": record["version"]},
    )


def submit(conn: Connection, actor: Actor, seizure_id: str, *, node: str) -> None:
    """draft → submitted (officer or supervisor of the owner agency)."""
    record = _load(conn, seizure_id)
    _require_owner(record, actor, {"officer", "supervisor"})
    _require_status(record, ("draft",))
    now = datetime.now(UTC)
    _step(conn, record, actor, "submit", "submitted", now, node, submitted_by=actor.user_id)


def validate(conn: Connection, actor: Actor, seizure_id: str, *, node: str) -> None:
    """submitted → validated (a supervisor other than the author).

    On a validated or released record with a pending correction, validating applies the
    correction as the record's next version (the old one stays in the history) and the record
    returns to ``validated``, to be released again (DATA.md §7.1 step 5).
    """
    record = _load(conn, seizure_id)
    _require_owner(record, actor, {"supervisor"})
    _require_status(record, ("submitted", "validated", "released"))
    now = datetime.now(UTC)
    if record["status"] == "submitted":
        _four_eyes(record, actor)
        _step(conn, record, actor, "validate", "validated", now, node, validated_by=actor.user_id)
        return
    author = (
        conn.execute(
            select(import_job.c.user_id)
            .join(seizure_pending, seizure_pending.c.import_job_id == import_job.c.id)
            .where(seizure_pending.c.seizure_id == seizure_id)
        )
        .scalars()
        .all()
    )
    if not author:
        raise WorkflowError(
            409,
            "status",
            "the record has no pending correction to validate",
            "у записи нет ожидающего исправления",
        )
    if actor.user_id in author:
        raise WorkflowError(
            403,
            "four_eyes",
            "four-eyes rule: a supervisor may not validate their own correction",
            "правило четырёх глаз: нельзя утверждать своё исправление",
        )
    version = apply_pending(conn, seizure_id, user_id=actor.user_id, now=now)
    record = _load(conn, seizure_id) | {"status": record["status"]}
    _step(
        conn,
        record,
        actor,
        "validate",
        "validated",
        now,
        node,
        detail=f"correction applied as version {version}",
        validated_by=actor.user_id,
    )
    conn.execute(
        insert(event_outbox),
        {
            "at": now,
            "event_type": "seizure_correction",
            "object_type": "seizure",
            "object_id": seizure_id,
            "payload": json.dumps({"version": version}),
        },
    )


def release(
    conn: Connection,
    actor: Actor,
    seizure_id: str,
    distribution: str,
    *,
    node: str,
    listed_agencies: list[str] | None = None,
    listed_countries: list[str] | None = None,
) -> None:
    """validated (or released, to change the audience) → released with ``distribution``."""
    record = _load(conn, seizure_id)
    _require_owner(record, actor, {"supervisor"})
    _require_status(record, ("validated", "released"))
    _four_eyes(record, actor)
    if distribution not in RELEASE_DISTRIBUTIONS:
        raise WorkflowError(
            422,
            "marking_conflict",
            f"distribution must be one of {', '.join(RELEASE_DISTRIBUTIONS)}",
            f"распространение: одно из {', '.join(RELEASE_DISTRIBUTIONS)}",
        )
    problem = tlp_distribution_violation(
        record["tlp"], distribution, listed_countries=listed_countries or []
    )
    if problem:
        raise WorkflowError(
            422,
            "marking_conflict",
            problem,
            f"TLP:{record['tlp']} не допускает распространение {distribution}",
        )
    agencies = _agency_ids(conn, listed_agencies or [])
    if distribution == "listed" and not (agencies or listed_countries):
        raise WorkflowError(
            422,
            "marking_conflict",
            "listed needs agencies or countries",
            "для listed нужны ведомства или страны",
        )
    now = datetime.now(UTC)
    conn.execute(delete(listed_audience).where(listed_audience.c.object_id == seizure_id))
    if distribution == "listed":
        rows = [{"object_id": seizure_id, "agency_id": a, "country": None} for a in agencies]
        rows += [
            {"object_id": seizure_id, "agency_id": None, "country": c.upper()}
            for c in listed_countries or []
        ]
        conn.execute(insert(listed_audience), rows)
    _step(
        conn,
        record,
        actor,
        "release",
        "released",
        now,
        node,
        detail=distribution,
        distribution=distribution,
        released_by=actor.user_id,
        released_at=now,
    )
    for hook in after_release:
        hook(conn, seizure_id, now)


def _agency_ids(conn: Connection, codes: list[str]) -> list[str]:
    if not codes:
        return []
    rows = conn.execute(select(agency.c.code, agency.c.id).where(agency.c.code.in_(codes))).all()
    found = {r.code: r.id for r in rows}
    missing = [c for c in codes if c not in found]
    if missing:
        raise WorkflowError(
            422,
            "unknown_code",
            f"unknown agencies: {', '.join(missing)}",
            f"неизвестные ведомства: {', '.join(missing)}",
        )
    return [found[c] for c in codes]


def retract(conn: Connection, actor: Actor, seizure_id: str, reason: str, *, node: str) -> None:
    """Any shared status → retracted, with a reason; digests are withdrawn."""
    if not reason or not reason.strip():
        raise WorkflowError(
            422, "required_missing", "a reason is required", "нужно указать причину"
        )
    record = _load(conn, seizure_id)
    _require_owner(record, actor, {"supervisor"})
    _require_status(record, ("submitted", "validated", "released"))
    now = datetime.now(UTC)
    _step(
        conn,
        record,
        actor,
        "retract",
        "retracted",
        now,
        node,
        detail=reason.strip()[:500],
        retracted_reason=reason.strip()[:500],
    )
    conn.execute(delete(seizure_pending).where(seizure_pending.c.seizure_id == seizure_id))
    for hook in after_withdrawal:
        hook(conn, seizure_id, now)
