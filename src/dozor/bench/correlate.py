"""``dozor bench correlate``: the correlation pages' queries on N demo seizures.

Loads N demo seizures into a fresh database the way ``dozor demo`` does (import through the
one write path, so the correlation index, blocking keys and candidate pairs are built by the
writer, then the workflow releases most of them). The demo's persons seldom share a phone or a
vehicle, so a share of each agency's seizures (``NETWORK_SHARE``) is grouped into networks of
``NETWORK_SIZE`` seizures whose couriers use the network's phone and, half the time, its
vehicle, as trafficking groups do: that gives the link chart something to walk (tens to
hundreds of nodes at depth 2 and 3). Then it times, as the Kazakh demo analyst, the
functions the API and pages call, each inside a transaction as the API runs them:

- the correlations of one person and of one vehicle (selectors, visible matches, seizures);
- the link chart from a person at depth 2 and 3 (default node cap);
- the candidate queue (first page of 50) and a later page;
- matching one new record on import: the correlation index and candidate pairs of one person
  rewritten (``maintain.objects_changed``), rolled back after each run.

Starts are persons and vehicles holding a value shared with another record, so the charts and
correlations have something to walk. p50 and p95 in milliseconds.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from dozor.access.principal import Principal, load_principal
from dozor.bench.report import Report, Result
from dozor.demo.generator import DemoSeizure
from dozor.demo.loader import load_demo
from dozor.matching import candidates, correlation, graph, maintain
from dozor.settings import Settings, load_settings
from dozor.store.db import make_engine
from dozor.store.schema import app_user
from dozor.store.schema_matching import selector_entry

VIEWER = "kaz.analyst"
# Interactive pages: a correlation or chart answer within a tenth of a second.
PAGE_TARGET_MS = 100.0
IMPORT_TARGET_MS = 50.0


NETWORK_SHARE = 0.3
NETWORK_SIZE = 15


def with_networks(items: Iterable[DemoSeizure], seed: int) -> Iterator[DemoSeizure]:
    """The demo seizures, some of each agency's joined into networks sharing phones and cars.

    A network's phone and vehicle are the first ones its seizures bring, so every value is one
    the generator wrote for that agency's country (and normalises the same way).
    """
    rng = random.Random(seed)
    networks: dict[str, dict[str, Any]] = {}
    for item in items:
        agency = item.seizure_rows[0]["reporting_agency"]
        if item.person_rows and rng.random() < NETWORK_SHARE:
            network = networks.setdefault(agency, {"members": 0})
            first = item.person_rows[0]
            if first["phone"] and "phone" not in network:
                network["phone"] = first["phone"]
            if first["vehicle_plate"] and "plate" not in network:
                network["plate"] = (first["vehicle_plate"], first["vehicle_country"])
            first["phone"] = network.get("phone", first["phone"])
            if "plate" in network and rng.random() < 0.5:
                first["vehicle_plate"], first["vehicle_country"] = network["plate"]
                first["vin"] = ""
            network["members"] += 1
            if network["members"] >= NETWORK_SIZE:
                del networks[agency]
        yield item


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def _time(run: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _shared_objects(conn: Connection, object_type: str, limit: int, seed: int) -> list[str]:
    """Objects of ``object_type`` holding a valid value that another object holds too."""
    shared = (
        select(selector_entry.c.kind, selector_entry.c.value)
        .where(selector_entry.c.valid.is_(True), selector_entry.c.object_type == object_type)
        .group_by(selector_entry.c.kind, selector_entry.c.value)
        .having(func.count() > 1)
        .subquery()
    )
    ids = sorted(
        set(
            conn.execute(
                select(selector_entry.c.object_id).join(
                    shared,
                    (shared.c.kind == selector_entry.c.kind)
                    & (shared.c.value == selector_entry.c.value),
                )
            ).scalars()
        )
    )
    random.Random(seed).shuffle(ids)
    return ids[:limit]


def _visible(conn: Connection, viewer: Principal, kind: str, ids: list[str]) -> list[str]:
    object_kind = correlation.OBJECT_KINDS[kind]
    found = set(
        conn.execute(
            select(object_kind.table.c.id).where(
                object_kind.table.c.id.in_(ids),
                correlation.visible(object_kind, viewer, datetime.now(UTC)),
            )
        ).scalars()
    )
    return [i for i in ids if i in found]


class Timings:
    """The timed calls on one loaded database."""

    def __init__(self, engine: Engine, settings: Settings, viewer: Principal) -> None:
        self.engine = engine
        self.settings = settings
        self.viewer = viewer

    def correlations(self, kind: str, object_id: str) -> None:
        with self.engine.begin() as conn:
            correlation.object_correlations(
                conn,
                self.viewer,
                kind,
                object_id,
                max_frequency=self.settings.correlation_max_frequency,
                node=self.settings.node_code,
            )

    def chart(self, start: str, depth: int) -> dict[str, Any] | None:
        with self.engine.begin() as conn:
            return graph.link_chart(
                conn,
                self.viewer,
                start,
                depth=depth,
                max_frequency=self.settings.correlation_max_frequency,
                node=self.settings.node_code,
                region=self.viewer.country,
            )

    def queue(self, offset: int) -> None:
        with self.engine.begin() as conn:
            candidates.candidate_queue(conn, self.viewer, limit=50, offset=offset)

    def reindex(self, person_id: str) -> None:
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                maintain.objects_changed(conn, persons=[person_id])
            finally:
                transaction.rollback()


def _cycle(call: Callable[[str], object], ids: Sequence[str], repeats: int) -> Callable[[], object]:
    state = {"i": 0}

    def run() -> object:
        object_id = ids[state["i"] % len(ids)]
        state["i"] += 1
        return call(object_id)

    return run


def _add(report: Report, name: str, times: list[float], target: float | None) -> None:
    high = p95(times)
    report.results.append(
        Result(
            f"p95 {name}",
            high,
            "ms",
            target="" if target is None else f"<= {target:g} ms",
            ok=None if target is None else high <= target,
        )
    )
    report.results.append(Result(f"p50 {name}", statistics.median(times), "ms"))


def measure(engine: Engine, settings: Settings, report: Report, repeats: int, seed: int) -> None:
    """Time every query on a loaded database (see the module docstring)."""
    with engine.connect() as conn:
        user_id = conn.execute(
            select(app_user.c.id).where(app_user.c.username == VIEWER)
        ).scalar_one()
        viewer = load_principal(conn, str(user_id), "session")
        assert viewer is not None
        persons = _visible(conn, viewer, "person", _shared_objects(conn, "person", 400, seed))
        vehicles = _visible(
            conn, viewer, "conveyance", _shared_objects(conn, "conveyance", 400, seed)
        )
    if not persons:
        raise RuntimeError("no visible person shares a value with another: too few seizures")
    timings = Timings(engine, settings, viewer)
    report.params["start_persons"] = len(persons)
    # Warm the caches (and the planner) once, as a server that has run for a while.
    timings.correlations("person", persons[0])
    timings.chart(f"person:{persons[0]}", 2)
    timings.queue(0)
    _add(
        report,
        "correlations of one person",
        _time(_cycle(lambda i: timings.correlations("person", i), persons, repeats), repeats),
        PAGE_TARGET_MS,
    )
    if vehicles:
        _add(
            report,
            "correlations of one vehicle",
            _time(
                _cycle(lambda i: timings.correlations("conveyance", i), vehicles, repeats),
                repeats,
            ),
            PAGE_TARGET_MS,
        )
    sizes: list[int] = []
    for depth in (2, 3):

        def chart(object_id: str, depth: int = depth) -> None:
            found = timings.chart(f"person:{object_id}", depth)
            if found is not None:
                sizes.append(len(found["nodes"]))

        _add(
            report,
            f"link chart depth {depth}",
            _time(_cycle(chart, persons, repeats), repeats),
            PAGE_TARGET_MS,
        )
    report.params["chart_nodes_median"] = statistics.median(sizes) if sizes else 0
    _add(report, "candidate queue", _time(lambda: timings.queue(0), repeats), PAGE_TARGET_MS)
    _add(
        report,
        "candidate queue page 5",
        _time(lambda: timings.queue(200), repeats),
        PAGE_TARGET_MS,
    )
    _add(
        report,
        "match one new record on import",
        _time(_cycle(timings.reindex, persons, repeats), repeats),
        IMPORT_TARGET_MS,
    )


def run(n: int, *, repeats: int = 30, seed: int = 5, database_url: str | None = None) -> Report:
    """Load N demo seizures into a fresh database and time the correlation queries."""
    report = Report("correlate", {"seizures": n, "repeats": repeats, "database": "sqlite"})
    with tempfile.TemporaryDirectory(prefix="dozor-bench-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = load_settings(home=Path(folder), database_url=url)
        engine = make_engine(settings.resolved_database_url())
        report.params["database"] = engine.dialect.name
        try:
            started = time.perf_counter()
            load_demo(
                engine,
                settings,
                seizures=n,
                seed=seed,
                shape=lambda items: with_networks(items, seed),
            )
            report.results.append(Result("load demo seizures", time.perf_counter() - started, "s"))
            measure(engine, settings, report, repeats, seed)
        finally:
            engine.dispose()
    return report
