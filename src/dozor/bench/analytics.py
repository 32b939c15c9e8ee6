"""``dozor bench analytics``: every dashboard panel's p95 against raw DuckDB, same rows, same run.

Builds N seizures with the demo generator through the real importer (seizure rows only, no
persons) into a fresh database, then gives them the workflow mix of a working node in bulk
(most released, some validated, submitted, draft or retracted; some listed to another
country; a few grants). Loads the analytics copy (time and peak memory), then times each panel
through the code path the API uses (``analytics.stats`` for a national analyst: freshness
poll, policy scopes, query, answer shaping) under varied filters. The baseline is the issue's
"same aggregation as a raw DuckDB query over an in-memory table of the same rows": the very SQL
each panel issued, without the policy condition, on a plain DuckDB copy of all N seizures' rows.
So the ratio is what the policy, the freshness poll and the answer shaping cost on top of a raw
aggregation of the data.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine, text

from dozor.access.policy import Viewer
from dozor.analytics import stats
from dozor.analytics.annual import annual
from dozor.analytics.anomalies import anomalies
from dozor.analytics.engine import StatsEngine
from dozor.analytics.filters import StatsFilter
from dozor.bench.report import Report, Result, peak_rss_mib
from dozor.demo.generator import generate, write_template_csv
from dozor.ingest.readers import open_sheets
from dozor.ingest.service import import_file
from dozor.ingest.unodc import import_annual
from dozor.settings import load_settings
from dozor.store.db import make_engine
from dozor.store.reference import init_database

TARGET_MS = 200.0
TARGET_MS_LARGE = 1000.0
TARGET_RATIO = 2.0
LOAD_TARGET_S = 60.0
FILTERS = (
    StatsFilter(),
    StatsFilter(country="KAZ"),
    StatsFilter(date_from=date(2021, 1, 1), date_to=date(2021, 12, 31)),
    StatsFilter(drug_group="opioids"),
    StatsFilter(mode_of_transport="road", date_from=date(2020, 1, 1)),
)
Panel = Callable[[StatsEngine, Viewer, StatsFilter], Any]
PANELS: dict[str, Panel] = {
    "timeseries": lambda e, v, f: stats.timeseries(e, v, f, granularity="month"),
    "by-country": lambda e, v, f: stats.by_dimension(e, v, f, "country"),
    "by-drug": lambda e, v, f: stats.by_dimension(e, v, f, "drug"),
    "by-bcp": lambda e, v, f: stats.by_dimension(e, v, f, "bcp"),
    "by-concealment": lambda e, v, f: stats.by_dimension(e, v, f, "concealment"),
    "routes": lambda e, v, f: stats.routes(e, v, f),
    "compare": lambda e, v, f: stats.compare(
        e, v, f, a=(date(2019, 1, 1), date(2019, 12, 31)), b=(date(2020, 1, 1), date(2020, 12, 31))
    ),
    "seasonality": lambda e, v, f: stats.seasonality(e, v, f),
    "anomalies": lambda e, v, f: anomalies(e, v, f),
    "hotspots": lambda e, v, f: stats.hotspots(e, v, f),
    "annual": lambda e, v, f: annual(e, v, f),
}


class NationalAnalyst:
    """The viewer: an analyst of one national agency."""

    def __init__(self, agency_id: str, country: str) -> None:
        self.user_id = "bench"
        self.agency_id = agency_id
        self.country: str | None = country
        self.is_hub = False
        self.membership = "member"
        self.roles = frozenset({"analyst"})


class TracingEngine(StatsEngine):
    """The analytics copy, remembering the SQL each statistic ran (for the baseline)."""

    trace: list[tuple[str, str, list[Any]]] | None = None

    def query(self, visible: Any, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        if self.trace is not None:
            plain = sql.replace(visible.facts, "facts f").replace(visible.condition, "TRUE")
            self.trace.append((visible.condition, plain, list(params)))
        return super().query(visible, sql, params)


def populate(engine: Engine, n: int, seed: int, folder: Path) -> None:
    """N demo seizures through the importer, then a working node's workflow mix in bulk."""
    settings = load_settings(home=folder, database_url=str(engine.url))
    settings = settings.model_copy(
        update={"import_max_rows": max(n * 4, 100_000), "import_max_bytes": 1 << 36}
    )
    init_database(engine, settings)
    path = folder / "seizures.csv"
    write_template_csv(generate(n, seed=seed), path, None)
    result = import_file(engine, settings, path)
    if not result.committed:
        raise RuntimeError(f"bench import failed: {[p.as_dict() for p in result.errors[:5]]}")
    path.unlink()
    source = files("dozor.reference") / "unodc" / "drug_seizures_2018_2022.xlsx"
    with as_file(source) as annual_path:
        sheet = next(s for s in open_sheets(annual_path) if s.kind == "annual")
        import_annual(engine, settings, annual_path, sheet)
    tail = "substr(id, 36, 1)"
    with engine.begin() as conn:
        conn.execute(text(
            f"UPDATE seizure SET status = CASE WHEN {tail} IN ('c') THEN 'validated' "
            f"WHEN {tail} = 'd' THEN 'submitted' WHEN {tail} = 'e' THEN 'draft' "
            f"WHEN {tail} = 'f' THEN 'retracted' ELSE 'released' END, "
            f"distribution = CASE WHEN substr(id, 35, 1) = '0' AND distribution <> 'org' "
            "THEN 'listed' ELSE distribution END"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO listed_audience (object_id, agency_id, country) "
            "SELECT id, NULL, CASE WHEN owner_country = 'KAZ' THEN 'UZB' ELSE 'KAZ' END "
            "FROM seizure WHERE distribution = 'listed'"
        ))  # fmt: skip


def _built(db: Engine) -> bool:
    """Whether ``db`` already holds a benchmark's seizures (re-running at a large size)."""
    with db.connect() as conn:
        try:
            return bool(conn.execute(text("SELECT count(*) FROM seizure")).scalar())
        except Exception:  # noqa: BLE001 - no schema yet: an empty database
            conn.rollback()
            return False


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def run(
    n: int,
    *,
    seed: int = 5,
    repeats: int = 5,
    database_url: str | None = None,
    large: bool = False,
) -> Report:
    """Populate, load, and time each panel against its raw DuckDB baseline."""
    report = Report("analytics", {"seizures": n, "database": "sqlite", "repeats": repeats})
    target = TARGET_MS_LARGE if large else TARGET_MS
    with tempfile.TemporaryDirectory(prefix="dozor-bench-") as name:
        folder = Path(name)
        url = database_url or f"sqlite:///{folder / 'bench.db'}"
        db = make_engine(url)
        report.params["database"] = db.dialect.name
        started = time.perf_counter()
        if _built(db):
            report.params["reused"] = True  # a database built by an earlier run
        else:
            populate(db, n, seed, folder)
        report.params["build_seconds"] = round(time.perf_counter() - started, 1)
        with db.connect() as conn:
            agency_id = conn.execute(
                text("SELECT id FROM agency WHERE code = 'KAZ-CUSTOMS'")
            ).scalar_one()
        viewer = NationalAnalyst(agency_id, "KAZ")
        copy = TracingEngine(db)
        copy.ensure_loaded()
        allowed = LOAD_TARGET_S * max(1.0, n / 1e6)
        report.results.append(Result("load seizures", copy.stats.seconds, "s",
                                     target=f"<= {LOAD_TARGET_S:.0f} s per 1,000,000",
                                     ok=copy.stats.seconds <= allowed))  # fmt: skip
        report.results.append(Result("peak RSS after load", peak_rss_mib(), "MiB",
                                     target="< 4096 MiB", ok=peak_rss_mib() < 4096))  # fmt: skip
        raw = _baseline_connection(copy)
        for panel, compute in PANELS.items():
            ours: list[float] = []
            theirs: list[float] = []
            for flt in FILTERS:
                compute(copy, viewer, flt)  # warm
                for _ in range(repeats):
                    copy.trace = []
                    begin = time.perf_counter()
                    compute(copy, viewer, flt)
                    ours.append((time.perf_counter() - begin) * 1000)
                    traced, copy.trace = copy.trace, None
                    begin = time.perf_counter()
                    for _condition, sql, params in traced:
                        raw.execute(sql, params).fetchall()
                    theirs.append((time.perf_counter() - begin) * 1000)
            p95, base = _p95(ours), _p95(theirs)
            ratio = p95 / base if base > 0 else None
            report.results.append(Result(
                f"p95 {panel}", p95, "ms", baseline=base, ratio=ratio,
                target=f"<= {target:.0f} ms and <= {TARGET_RATIO:.0f}x raw DuckDB",
                ok=p95 <= target and (ratio is None or ratio <= TARGET_RATIO),
            ))  # fmt: skip
            report.results.append(
                Result(
                    f"p50 {panel}",
                    statistics.median(ours),
                    "ms",
                    baseline=statistics.median(theirs),
                )  # fmt: skip
            )
        raw.close()
        copy.close()
        db.dispose()
    return report


def _baseline_connection(copy: StatsEngine) -> duckdb.DuckDBPyConnection:
    """A plain in-memory DuckDB holding every row of the copy, in the same tables."""
    raw = duckdb.connect(":memory:")
    source = copy.duck.cursor()
    for name in ("facts", "legs", "crossing_points"):
        table = source.sql(f"SELECT * FROM {name}").to_arrow_table()  # noqa: S608
        raw.register(f"{name}_arrow", table)
        raw.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608
        raw.unregister(f"{name}_arrow")
    source.close()
    return raw
