"""``dozor bench access``: the cost of the access policy on a list of N seizures.

Builds N synthetic seizures (owners in the five countries and the hub, mixed statuses,
distributions, listed audiences and grants) straight into a fresh database, then times the
seizure list (a page of 50, newest first, with its total count, under varied filters) through
the policy for an analyst of another country, against the same list without the policy. The
list is timed as the app runs it: the page from the database, the total from the analytics
copy (``analytics.counts``; without the policy, the same count with the condition ``TRUE``).
The same list with the total counted in SQL, the fallback while the copy loads, is printed
beside it.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from dozor.access.policy import seizure_visible
from dozor.access.reads import SeizureFilter, _filter_conditions
from dozor.analytics.counts import count_in_copy
from dozor.analytics.engine import Visible, stats_engine_for
from dozor.bench.report import Report, Result
from dozor.domain.ids import uuid7
from dozor.ingest.service import load_agencies
from dozor.settings import load_settings
from dozor.store.bulk import insert_rows
from dozor.store.db import make_engine
from dozor.store.reference import init_database
from dozor.store.schema import access_grant, listed_audience, seizure

TARGET_RATIO = 1.25
COLUMNS = (
    "id", "owner_agency_id", "owner_country", "origin_node", "version", "source_type",
    "reporting_channel", "created_at", "updated_at", "distribution", "tlp", "handling",
    "local_ref", "status", "reporting_country", "country_of_seizure", "seized_at",
    "seized_local", "seized_date", "seized_precision", "tz", "location_type",
    "mode_of_transport", "conveyance_type", "direction", "suspected_false", "item_count",
    "total_kg_eq", "content_hash",
)  # fmt: skip


class AnalystOf:
    """A viewer: an analyst of one agency."""

    def __init__(self, agency_id: str, country: str | None) -> None:
        self.user_id = "bench"
        self.agency_id = agency_id
        self.country = country
        self.is_hub = country is None
        self.membership = "member"
        self.roles = frozenset({"analyst"})


def populate(engine: Engine, n: int, seed: int) -> list[Any]:
    """Insert ``n`` seizures with varied markings; returns the agencies."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        agencies = load_agencies(conn)
    now = datetime.now(UTC)
    start = date(2018, 1, 1)
    statuses = ["released"] * 6 + ["validated", "draft", "submitted", "retracted"]
    marks = [("national", "AMBER"), ("region", "GREEN"), ("org", "RED"), ("listed", "AMBER")]
    batch: list[tuple[Any, ...]] = []
    listed: list[tuple[Any, ...]] = []
    grants: list[tuple[Any, ...]] = []
    with engine.begin() as conn:
        for index in range(n):
            owner = agencies[rng.randrange(len(agencies))]
            day = start + timedelta(days=rng.randrange(2800))
            distribution, tlp = marks[rng.randrange(4)]
            seizure_id = uuid7()
            at = datetime(day.year, day.month, day.day, tzinfo=UTC)
            batch.append((seizure_id, owner.id, owner.country, "BENCH", 1, "official_report",
                          "bulk_import", now, now, distribution, tlp, "H0", f"B{index:08d}",
                          statuses[rng.randrange(len(statuses))], owner.country or "KAZ",
                          owner.country or "KAZ", at, day.isoformat(), day, "day",
                          "Asia/Almaty", "road", "road", "unknown", "unknown", False, 1,
                          rng.random() * 10, f"{index:064d}"))  # fmt: skip
            if distribution == "listed":
                target = agencies[rng.randrange(len(agencies))]
                listed.append((seizure_id, target.id, None))
            if rng.random() < 0.001:
                grantee = agencies[rng.randrange(len(agencies))]
                grants.append((uuid7(), grantee.id, "seizure", seizure_id, "seizure_details",
                               "H2", "AMBER", now, now + timedelta(days=30)))  # fmt: skip
            if len(batch) >= 20_000:
                insert_rows(conn, seizure, COLUMNS, batch)
                batch.clear()
        insert_rows(conn, seizure, COLUMNS, batch)
        insert_rows(conn, listed_audience, ("object_id", "agency_id", "country"), listed)
        insert_rows(conn, access_grant, ("id", "grantee_agency_id", "object_type", "object_id",
                                         "scope", "handling", "tlp", "created_at",
                                         "expires_at"), grants)  # fmt: skip
    return agencies


def _time(run: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def run(n: int, seed: int = 11, repeats: int = 20, database_url: str | None = None) -> Report:
    """Populate, then time the list with the policy against the same list without it."""
    report = Report("access", {"seizures": n, "database": "sqlite"})
    with tempfile.TemporaryDirectory(prefix="dozor-bench-") as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = load_settings(home=Path(folder), database_url=url)
        engine = make_engine(url)
        report.params["database"] = engine.dialect.name
        init_database(engine, settings)
        agencies = populate(engine, n, seed)
        viewer = AnalystOf(next(a.id for a in agencies if a.country == "KGZ"), "KGZ")
        copy = stats_engine_for(engine)
        copy.ensure_loaded()  # as `dozor serve` does at start (DOZOR_ANALYTICS_WARM_UP)
        report.params["copy_load_seconds"] = round(copy.stats.seconds, 1)
        filters = [SeizureFilter(), SeizureFilter(country="KAZ"),
                   SeizureFilter(date_from=date(2021, 1, 1), date_to=date(2021, 12, 31)),
                   SeizureFilter(country="UZB", date_from=date(2020, 1, 1))]  # fmt: skip
        now = datetime.now(UTC)

        def page(policy: bool, chosen: SeizureFilter) -> None:
            where = _filter_conditions(viewer, chosen, now)
            if policy:
                where.append(seizure_visible(viewer, now=now))
            query = (select(seizure.c.id, seizure.c.local_ref, seizure.c.seized_date)
                     .where(*where).order_by(seizure.c.seized_date.desc(), seizure.c.id)
                     .limit(50))  # fmt: skip
            with engine.connect() as conn:
                conn.execute(query).all()

        def total_in_copy(policy: bool, chosen: SeizureFilter) -> None:
            if policy:
                visible = copy.visible(viewer)  # polls the change feed, then the policy
            else:
                copy.refresh()  # the same freshness, no policy
                visible = Visible("TRUE", {})
            assert visible is not None
            count_in_copy(copy, visible, chosen)

        def total_in_sql(policy: bool, chosen: SeizureFilter) -> None:
            where = _filter_conditions(viewer, chosen, now)
            if policy:
                where.append(seizure_visible(viewer, now=now))
            with engine.connect() as conn:
                conn.execute(select(func.count()).select_from(seizure).where(*where)).scalar()

        def timed(*steps: Callable[[bool, SeizureFilter], None]) -> dict[bool, list[float]]:
            for policy in (False, True):
                for step in steps:
                    step(policy, filters[0])  # warm the caches
            times: dict[bool, list[float]] = {False: [], True: []}
            for chosen in filters:
                for policy in (False, True):
                    times[policy] += _time(lambda: [s(policy, chosen) for s in steps], repeats)  # noqa: B023
            return times

        listed = timed(page, total_in_copy)
        sql_only = timed(page, total_in_sql)
        engine.dispose()
    filtered, raw = _p95(listed[True]), _p95(listed[False])
    report.results.append(Result("p95 seizure list", filtered, "ms", baseline=raw,
                                 ratio=filtered / raw, target=f"<= {TARGET_RATIO}x unfiltered",
                                 ok=filtered / raw <= TARGET_RATIO))  # fmt: skip
    report.results.append(Result("p50 seizure list", statistics.median(listed[True]), "ms",
                                 baseline=statistics.median(listed[False])))  # fmt: skip
    # For comparison: page and total both in SQL (the list's fallback while the copy loads).
    report.results.append(Result("p95 seizure list, total in SQL", _p95(sql_only[True]), "ms",
                                 baseline=_p95(sql_only[False]),
                                 ratio=_p95(sql_only[True]) / _p95(sql_only[False])))  # fmt: skip
    return report
