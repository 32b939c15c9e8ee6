"""``/api/v1/audit``: auditors read and verify the node's audit log; nobody edits it.

There is no route that changes an entry: the log is append-only by construction, and the
reads themselves are audited, so an auditor's browsing leaves its own trace.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Engine, select

from dozor.access import audit
from dozor.access.principal import Principal
from dozor.settings import Settings
from dozor.store.schema import audit_log
from dozor.web.auth import require_roles
from dozor.web.deps import get_engine, get_settings

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("")
def read_log(
    principal: Principal = Depends(require_roles("auditor")),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
    after_seq: int = Query(0, ge=0, description="return entries after this sequence number"),
    limit: int = Query(100, ge=1, le=1000),
    action: str | None = Query(None, description="only this action, e.g. login or import"),
) -> dict[str, Any]:
    """Entries in sequence order (ids and hashes, never content)."""
    query = select(audit_log).where(audit_log.c.seq > after_seq)
    if action:
        query = query.where(audit_log.c.action == action)
    query = query.order_by(audit_log.c.seq).limit(limit)
    with engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        audit.record(
            conn,
            node=settings.node_code,
            action="audit_read",
            channel="api",
            actor_user_id=principal.user_id,
            actor_agency_id=principal.agency_id,
            details={"after_seq": after_seq, "returned": len(rows)},
        )
    for row in rows:
        row["object_ids"] = json.loads(row["object_ids"] or "[]")
        row["details"] = json.loads(row["details"] or "{}")
    return {"entries": rows, "next_after_seq": rows[-1]["seq"] if rows else after_seq}


@router.get("/verify")
def verify_log(
    principal: Principal = Depends(require_roles("auditor")),
    engine: Engine = Depends(get_engine),
) -> dict[str, Any]:
    """Walk the hash chain; name the first entry altered, removed or reordered."""
    with engine.connect() as conn:
        check = audit.verify(conn)
    return {
        "ok": check.ok,
        "entries": check.entries,
        "broken_seq": check.broken_seq,
        "problem": check.problem,
    }
