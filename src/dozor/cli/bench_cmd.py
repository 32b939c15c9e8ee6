"""``dozor bench NAME``: benchmarks that print numbers (Rich table, or JSON)."""

from __future__ import annotations

import json
import sys

import typer

from dozor.cli.common import console

bench_app = typer.Typer(
    help="Benchmarks; each prints a table or, with --json, one object.", no_args_is_help=True
)


@bench_app.command("ingest")
def bench_ingest(
    rows: int = typer.Option(200_000, "--rows", help="How many template rows to import."),
    seed: int = typer.Option(7, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Validated import vs. csv + executemany into SQLite, same rows, same run."""
    from dozor.bench.ingest import run

    report = run(rows, seed)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict()) + "\n")
    else:
        report.print_table(console)


@bench_app.command("access")
def bench_access(
    seizures: int = typer.Option(1_000_000, "--seizures", help="How many seizures to build."),
    repeats: int = typer.Option(20, "--repeats", help="Timed calls per filter and side."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="An empty database (default: temporary SQLite)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """The policy's cost on the seizure list: filtered vs unfiltered p95, same data, same run."""
    from dozor.bench.access import run

    report = run(seizures, repeats=repeats, database_url=database_url)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict()) + "\n")
    else:
        report.print_table(console)


def register(app: typer.Typer) -> None:
    """Add the bench commands to the main app."""
    app.add_typer(bench_app, name="bench")
