"""``dozor correlate``: the exact-correlation index and candidate matches of a node."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from dozor.cli.common import console, err_console, progress_bar, settings_and_engine

correlate_app = typer.Typer(
    help="Cross-border correlation: rebuild the index, frequent values, exclusions.",
    no_args_is_help=True,
)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str, sort_keys=True))


@correlate_app.command("rebuild")
def rebuild(
    check: bool = typer.Option(
        False, "--check", help="Only compare the index with the data; exit 1 if they differ."
    ),
    candidates: bool = typer.Option(
        True, "--candidates/--no-candidates", help="Also recompute candidate person matches."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Rewrite the correlation index (and candidate matches) from every person and vehicle."""
    from dozor.matching import candidates as candidate_pairs
    from dozor.matching import selector_index

    _, engine = settings_and_engine()
    if check:
        with engine.connect() as conn:
            missing, extra = selector_index.drift(conn)
        summary: dict[str, Any] = {"missing": len(missing), "extra": len(extra)}
        if as_json:
            _print_json(summary)
        else:
            console.print(
                f"Index rows missing: {len(missing)}; rows that should not be: {len(extra)}"
            )
        raise typer.Exit(1 if missing or extra else 0)
    with engine.begin() as conn:
        persons, vehicles = selector_index.object_counts(conn)
        with progress_bar("Correlation index", persons + vehicles, not as_json) as bar:
            task = bar.task_ids[0]
            result = selector_index.rebuild(conn, advance=lambda n: bar.advance(task, n))
        summary = result.as_dict()
        if candidates:
            with progress_bar("Candidate matches", persons, not as_json) as bar:
                pairs_task = bar.task_ids[0]
                _, pairs = candidate_pairs.rebuild(
                    conn, advance=lambda n: bar.advance(pairs_task, n)
                )
            summary["candidate_pairs"] = pairs
    if as_json:
        _print_json(summary)
        return
    console.print(
        f"Indexed {summary['entries']} selector values ({summary['invalid']} flagged invalid) "
        f"of {summary['persons']} persons and {summary['conveyances']} vehicles"
        + (f"; {summary['candidate_pairs']} candidate pairs." if candidates else ".")
    )


@correlate_app.command("frequent")
def frequent(
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many values."),
    threshold: int | None = typer.Option(
        None, "--threshold", min=1, help="Default: DOZOR_CORRELATION_MAX_FREQUENCY."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Values held by more records than the limit (they no longer correlate)."""
    from dozor.matching.exclusions import frequent_values

    settings, engine = settings_and_engine()
    cutoff = threshold or settings.correlation_max_frequency
    with engine.connect() as conn:
        values = frequent_values(conn, threshold=cutoff, limit=limit)
    if as_json:
        _print_json({"max_frequency": cutoff, "values": values})
        return
    if not values:
        console.print(f"No value is held by more than {cutoff} records.")
        return
    table = Table("kind", "value", "records", "excluded", title=f"Held by more than {cutoff}")
    for v in values:
        table.add_row(v["kind"], v["value"], str(v["count"]), "yes" if v["excluded"] else "")
    console.print(table)


@correlate_app.command("exclude")
def exclude(
    kind: str = typer.Argument(..., help="phone, passport, national_id, plate, vin, …"),
    value: str = typer.Argument(..., help="The value as written; it is normalised first."),
    reason: str = typer.Option(..., "--reason", help="Why (required, kept with the entry)."),
    country: str | None = typer.Option(
        None, "--country", help="ISO3: issuing country, or the phone's default region."
    ),
) -> None:
    """Take a value out of correlation (e.g. an agency's switchboard number); audited."""
    from dozor.matching.errors import MatchingError
    from dozor.matching.exclusions import OPERATOR, add_exclusion

    settings, engine = settings_and_engine()
    try:
        with engine.begin() as conn:
            row = add_exclusion(
                conn,
                OPERATOR,
                kind,
                value,
                reason,
                country=country or settings.node_country,
                node=settings.node_code,
                channel="cli",
            )
    except MatchingError as error:
        err_console.print(f"[red]{error.message(settings.lang)}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Excluded {row['kind']} {row['value']} (id {row['id']}).")


def register(app: typer.Typer) -> None:
    """Add ``correlate``."""
    app.add_typer(correlate_app, name="correlate")
