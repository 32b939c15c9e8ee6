"""Reading the analytics change feed (``analytics_change``), exactly once and in any commit order.

``latest_change`` and ``changes_since`` are the simple reads (the live feed uses them).
``ChangeCursor`` is the exact one: on PostgreSQL a sequence value is taken when a row is
inserted, not when its transaction commits, so a row with a lower ``seq`` can appear after a
higher one was read. The cursor remembers the numbers it skipped ("gaps") and asks for them
again on every poll until they appear or grow older than ``GAP_TTL`` (a rolled-back write
leaves a gap that never fills). SQLite commits one writer at a time, so it has no gaps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select, union_all

from dozor.store.schema_analytics import analytics_change

GAP_TTL = 3600.0  # seconds a skipped sequence number is watched for (longest write transaction)
MAX_GAP_RANGES = 1000
POLL_BATCH = 5000  # rows above the mark per query; a bulk import is read in several


@dataclass(frozen=True, slots=True)
class Change:
    """One committed write of a seizure."""

    seq: int
    seizure_id: str
    change: str  # created | updated | workflow | deleted
    changed_at: datetime


def latest_change(source: Engine | Connection) -> int:
    """The highest sequence number in the feed (0 when empty)."""
    if isinstance(source, Engine):
        with source.connect() as conn:
            return latest_change(conn)
    value = source.execute(select(func.max(analytics_change.c.seq))).scalar()
    return int(value or 0)


def changes_since(source: Engine | Connection, mark: int, *, limit: int = 10_000) -> list[Change]:
    """Feed rows with ``seq > mark``, oldest first (at most ``limit``).

    On PostgreSQL a row below a mark already returned can still commit later; use
    :class:`ChangeCursor` where every change must be seen.
    """
    if isinstance(source, Engine):
        with source.connect() as conn:
            return changes_since(conn, mark, limit=limit)
    query = (
        select(analytics_change)
        .where(analytics_change.c.seq > mark)
        .order_by(analytics_change.c.seq)
        .limit(limit)
    )
    return [Change(r.seq, r.seizure_id, r.change, r.changed_at) for r in source.execute(query)]


@dataclass
class ChangeCursor:
    """Every feed row exactly once: a high-water mark plus the gaps below it."""

    mark: int = 0
    gaps: list[tuple[int, int, float]] = field(default_factory=list)  # (low, high, first seen)

    def start(self, conn: Connection, window: int = 10_000) -> None:
        """Begin at the feed's end; numbers missing in the last ``window`` become gaps."""
        self.mark = latest_change(conn)
        low = max(0, self.mark - window)
        seen = conn.execute(
            select(analytics_change.c.seq).where(analytics_change.c.seq > low)
        ).scalars()
        self.gaps = self._missing(low, self.mark, set(seen), time.monotonic()) if low else []

    def poll(self, conn: Connection) -> list[Change]:
        """The feed rows committed since the last poll (including late ones below the mark)."""
        changes: list[Change] = []
        while True:
            batch, more = self._poll_batch(conn)
            changes += batch
            if not more:
                return changes

    def _poll_batch(self, conn: Connection) -> tuple[list[Change], bool]:
        """Up to ``POLL_BATCH`` rows above the mark, and every row come into a gap.

        Each range is its own index search (UNION ALL): an OR of ranges, or a planner that
        has not yet seen a bulk load's statistics, would read the whole feed on PostgreSQL.
        """
        now = time.monotonic()
        self.gaps = [g for g in self.gaps if now - g[2] < GAP_TTL][-MAX_GAP_RANGES:]
        seq = analytics_change.c.seq
        above = select(analytics_change).where(seq > self.mark).order_by(seq).limit(POLL_BATCH)
        ranges = [select(analytics_change).where(seq >= lo, seq <= hi) for lo, hi, _ in self.gaps]
        query = union_all(above.subquery().select(), *ranges) if ranges else above
        rows = sorted(conn.execute(query).all(), key=lambda r: int(r.seq))
        if not rows:
            return [], False
        found = {r.seq for r in rows}
        more = sum(1 for s in found if s > self.mark) >= POLL_BATCH
        kept: list[tuple[int, int, float]] = []
        for low, high, seen_at in self.gaps:
            kept += [(lo, hi, seen_at) for lo, hi, _ in self._missing(low - 1, high, found, 0)]
        top = max(found)
        if top > self.mark:
            kept += self._missing(self.mark, top, found, now)
            self.mark = top
        self.gaps = kept
        return [Change(r.seq, r.seizure_id, r.change, r.changed_at) for r in rows], more

    @staticmethod
    def _missing(
        after: int, upto: int, present: set[int], seen_at: float
    ) -> list[tuple[int, int, float]]:
        """Ranges of numbers in ``(after, upto]`` not in ``present``."""
        ranges: list[tuple[int, int, float]] = []
        start: int | None = None
        for number in range(after + 1, upto + 1):
            if number in present:
                if start is not None:
                    ranges.append((start, number - 1, seen_at))
                    start = None
            elif start is None:
                start = number
        if start is not None:
            ranges.append((start, upto, seen_at))
        return ranges
