"""The append-only, hash-chained audit log (DATA.md §2.11, §3.13).

``entry_hash = SHA-256(prev_hash ‖ JCS(entry))``. Entries hold ids, never content. For the
values we log (strings, integers, lists, objects) sorted-key compact JSON with unescaped
Unicode is exactly the RFC 8785 canonical form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select, text

from dozor.store.schema import audit_log

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """RFC 8785 form for JSON without floats."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": row["seq"],
        "at": row["at"].astimezone(UTC).isoformat() if row["at"].tzinfo else row["at"].isoformat(),
        "node": row["node"],
        "actor_user_id": row["actor_user_id"],
        "actor_agency_id": row["actor_agency_id"],
        "channel": row["channel"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_ids": row["object_ids"],
        "details": row["details"],
    }


def entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The chain hash of one entry."""
    payload = prev_hash + canonical_json(_entry(row))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    conn: Connection,
    *,
    node: str,
    action: str,
    channel: str = "system",
    actor_user_id: str | None = None,
    actor_agency_id: str | None = None,
    object_type: str | None = None,
    object_ids: Iterable[str] = (),
    details: dict[str, Any] | None = None,
) -> int:
    """Append one entry in the caller's transaction; returns its sequence number."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7310001)"))
    elif conn.dialect.name == "sqlite":
        # Take SQLite's write lock before reading the head, so that two writers cannot both
        # read the same head and collide on seq (a no-op write starts the write transaction).
        conn.execute(text("UPDATE audit_log SET seq = seq WHERE 0 = 1"))
    head = conn.execute(
        select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq = (head.seq + 1) if head else 1
    prev = head.entry_hash if head else GENESIS
    at = datetime.now(UTC).replace(microsecond=0)
    row: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "node": node,
        "actor_user_id": actor_user_id,
        "actor_agency_id": actor_agency_id,
        "channel": channel,
        "action": action,
        "object_type": object_type,
        "object_ids": canonical_json(sorted(object_ids)),
        "details": canonical_json(details or {}),
    }
    row["prev_hash"] = prev
    row["entry_hash"] = entry_hash(prev, row)
    conn.execute(audit_log.insert(), row)
    return seq


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """Result of verifying the chain: ``broken_seq`` is the first bad entry, if any."""

    entries: int
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(conn: Connection) -> ChainCheck:
    """Walk the chain; name the first entry altered, removed or reordered."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings():
        count += 1
        data = dict(row)
        if data["at"].tzinfo is None:
            data["at"] = data["at"].replace(tzinfo=UTC)
        if data["seq"] != expected_seq:
            return ChainCheck(count, expected_seq, f"entry {expected_seq} is missing")
        if data["prev_hash"] != prev:
            return ChainCheck(count, data["seq"], "previous hash does not match")
        if entry_hash(prev, data) != data["entry_hash"]:
            return ChainCheck(count, data["seq"], "entry content does not match its hash")
        prev = data["entry_hash"]
        expected_seq += 1
    return ChainCheck(count)


def count_entries(conn: Connection) -> int:
    """Number of entries in the log."""
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
