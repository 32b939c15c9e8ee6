"""``dozor bench ingest``: validated import against a raw csv+executemany baseline.

Both sides read the same generated CSV file into a fresh SQLite database in the same run;
the baseline parses with the csv module and inserts every row with ``executemany`` into one
table of text columns, without any validation.
"""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import time
from pathlib import Path

from dozor.bench.report import Report, Result, peak_rss_mib
from dozor.demo.generator import generate
from dozor.ingest.service import import_file
from dozor.ingest.template import SEIZURE_COLUMNS
from dozor.settings import load_settings
from dozor.store.db import make_engine
from dozor.store.reference import init_database

TARGET_RATIO = 2.5


def write_rows(path: Path, rows: int, seed: int) -> int:
    """Write at least ``rows`` template rows (whole seizures); returns the row count."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(SEIZURE_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for demo in generate(max(rows, 1), seed=seed):
            for row in demo.seizure_rows:
                writer.writerow(row)
                written += 1
            if written >= rows:
                break
    return written


def baseline(path: Path, db: Path) -> float:
    """Seconds to parse the CSV and executemany it into SQLite, unvalidated."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    columns = ", ".join(f'"{c}" TEXT' for c in SEIZURE_COLUMNS)
    conn.execute(f"CREATE TABLE raw_rows ({columns})")
    marks = ", ".join("?" for _ in SEIZURE_COLUMNS)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.executemany(f"INSERT INTO raw_rows VALUES ({marks})", reader)  # noqa: S608
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def run(rows: int, seed: int = 7) -> Report:
    """Generate, import both ways, report rows/s and the ratio."""
    report = Report("ingest", {"rows": rows, "database": "sqlite"})
    with tempfile.TemporaryDirectory(prefix="dozor-bench-") as folder:
        base = Path(folder)
        source = base / "rows.csv"
        count = write_rows(source, rows, seed)
        report.params["rows"] = count
        raw_seconds = baseline(source, base / "baseline.db")
        settings = load_settings(
            home=base,
            database_url=f"sqlite:///{base / 'dozor.db'}",
            import_max_rows=count + 1,
            import_max_bytes=1 << 40,
        )
        engine = make_engine(settings.resolved_database_url())
        init_database(engine, settings)
        start = time.perf_counter()
        result = import_file(engine, settings, source)
        ours_seconds = time.perf_counter() - start
        engine.dispose()
        if not result.committed:
            first = result.errors[0].as_dict() if result.errors else {}
            raise RuntimeError(f"benchmark import failed: {len(result.errors)} errors: {first}")
    ours, raw = count / ours_seconds, count / raw_seconds
    ratio = raw / ours
    report.results.append(
        Result(
            "import rows/s",
            ours,
            "rows/s",
            baseline=raw,
            ratio=ratio,
            target=f"<= {TARGET_RATIO}x baseline time",
            ok=ratio <= TARGET_RATIO,
        )
    )
    report.results.append(Result("import seconds", ours_seconds, "s", baseline=raw_seconds))
    report.results.append(
        Result("peak RSS", peak_rss_mib(), "MiB", target="< 2048 MiB", ok=peak_rss_mib() < 2048)
    )
    return report
