"""Shared parts of the tables: the metadata, the UTC instant type, provenance and marking.

Split from ``schema.py`` so that the content tables and the access tables can live in modules
of their own; ``dozor.store.schema`` imports both and is where callers import tables from.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC on every backend and read back as an aware UTC datetime.

    SQLite has no time zones: SQLAlchemy would store an aware value's wall-clock time and
    drop its offset, so ``+05:00`` and UTC values would compare wrongly. Converting on the way
    in makes SQLite and PostgreSQL agree. A naive value is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


ID = 36  # UUID text length


def _id() -> Column[str]:
    return Column("id", String(ID), primary_key=True)


def _provenance() -> list[Column[object]]:
    """DATA.md §1 provenance columns shared by every owned object."""
    return [
        Column("owner_agency_id", String(ID), ForeignKey("agency.id"), nullable=False),
        Column("owner_country", String(3)),
        Column("origin_node", String(64), nullable=False),
        Column("version", Integer, nullable=False, default=1),
        Column("source_type", String(32), nullable=False),
        Column("reporting_channel", String(32), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("created_by", String(ID)),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("updated_by", String(ID)),
    ]


def _marking(prefix: str = "") -> list[Column[object]]:
    """DATA.md §2.1 marking block; listed audiences live in ``listed_audience``."""
    return [
        Column(f"{prefix}distribution", String(16), nullable=False),
        Column(f"{prefix}tlp", String(16), nullable=False),
        Column(f"{prefix}handling", String(600), nullable=False, default="H0"),
        Column(f"{prefix}legal_basis", String(200)),
    ]
