"""Append to the analytics change feed in the caller's transaction (``analytics_change``).

Every write that changes what a statistic counts calls :func:`record_changes` with the seizure
ids it touched, inside the same transaction as the write: the feed row commits (or rolls back)
with the data, so a reader that has seen a feed row is sure to see the write behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from dozor.store.bulk import insert_rows
from dozor.store.schema_analytics import analytics_change

CHANGES = ("created", "updated", "workflow", "deleted")


def record_changes(
    conn: Connection, seizure_ids: Iterable[str], change: str, now: datetime
) -> None:
    """One feed row per seizure id; ``change`` is one of :data:`CHANGES`."""
    if change not in CHANGES:
        raise ValueError(f"unknown change {change!r}; expected one of {', '.join(CHANGES)}")
    rows = [(seizure_id, change, now) for seizure_id in seizure_ids]
    insert_rows(conn, analytics_change, ("seizure_id", "change", "changed_at"), rows)
