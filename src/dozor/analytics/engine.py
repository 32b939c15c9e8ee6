"""The columnar copy: one DuckDB row per seizure item, kept fresh from the change feed.

Each row carries the seizure's dimensions (date, countries, agency, crossing point, transport,
concealment, route) and a ``scope`` number standing for its visibility attributes (owner
agency, owner country, status, distribution). Before every statistic the engine polls the
change feed and reloads the seizures written since (a handful of rows: milliseconds), then
asks the access policy which scopes the viewer sees and which listed or granted ids widen
that (``policy.scope_visibility``, ``policy.listed_object_ids``, ``policy.granted_object_ids``).
The statistic is one SQL query over the copy, filtered by those sets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import Connection, Engine

from dozor.access.policy import (
    ScopeVisibility,
    Viewer,
    granted_object_ids,
    listed_object_ids,
    reads_content,
    scope_visibility,
)
from dozor.analytics import load
from dozor.analytics.changes import ChangeCursor

DDL = """
CREATE SEQUENCE skey_seq;
CREATE TABLE scopes (scope INTEGER, owner_agency_id VARCHAR, owner_country VARCHAR,
                     status VARCHAR, distribution VARCHAR);
CREATE TABLE facts (skey BIGINT, seizure_id VARCHAR, seized_date DATE,
    reporting_country VARCHAR, country_of_seizure VARCHAR, agency VARCHAR, bcp VARCHAR,
    settlement VARCHAR, lat DOUBLE, lon DOUBLE, mode VARCHAR, concealment VARCHAR,
    drug VARCHAR, drug_group VARCHAR, kg_eq DOUBLE, origin VARCHAR, transit VARCHAR,
    destination VARCHAR, scope INTEGER, first_item BOOLEAN, first_drug BOOLEAN,
    first_group BOOLEAN);
CREATE TABLE legs (skey BIGINT, seizure_id VARCHAR, hop INTEGER, from_country VARCHAR,
                   to_country VARCHAR);
"""

# From staged Arrow tables ``stage_items`` and ``stage_legs`` (whole seizures) into the copy.
INSERT_SQL = """
CREATE OR REPLACE TEMP TABLE stage_keys AS
    SELECT seizure_id, nextval('skey_seq') AS skey
    FROM (SELECT DISTINCT seizure_id FROM stage_items);
INSERT INTO scopes
    SELECT (SELECT coalesce(max(scope), 0) FROM scopes) + row_number() OVER (), *
    FROM (SELECT DISTINCT owner_agency_id, owner_country, status, distribution
          FROM stage_items
          EXCEPT SELECT owner_agency_id, owner_country, status, distribution FROM scopes);
CREATE OR REPLACE TEMP TABLE stage_routes AS
    SELECT seizure_id,
           coalesce(arg_min(country, seq) FILTER (WHERE role = 'origin'),
                    arg_min(country, seq) FILTER (WHERE role = 'departure')) AS origin,
           string_agg(country, '>' ORDER BY seq) FILTER (WHERE role = 'transit') AS transit,
           arg_max(country, seq) FILTER (WHERE role = 'destination') AS destination
    FROM stage_legs GROUP BY seizure_id;
INSERT INTO facts
    SELECT k.skey, i.seizure_id, CAST(i.seized_date AS DATE), i.reporting_country,
           i.country_of_seizure, i.agency, i.bcp, i.settlement, i.lat, i.lon, i.mode,
           i.concealment, i.drug, i.drug_group, i.kg_eq, r.origin, r.transit, r.destination,
           s.scope,
           row_number() OVER (PARTITION BY i.seizure_id ORDER BY i.line_no) = 1,
           row_number() OVER (PARTITION BY i.seizure_id, i.drug ORDER BY i.line_no) = 1,
           row_number() OVER (PARTITION BY i.seizure_id, i.drug_group ORDER BY i.line_no) = 1
    FROM stage_items i
    JOIN stage_keys k ON k.seizure_id = i.seizure_id
    LEFT JOIN stage_routes r ON r.seizure_id = i.seizure_id
    JOIN scopes s ON s.owner_agency_id = i.owner_agency_id
        AND s.owner_country IS NOT DISTINCT FROM i.owner_country
        AND s.status = i.status AND s.distribution = i.distribution;
INSERT INTO legs
    SELECT k.skey, l.seizure_id, min(l.seq), l.country, l.next_country
    FROM (SELECT seizure_id, seq, country,
                 lead(country) OVER (PARTITION BY seizure_id ORDER BY seq) AS next_country
          FROM stage_legs) l
    JOIN stage_keys k ON k.seizure_id = l.seizure_id
    WHERE l.next_country IS NOT NULL AND l.next_country <> l.country
    GROUP BY k.skey, l.seizure_id, l.country, l.next_country;  -- a leg flown twice counts once
"""


@dataclass(frozen=True, slots=True)
class Visible:
    """What one viewer sees: a SQL condition over ``facts`` (alias ``f``) and its id tables."""

    condition: str
    tables: dict[str, pa.Table]
    # The scopes the condition admits whole; the rows it admits beyond them are the rows in
    # ``tables["v_extra"]`` (none of them in these scopes). None: not a viewer's condition.
    scopes: frozenset[int] | None = None
    # The FROM item of the viewer's rows, alias ``f``; ``condition`` applies to it.
    facts: str = "facts f"


@dataclass
class LoadStats:
    seconds: float = 0.0
    items: int = 0
    seizures: int = 0
    refreshes: int = 0
    refreshed_seizures: int = 0


@dataclass
class StatsEngine:
    """The in-process analytics copy of one database (one per process and database)."""

    db: Engine
    duck: duckdb.DuckDBPyConnection = field(default_factory=lambda: duckdb.connect(":memory:"))
    cursor: ChangeCursor = field(default_factory=ChangeCursor)
    loaded: bool = False
    stats: LoadStats = field(default_factory=LoadStats)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _scope_cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _listed_cache: dict[tuple[Any, ...], frozenset[str]] = field(default_factory=dict)
    _extra_cache: dict[tuple[Any, ...], pa.Table] = field(default_factory=dict)
    _version: int = 0  # bumped by every applied change, for the caches
    _scope_rows: tuple[int, list[tuple[int, str, str | None, str, str]]] | None = None
    official_cache: tuple[tuple[Any, ...], list[dict[str, Any]]] | None = None  # annual.py

    # -- loading -----------------------------------------------------------------------------

    def ensure_loaded(self) -> None:
        """Load everything once (the first statistic of a process waits for it)."""
        if self.loaded:
            return
        with self._lock:
            if not self.loaded:
                self._load_all()

    def _load_all(self) -> None:
        started = time.perf_counter()
        self.duck.execute(DDL)
        with self.db.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            self.cursor.start(conn)  # the mark first: later writes are polled again
            first = True
            for batch in load.stream_full(conn, load.ITEM_SQL, load.ITEM_SCHEMA):
                self.duck.register("stage_batch", batch)
                if first:
                    self.duck.execute("CREATE TEMP TABLE stage_items AS SELECT * FROM stage_batch")
                    first = False
                else:
                    self.duck.execute("INSERT INTO stage_items SELECT * FROM stage_batch")
                self.duck.unregister("stage_batch")
            if first:
                self.duck.register("stage_batch", load.ITEM_SCHEMA.empty_table())
                self.duck.execute("CREATE TEMP TABLE stage_items AS SELECT * FROM stage_batch")
                self.duck.unregister("stage_batch")
            legs = pa.concat_tables(
                list(load.stream_full(conn, load.LEG_SQL, load.LEG_SCHEMA))
                or [load.LEG_SCHEMA.empty_table()]
            )
            points = load.crossing_points(conn)
            conn.rollback()
        self.duck.register("stage_legs_arrow", legs)
        self.duck.execute("CREATE TEMP TABLE stage_legs AS SELECT * FROM stage_legs_arrow")
        self.duck.unregister("stage_legs_arrow")
        self.duck.register("points_arrow", points)
        self.duck.execute("CREATE TABLE crossing_points AS SELECT * FROM points_arrow")
        self.duck.unregister("points_arrow")
        self.duck.execute(INSERT_SQL)
        self.duck.execute("DROP TABLE stage_items; DROP TABLE stage_legs")
        # fetchall, not fetchone: DuckDB refuses other work on a connection whose result was
        # not read to the end (the next change to apply would fail).
        ((items, seizures),) = self.duck.execute(
            "SELECT count(*), count(*) FILTER (WHERE first_item) FROM facts"
        ).fetchall()
        self.stats.items, self.stats.seizures = int(items), int(seizures)
        self.stats.seconds = time.perf_counter() - started
        self._version += 1  # the caches start afresh
        self.loaded = True

    # -- freshness ---------------------------------------------------------------------------

    def refresh(self, conn: Connection | None = None) -> int:
        """Apply every change committed since the last call; returns how many seizures."""
        self.ensure_loaded()
        if conn is None:
            with self.db.connect() as own:
                return self.refresh(own)
        with self._lock:
            changes = self.cursor.poll(conn)
            if not changes:
                return 0
            ids = sorted({c.seizure_id for c in changes})
            items = load.fetch_for(conn, load.ITEM_SQL, load.ITEM_SCHEMA, ids)
            legs = load.fetch_for(conn, load.LEG_SQL, load.LEG_SCHEMA, ids)
            self._apply(ids, items, legs)
            self.stats.refreshes += 1
            self.stats.refreshed_seizures += len(ids)
            return len(ids)

    def _apply(self, ids: Sequence[str], items: pa.Table, legs: pa.Table) -> None:
        changed = pa.table({"seizure_id": pa.array(ids, pa.string())})
        duck = self.duck
        duck.register("changed", changed)
        duck.register("stage_items", items)
        duck.register("stage_legs", legs)
        duck.execute("BEGIN")
        try:
            duck.execute("DELETE FROM facts WHERE seizure_id IN (SELECT seizure_id FROM changed)")
            duck.execute("DELETE FROM legs WHERE seizure_id IN (SELECT seizure_id FROM changed)")
            duck.execute(INSERT_SQL)
            duck.execute("COMMIT")
        except BaseException:
            duck.execute("ROLLBACK")
            raise
        finally:
            for name in ("changed", "stage_items", "stage_legs"):
                duck.unregister(name)
        self._version += 1

    # -- visibility --------------------------------------------------------------------------

    def visible(self, viewer: Viewer, *, now: datetime | None = None) -> Visible | None:
        """The viewer's condition over ``facts``; None when they may read no seizure.

        One database connection: poll the feed, then (for a content reader) the policy's
        scope flags (cached until a new scope appears), the granted ids (every call: grants
        expire and are revoked without a feed entry) and the listed ids (cached until the next
        applied change). The listed and granted seizures outside the viewer's scopes become a
        small table of row keys, cached likewise, so the per-row test is on integers.
        """
        moment = now or datetime.now(UTC)
        key = (viewer.agency_id, viewer.country, viewer.is_hub, viewer.membership)
        self.ensure_loaded()
        with self.db.connect() as conn:
            self.refresh(conn)
            if not reads_content(viewer):
                return None
            with self._lock:
                scopes = self._scopes()
                cached = self._scope_cache.get(key)
                if cached is None or cached[0] != len(scopes):
                    cached = (len(scopes), scope_visibility(conn, viewer, scopes, now=moment))
                    self._scope_cache[key] = cached
                rule: ScopeVisibility = cached[1]
                granted = frozenset(
                    str(r[0]) for r in conn.execute(granted_object_ids(viewer, moment))
                )
                listed_key = (key, self._version)
                listed = self._listed_cache.get(listed_key)
                if listed is None:
                    listed = frozenset(str(r[0]) for r in conn.execute(listed_object_ids(viewer)))
                    self._listed_cache = {listed_key: listed} | {
                        k: v for k, v in self._listed_cache.items() if k[1] == self._version
                    }
                extra = self._extra_keys(key, rule, listed, granted)
        if extra.num_rows == 0:
            return Visible(_in_list("f.scope", rule.by_scope), {}, rule.by_scope)
        # The listed and granted rows outside the scopes come as a second branch, from their
        # own small copy: an OR with an IN over their keys would test every row.
        rows = (
            f"(SELECT * FROM facts WHERE {_in_list('scope', rule.by_scope)} "  # noqa: S608
            "UNION ALL SELECT * FROM v_extra) f"
        )
        return Visible("TRUE", {"v_extra": extra}, rule.by_scope, rows)

    def _extra_keys(
        self,
        key: tuple[Any, ...],
        rule: ScopeVisibility,
        listed: frozenset[str],
        granted: frozenset[str],
    ) -> pa.Table:
        """The rows of the listed or granted seizures the viewer's scopes do not already admit.

        A copy of those rows (few: the ids a viewer's lists and grants name), so that a
        statistic reads them without a join over the whole copy.
        """
        cache_key = (key, self._version, rule, listed, granted)
        found = self._extra_cache.get(cache_key)
        if found is not None:
            return found
        parts = []
        tables = {}
        if listed and rule.listed_eligible:
            tables["x_listed"] = pa.table({"id": pa.array(sorted(listed), pa.string())})
            parts.append(_widened(rule.listed_eligible, "x_listed"))
        if granted and rule.grant_eligible:
            tables["x_granted"] = pa.table({"id": pa.array(sorted(granted), pa.string())})
            parts.append(_widened(rule.grant_eligible, "x_granted"))
        where = "FALSE"
        if parts:
            where = f"NOT {_in_list('f.scope', rule.by_scope)} AND ({' OR '.join(parts)})"
        cursor = self.duck.cursor()
        try:
            for name, table in tables.items():
                cursor.register(name, table)
            found = cursor.sql(f"SELECT f.* FROM facts f WHERE {where}").to_arrow_table()  # noqa: S608
        finally:
            cursor.close()
        self._extra_cache = {cache_key: found} | {
            k: v for k, v in self._extra_cache.items() if k[1] == self._version
        }
        return found

    def _scopes(self) -> list[tuple[int, str, str | None, str, str]]:
        """The scope table (it only grows, when a load or a change adds a scope)."""
        if self._scope_rows is not None and self._scope_rows[0] == self._version:
            return self._scope_rows[1]
        rows = self.duck.execute(
            "SELECT scope, owner_agency_id, owner_country, status, distribution FROM scopes "
            "ORDER BY scope"
        ).fetchall()
        scopes = [(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]
        self._scope_rows = (self._version, scopes)
        return scopes

    # -- queries -----------------------------------------------------------------------------

    def query(
        self, visible: Visible, sql: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` on a fresh cursor with the viewer's id tables registered."""
        cursor = self.duck.cursor()
        try:
            for name, table in visible.tables.items():
                cursor.register(name, table)
            return cursor.execute(sql, list(params)).fetchall()
        finally:
            cursor.close()

    def close(self) -> None:
        self.duck.close()


def _in_list(column: str, numbers: frozenset[int]) -> str:
    if not numbers:
        return "FALSE"
    return f"{column} IN ({', '.join(str(n) for n in sorted(numbers))})"


def _widened(scopes: frozenset[int], table: str) -> str:
    """Rows of ``scopes`` whose seizure id is in the registered id table ``table``."""
    inner = f"f.seizure_id IN (SELECT id FROM {table})"  # noqa: S608 - our own table name
    return f"({_in_list('f.scope', scopes)} AND {inner})"


_ENGINES: dict[int, StatsEngine] = {}
_ENGINES_LOCK = threading.Lock()


def stats_engine_for(db: Engine) -> StatsEngine:
    """The process's analytics copy of ``db`` (created on first use, loaded lazily)."""
    with _ENGINES_LOCK:
        found = _ENGINES.get(id(db))
        if found is None or found.db is not db:
            found = StatsEngine(db)
            _ENGINES[id(db)] = found
        return found


def forget(db: Engine) -> None:
    """Drop the copy of ``db`` (tests and benchmarks that dispose of their database)."""
    with _ENGINES_LOCK:
        found = _ENGINES.pop(id(db), None)
    if found is not None:
        found.close()
