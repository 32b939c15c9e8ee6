"""The analytics change feed: one row per seizure write, committed with the write itself.

Every path that changes what a statistic counts (an import, an API form, a workflow transition
that changes visibility, a retention delete) appends the seizure's id here in the same
transaction. The analytics engine and the live feed read rows past their last mark, so a
committed record reaches every statistic within a second, even when another process wrote it.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from dozor.store.tables_base import ID, UTCDateTime, metadata

analytics_change = Table(
    "analytics_change",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("seizure_id", String(ID), nullable=False),  # no foreign key: deletions stay listed
    Column("change", String(16), nullable=False),  # created | updated | workflow | deleted
    Column("changed_at", UTCDateTime(), nullable=False),
    Index("ix_analytics_change_changed_at", "changed_at"),
)

__all__ = ["analytics_change"]
