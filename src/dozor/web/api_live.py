"""``GET /api/v1/live``: a Server-Sent Events stream of the seizures the caller may read.

One poller per process and database (:class:`ChangeHub`) reads the analytics change feed
(``analytics_change``) every :data:`POLL_SECONDS` with a :class:`ChangeCursor` (exact on
PostgreSQL, where a lower sequence number may commit late) and hands each batch of changed
seizure ids to every open stream. Each stream then reads those seizures through the access
policy (``reads.list_query``) as its own user, so a seizure the user may not read is never
sent, and nothing is sent about it (not even that something changed).

Events: ``ready`` (``{"mark"}``) once, then ``seizure`` per visible changed seizure (``id:`` is
the feed's sequence number, so a reconnecting ``EventSource`` resumes after it with
``Last-Event-ID``). A comment line every :data:`KEEPALIVE_SECONDS` keeps proxies from closing
the connection. A stream ends after ``DOZOR_LIVE_STREAM_SECONDS``; browsers reconnect by
themselves, which re-checks the session (a logged-out or expired session gets 401).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from dozor.access import reads
from dozor.access.principal import Principal
from dozor.analytics.changes import Change, ChangeCursor, changes_since
from dozor.settings import Settings
from dozor.store.schema import seizure, seizure_item
from dozor.web.auth import require_principal
from dozor.web.deps import get_engine, get_settings

router = APIRouter(prefix="/api/v1", tags=["live"])

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
QUEUE_SIZE = 1000


class ChangeHub:
    """Polls the change feed while at least one stream listens; fans the changes out."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cursor = ChangeCursor()
        self.started = False
        self.listeners: set[asyncio.Queue[list[Change]]] = set()
        self.task: asyncio.Task[None] | None = None

    def mark(self) -> int:
        return self.cursor.mark

    async def subscribe(self) -> asyncio.Queue[list[Change]]:
        if not self.started:
            await run_in_threadpool(self._start)
        queue: asyncio.Queue[list[Change]] = asyncio.Queue(QUEUE_SIZE)
        self.listeners.add(queue)
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            self.task = asyncio.create_task(self._run())
        return queue

    def unsubscribe(self, queue: asyncio.Queue[list[Change]]) -> None:
        self.listeners.discard(queue)

    def _start(self) -> None:
        with self.engine.connect() as conn:
            self.cursor.start(conn)
        self.started = True

    def _poll(self) -> list[Change]:
        with self.engine.connect() as conn:
            return self.cursor.poll(conn)

    async def _run(self) -> None:
        while self.listeners:
            try:
                changes = await run_in_threadpool(self._poll)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the feed
                changes = []
            if changes:
                for queue in list(self.listeners):
                    if queue.full():  # a stalled reader: drop its oldest batch
                        queue.get_nowait()
                    queue.put_nowait(changes)
            await asyncio.sleep(POLL_SECONDS)


_HUBS: dict[int, ChangeHub] = {}
_HUBS_LOCK = threading.Lock()


def hub_for(engine: Engine) -> ChangeHub:
    """The process's hub for ``engine``."""
    with _HUBS_LOCK:
        hub = _HUBS.get(id(engine))
        if hub is None or hub.engine is not engine:
            hub = _HUBS[id(engine)] = ChangeHub(engine)
        return hub


def visible_seizures(engine: Engine, principal: Principal, ids: list[str]) -> list[dict[str, Any]]:
    """Summaries of those of ``ids`` the principal may read, with their drugs (policy applied)."""
    if not ids:
        return []
    with engine.connect() as conn:
        query = reads.list_query(principal, reads.SeizureFilter(ids=tuple(ids)))
        rows = [dict(r._mapping) for r in conn.execute(query.order_by(seizure.c.id))]
        found = [r["id"] for r in rows]
        drugs: dict[str, list[dict[str, Any]]] = {i: [] for i in found}
        if found:
            items = conn.execute(
                select(
                    seizure_item.c.seizure_id,
                    seizure_item.c.substance_code,
                    seizure_item.c.drug_group,
                    seizure_item.c.quantity_kg_eq,
                )
                .where(seizure_item.c.seizure_id.in_(found))
                .order_by(seizure_item.c.seizure_id, seizure_item.c.line_no)
            )
            for item in items:
                drugs[item.seizure_id].append(
                    {
                        "drug_code": item.substance_code,
                        "drug_group": item.drug_group,
                        "kg_eq": _plain(item.quantity_kg_eq),
                    }
                )
    return [_summary(r, drugs[r["id"]]) for r in rows]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _summary(row: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "seizure_ref": row["local_ref"],
        "status": row["status"],
        "version": row["version"],
        "seized_date": _plain(row["seized_date"]),
        "reporting_country": row["reporting_country"],
        "owner_agency": row["owner_agency"],
        "bcp": row["bcp_code"],
        "settlement": row["settlement"],
        "mode_of_transport": row["mode_of_transport"],
        "distribution": row["distribution"],
        "total_kg_eq": _plain(row["total_kg_eq"]),
        "updated_at": _plain(row["updated_at"]),
        "items": items,
    }


def _event(name: str, data: dict[str, Any], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(
    request: Request,
    engine: Engine,
    principal: Principal,
    resume: int | None,
    max_seconds: float,
) -> AsyncIterator[str]:
    hub = hub_for(engine)
    queue = await hub.subscribe()
    try:
        yield "retry: 1000\n\n"
        yield _event("ready", {"mark": hub.mark()})
        backlog: list[Change] = []
        if resume is not None and resume < hub.mark():
            backlog = [
                c
                for c in await run_in_threadpool(changes_since, engine, resume, limit=500)
                if c.seq <= hub.mark()
            ]
        started = last_sent = time.monotonic()
        while time.monotonic() - started < max_seconds:
            changes = backlog
            backlog = []
            if not changes:
                try:
                    changes = await asyncio.wait_for(queue.get(), timeout=1.0)
                except TimeoutError:
                    changes = []
            if await request.is_disconnected():
                return
            if changes:
                seq_of = {c.seizure_id: (c.seq, c.change) for c in changes}
                ids = sorted(seq_of)
                for found in await run_in_threadpool(visible_seizures, engine, principal, ids):
                    seq, change = seq_of[found["id"]]
                    found["change"] = change
                    found["seq"] = seq
                    found["sent_at"] = datetime.now(UTC).isoformat()
                    yield _event("seizure", found, seq)
                    last_sent = time.monotonic()
            if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                yield ": keepalive\n\n"
                last_sent = time.monotonic()
    finally:
        hub.unsubscribe(queue)


@router.get("/live", response_class=StreamingResponse)
async def live(
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
    after: int | None = Query(
        None, ge=0, description="also send the changes after this feed mark (a page's mark)"
    ),
    last_event_id: str | None = Header(None, alias="Last-Event-ID"),
) -> StreamingResponse:
    """Server-Sent Events: each newly written seizure the caller may read, within a second."""
    resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    return StreamingResponse(
        _events(request, engine, principal, resume, settings.live_stream_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
