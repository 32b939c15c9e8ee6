"""Versions of a seizure: the one place that replaces a stored record by its next version.

Used by the import (a changed seizure) and by the release workflow (a validated correction),
so both keep the same history: the superseded version goes to ``seizure_version`` as canonical
JSON, items are replaced as a set keeping their ids where (drug, unit, form) match in order,
and route legs are replaced.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from dozor.domain.ids import uuid7
from dozor.store.change_feed import record_changes
from dozor.store.schema import route_leg, seizure, seizure_item, seizure_pending, seizure_version


def json_default(value: Any) -> str:
    """JSON for the values stored in seizures: instants as ISO 8601, the rest as text."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def snapshot(conn: Connection, seizure_id: str) -> str:
    """Canonical JSON of a stored seizure with its items and route legs."""
    row = conn.execute(select(seizure).where(seizure.c.id == seizure_id)).mappings().one()
    items = conn.execute(
        select(seizure_item)
        .where(seizure_item.c.seizure_id == seizure_id)
        .order_by(seizure_item.c.line_no)
    ).mappings()
    legs = conn.execute(
        select(route_leg).where(route_leg.c.seizure_id == seizure_id).order_by(route_leg.c.seq)
    ).mappings()
    data = {
        "seizure": dict(row),
        "items": [dict(i) for i in items],
        "route_legs": [dict(leg) for leg in legs],
    }
    return json.dumps(data, sort_keys=True, default=json_default, ensure_ascii=False)


def replace_version(
    conn: Connection,
    *,
    seizure_id: str,
    version: int,
    content: dict[str, Any],
    items: list[dict[str, Any]],
    legs: list[dict[str, Any]],
    digest: str,
    now: datetime,
    user_id: str | None,
    job_id: str | None,
) -> None:
    """Keep version ``version`` in the history and make the given content version + 1."""
    conn.execute(
        seizure_version.insert(),
        {
            "seizure_id": seizure_id,
            "version": version,
            "snapshot": snapshot(conn, seizure_id),
            "changed_at": now,
            "changed_by": user_id,
            "change_note": f"superseded by import {job_id}",
        },
    )
    conn.execute(
        update(seizure)
        .where(seizure.c.id == seizure_id)
        .values(
            **content,
            content_hash=digest,
            version=version + 1,
            updated_at=now,
            updated_by=user_id,
            import_job_id=job_id,
        )
    )
    old = conn.execute(
        select(
            seizure_item.c.id,
            seizure_item.c.substance_code,
            seizure_item.c.unit_reported,
            seizure_item.c.form,
        )
        .where(seizure_item.c.seizure_id == seizure_id)
        .order_by(seizure_item.c.line_no)
    ).all()
    pool: dict[tuple[Any, ...], list[str]] = {}
    for item_id, substance, unit, form in old:
        pool.setdefault((substance, unit, form), []).append(item_id)
    conn.execute(delete(seizure_item).where(seizure_item.c.seizure_id == seizure_id))
    rows = []
    for item in items:
        ids = pool.get((item["substance_code"], item["unit_reported"], item["form"]))
        rows.append({"id": ids.pop(0) if ids else uuid7(), "seizure_id": seizure_id, **item})
    if rows:
        conn.execute(seizure_item.insert(), rows)
    conn.execute(delete(route_leg).where(route_leg.c.seizure_id == seizure_id))
    record_changes(conn, (seizure_id,), "updated", now)
    if legs:
        conn.execute(
            route_leg.insert(),
            [{"id": uuid7(), "seizure_id": seizure_id, **leg} for leg in legs],
        )


def apply_pending(conn: Connection, seizure_id: str, *, user_id: str, now: datetime) -> int | None:
    """Make the newest pending correction of a seizure its next version; returns the version.

    Called when a supervisor validates the correction; every pending row of the seizure is
    cleared. None when nothing is pending.
    """
    pending = (
        conn.execute(
            select(seizure_pending)
            .where(seizure_pending.c.seizure_id == seizure_id)
            .order_by(seizure_pending.c.created_at.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if pending is None:
        return None
    data = json.loads(pending["snapshot"])
    content = dict(data["seizure"])
    content["seized_at"] = datetime.fromisoformat(content["seized_at"])
    content["seized_date"] = date.fromisoformat(content["seized_date"])
    version = int(
        conn.execute(select(seizure.c.version).where(seizure.c.id == seizure_id)).scalar_one()
    )
    replace_version(
        conn,
        seizure_id=seizure_id,
        version=version,
        content=content,
        items=data["items"],
        legs=data["route_legs"],
        digest=pending["content_hash"],
        now=now,
        user_id=user_id,
        job_id=pending["import_job_id"],
    )
    conn.execute(delete(seizure_pending).where(seizure_pending.c.seizure_id == seizure_id))
    return version + 1
