"""Fast bulk inserts for imports: the driver's ``executemany`` on plain tuples.

SQLAlchemy Core spends more time per row building parameters than SQLite spends storing it,
so the import writes through the DB-API cursor. Values are converted exactly as SQLAlchemy's
column types would store them, so ordinary Core queries read the rows back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table


@lru_cache(maxsize=4096)
def _sqlite_datetime(value: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format, in UTC (as schema.UTCDateTime stores it).
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


@cache
def _plan(
    table: Table, columns: tuple[str, ...], dialect: str
) -> tuple[str, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    mark = "?" if dialect == "sqlite" else "%s"
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(mark for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608 - our own names
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    if dialect == "sqlite":
        for index, name in enumerate(columns):
            kind = table.c[name].type
            kind = getattr(kind, "impl", kind)  # a TypeDecorator stores as its impl
            if isinstance(kind, DateTime):
                converters.append((index, _sqlite_datetime))
            elif isinstance(kind, Date):
                converters.append((index, _sqlite_date))
            elif isinstance(kind, Boolean):
                converters.append((index, _sqlite_bool))
    return sql, tuple(converters)


def insert_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
    if not rows:
        return
    sql, converters = _plan(table, columns, conn.dialect.name)
    if converters:
        converted = []
        for row in rows:
            values = list(row)
            for index, convert in converters:
                values[index] = convert(values[index])
            converted.append(tuple(values))
        rows = converted
    conn.exec_driver_sql(sql, [tuple(r) for r in rows])
