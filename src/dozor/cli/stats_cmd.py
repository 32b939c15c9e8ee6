"""``dozor stats KIND``: the dashboard's statistics on the command line, as a user sees them."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select

from dozor.cli.common import console, err_console, settings_and_engine

KINDS = (
    "timeseries", "by-country", "by-drug", "by-drug-group", "by-bcp", "by-agency",
    "by-transport", "by-concealment", "routes", "compare", "seasonality", "anomalies",
    "hotspots", "annual",
)  # fmt: skip
BY_KIND = {
    "by-country": "country", "by-drug": "drug", "by-drug-group": "drug_group", "by-bcp": "bcp",
    "by-agency": "agency", "by-transport": "mode_of_transport", "by-concealment": "concealment",
}  # fmt: skip


def _when(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        err_console.print(f"[red]{name}={text!r}: expected a date YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None


def stats_command(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(KINDS)}."),
    user: str = typer.Option(..., "--user", help="Whose view: the statistics they may see."),
    date_from: str | None = typer.Option(None, "--from", help="First day, YYYY-MM-DD."),
    date_to: str | None = typer.Option(None, "--to", help="Last day, YYYY-MM-DD."),
    country: str | None = typer.Option(None, "--country", help="Country of seizure, ISO3."),
    agency: str | None = typer.Option(None, "--agency", help="Owner agency code."),
    bcp: str | None = typer.Option(None, "--bcp", help="Crossing point code."),
    drug_group: str | None = typer.Option(None, "--drug-group"),
    drug: str | None = typer.Option(None, "--drug", help="Substance code."),
    mode: str | None = typer.Option(None, "--mode", help="Mode of transport."),
    granularity: str = typer.Option("month", "--granularity", help="day|week|month|quarter|year"),
    split: str | None = typer.Option(None, "--split", help="timeseries: a series per category."),
    by: str = typer.Option("drug_group", "--by", help="compare/seasonality: the category."),
    a_from: str | None = typer.Option(None, "--a-from"),
    a_to: str | None = typer.Option(None, "--a-to"),
    b_from: str | None = typer.Option(None, "--b-from"),
    b_to: str | None = typer.Option(None, "--b-to"),
    measure: str = typer.Option("count", "--measure", help="count or kg_eq."),
    limit: int | None = typer.Option(None, "--limit", help="At most this many rows."),
    output: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """Print one statistic (the same numbers as /api/v1/stats/KIND for that user)."""
    from dozor.access.principal import load_principal
    from dozor.analytics.engine import stats_engine_for
    from dozor.analytics.filters import StatsError, StatsFilter
    from dozor.store.schema import app_user

    if kind not in KINDS:
        err_console.print(f"[red]kind={kind!r}: expected one of {', '.join(KINDS)}[/red]")
        raise typer.Exit(2)
    if output not in ("table", "csv", "json"):
        err_console.print(f"[red]--format={output!r}: expected table, csv or json[/red]")
        raise typer.Exit(2)
    _settings, engine = settings_and_engine()
    with engine.connect() as conn:
        user_id = conn.execute(select(app_user.c.id).where(app_user.c.username == user)).scalar()
        principal = load_principal(conn, user_id, "session") if user_id else None
    if principal is None:
        err_console.print(f"[red]No active user {user}.[/red]")
        raise typer.Exit(2)
    flt = StatsFilter(
        _when(date_from, "--from"), _when(date_to, "--to"), country, agency, bcp, drug_group,
        drug, mode,
    )  # fmt: skip
    copy = stats_engine_for(engine)
    try:
        flt = flt.checked()
        answer = _compute(
            kind, copy, principal, flt, granularity=granularity, split=split, by=by,
            measure=measure, limit=limit, periods=(a_from, a_to, b_from, b_to),
        )  # fmt: skip
    except StatsError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    _print(answer, output)


def _compute(kind: str, copy: Any, principal: Any, flt: Any, **o: Any) -> dict[str, Any]:
    from dozor.analytics import stats
    from dozor.analytics.annual import annual
    from dozor.analytics.anomalies import anomalies

    answer: dict[str, Any]
    if kind == "timeseries":
        answer = stats.timeseries(
            copy, principal, flt, granularity=o["granularity"], split=o["split"],
            measure=o["measure"],
        )  # fmt: skip
    elif kind in BY_KIND:
        answer = stats.by_dimension(copy, principal, flt, BY_KIND[kind], limit=o["limit"])
    elif kind == "routes":
        answer = stats.routes(copy, principal, flt, limit=o["limit"] or 50)
    elif kind == "compare":
        names = ("--a-from", "--a-to", "--b-from", "--b-to")
        a_from, a_to, b_from, b_to = (_when(t, n) for t, n in zip(o["periods"], names, strict=True))
        if a_from is None or a_to is None or b_from is None or b_to is None:
            err_console.print("[red]compare needs --a-from, --a-to, --b-from and --b-to[/red]")
            raise typer.Exit(2)
        answer = stats.compare(copy, principal, flt, a=(a_from, a_to), b=(b_from, b_to), by=o["by"])
    elif kind == "seasonality":
        answer = stats.seasonality(copy, principal, flt, by=o["by"])
    elif kind == "anomalies":
        answer = anomalies(copy, principal, flt, measure=o["measure"], limit=o["limit"] or 100)
    elif kind == "hotspots":
        answer = stats.hotspots(copy, principal, flt, limit=o["limit"] or 10)
    else:
        answer = annual(copy, principal, flt)
    return answer


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ">".join(str(v) for v in value)
    return str(value)


def _print(answer: dict[str, Any], output: str) -> None:
    rows: list[dict[str, Any]] = answer["rows"]
    if output == "json":
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, default=str) + "\n")
        return
    columns = list(rows[0]) if rows else []
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows([_cell(r.get(c)) for c in columns] for r in rows)
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=f"{answer['kind']} {answer['filters']}")
    for column in columns:
        table.add_column(column)
    for r in rows:
        table.add_row(*(_cell(r.get(c)) for c in columns))
    console.print(table if rows else f"{answer['kind']}: no seizures to count")


def register(app: typer.Typer) -> None:
    """Add ``dozor stats`` to the main app."""
    app.command("stats")(stats_command)
