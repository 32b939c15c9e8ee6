"""Reading seizures out of the main database into Arrow tables for DuckDB.

Full loads stream: on PostgreSQL through ``COPY ... TO STDOUT`` parsed by Arrow's CSV reader,
on SQLite through the DB-API cursor in batches. Incremental loads (a few changed seizures)
use ordinary parameterised queries. DuckDB receives Arrow tables; no DuckDB extension is
needed (``sqlite_scanner``/``postgres_scanner`` would be downloaded at run time).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
from sqlalchemy import Connection, bindparam, text

ITEM_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("seizure_id", pa.string()),
    ("line_no", pa.int32()),
    ("seized_date", pa.string()),
    ("reporting_country", pa.string()),
    ("country_of_seizure", pa.string()),
    ("agency", pa.string()),
    ("bcp", pa.string()),
    ("settlement", pa.string()),
    ("lat", pa.float64()),
    ("lon", pa.float64()),
    ("mode", pa.string()),
    ("concealment", pa.string()),
    ("drug", pa.string()),
    ("drug_group", pa.string()),
    ("kg_eq", pa.float64()),
    ("owner_agency_id", pa.string()),
    ("owner_country", pa.string()),
    ("status", pa.string()),
    ("distribution", pa.string()),
)
LEG_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("seizure_id", pa.string()),
    ("seq", pa.int32()),
    ("role", pa.string()),
    ("country", pa.string()),
)
ITEM_SCHEMA = pa.schema(ITEM_FIELDS)
LEG_SCHEMA = pa.schema(LEG_FIELDS)

ITEM_SQL = """
SELECT s.id, i.line_no, CAST(s.seized_date AS VARCHAR(10)), s.reporting_country,
       s.country_of_seizure, a.code, s.bcp_code, s.settlement, s.lat, s.lon,
       s.mode_of_transport, s.concealment, i.substance_code, i.drug_group, i.quantity_kg_eq,
       s.owner_agency_id, s.owner_country, s.status, s.distribution
FROM seizure s
JOIN agency a ON a.id = s.owner_agency_id
LEFT JOIN seizure_item i ON i.seizure_id = s.id
"""
LEG_SQL = "SELECT r.seizure_id, r.seq, r.role, r.country FROM route_leg r"
BATCH = 100_000


def _columns(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = [
        pa.array(column, type=f.type, from_pandas=False)
        for column, f in zip(columns, schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _fix_dates(rows: list[tuple[Any, ...]], index: int) -> list[tuple[Any, ...]]:
    """SQLite gives dates as text already; other drivers may give ``date`` objects."""
    if rows and not isinstance(rows[0][index], str | None):
        return [(*r[:index], str(r[index]), *r[index + 1 :]) for r in rows]
    return rows


def stream_full(conn: Connection, sql: str, schema: pa.Schema) -> Iterator[pa.Table]:
    """Every row of ``sql`` as Arrow tables of up to ``BATCH`` rows."""
    if conn.dialect.name == "postgresql":
        yield _copy_postgres(conn, sql, schema)
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(BATCH)
            if not rows:
                break
            yield _columns(_fix_dates(list(rows), 2) if schema is ITEM_SCHEMA else rows, schema)
    finally:
        cursor.close()


def _copy_postgres(conn: Connection, sql: str, schema: pa.Schema) -> pa.Table:
    raw = conn.connection.dbapi_connection
    buffer = io.BytesIO()
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT CSV)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return schema.empty_table()
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=schema.names),
        convert_options=pacsv.ConvertOptions(
            column_types=dict(zip(schema.names, schema.types, strict=True)),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def fetch_for(conn: Connection, sql: str, schema: pa.Schema, ids: Sequence[str]) -> pa.Table:
    """The rows of ``sql`` for the given seizure ids (a small, incremental load)."""
    column = "s.id" if sql is ITEM_SQL else "r.seizure_id"
    query = text(f"{sql} WHERE {column} IN :ids").bindparams(bindparam("ids", expanding=True))
    tables = []
    for start in range(0, len(ids), 500):
        rows = [tuple(r) for r in conn.execute(query, {"ids": list(ids[start : start + 500])})]
        if schema is ITEM_SCHEMA:
            rows = _fix_dates(rows, 2)
        tables.append(_columns(rows, schema))
    return pa.concat_tables(tables) if tables else schema.empty_table()


def crossing_points(conn: Connection) -> pa.Table:
    """Crossing points with their names and coordinates (reference data)."""
    rows = [
        tuple(r)
        for r in conn.execute(
            text("SELECT code, name_en, name_ru, country, lat, lon FROM crossing_point")
        )
    ]
    schema = pa.schema(
        [
            ("code", pa.string()),
            ("name_en", pa.string()),
            ("name_ru", pa.string()),
            ("country", pa.string()),
            ("lat", pa.float64()),
            ("lon", pa.float64()),
        ]
    )
    return _columns(rows, schema)
