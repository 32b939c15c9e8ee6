"""``dozor bench NAME``: benchmarks that print numbers (Rich table, or JSON)."""

from __future__ import annotations

import json
import sys

import typer

from dozor.bench.report import Report
from dozor.cli.common import console

bench_app = typer.Typer(
    help="Benchmarks; each prints a table or, with --json, one object.", no_args_is_help=True
)
JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object.")
DATABASE_OPTION = typer.Option(
    None,
    "--database-url",
    help="An empty database to build in (default: a temporary SQLite file).",
)


def _emit(report: Report, as_json: bool) -> None:
    """The report as one JSON object on stdout, or as a table."""
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict()) + "\n")
    else:
        report.print_table(console)


@bench_app.command("ingest")
def bench_ingest(
    rows: int = typer.Option(200_000, "--rows", help="How many template rows to import."),
    seed: int = typer.Option(7, "--seed"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Validated import vs. csv + executemany into SQLite, same rows, same run."""
    from dozor.bench.ingest import run

    report = run(rows, seed)
    _emit(report, as_json)


@bench_app.command("access")
def bench_access(
    seizures: int = typer.Option(1_000_000, "--seizures", help="How many seizures to build."),
    repeats: int = typer.Option(20, "--repeats", help="Timed calls per filter and side."),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The policy's cost on the seizure list: filtered vs unfiltered p95, same data, same run."""
    from dozor.bench.access import run

    report = run(seizures, repeats=repeats, database_url=database_url)
    _emit(report, as_json)


@bench_app.command("match")
def bench_match(
    persons: int = typer.Option(100_000, "--persons", help="How many person records."),
    seed: int = typer.Option(11, "--seed"),
    splink: bool = typer.Option(True, "--splink/--no-splink", help="Run the Splink baseline."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Identity matching vs. Splink: precision, recall, F1, time; p95 one-vs-N latency."""
    from dozor.bench.match import run

    report = run(persons, seed, with_splink=splink)
    _emit(report, as_json)


@bench_app.command("analytics")
def bench_analytics(
    seizures: int = typer.Option(1_000_000, "--seizures", help="How many seizures to build."),
    repeats: int = typer.Option(5, "--repeats", help="Timed calls per panel and filter."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="An empty database, or one an earlier run built (reused; default: temporary SQLite).",
    ),
    large: bool = typer.Option(False, "--large", help="The 10,000,000 target: p95 <= 1 s."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Each dashboard panel's p95 through the API's code path vs raw DuckDB, same rows."""
    from dozor.bench.analytics import run

    if large and seizures == 1_000_000:
        seizures = 10_000_000
    report = run(seizures, repeats=repeats, database_url=database_url, large=large)
    _emit(report, as_json)


@bench_app.command("correlate")
def bench_correlate(
    seizures: int = typer.Option(10_000, "--seizures", help="How many demo seizures to load."),
    repeats: int = typer.Option(30, "--repeats", help="Timed calls per query."),
    database_url: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Correlations, link chart, candidate queue and import matching: p50/p95 on N seizures."""
    from dozor.bench.correlate import run

    report = run(seizures, repeats=repeats, database_url=database_url)
    _emit(report, as_json)


def register(app: typer.Typer) -> None:
    """Add the bench commands to the main app."""
    app.add_typer(bench_app, name="bench")
