"""``dozor key``, ``dozor hits`` and ``dozor retention``: hit/no-hit and retention of a node."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select

from dozor.cli.common import console, err_console, settings_and_engine

key_app = typer.Typer(help="The network key of hit/no-hit digests.", no_args_is_help=True)
hits_app = typer.Typer(
    help="Hit/no-hit: publish digests, rotate the key, query.", no_args_is_help=True
)
retention_app = typer.Typer(help="Retention of nominal data.", no_args_is_help=True)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str, sort_keys=True))


@key_app.command("generate-network")
def key_generate_network(
    version: int | None = typer.Option(None, "--version", help="Key version (default: next)."),
) -> None:
    """Generate a network key version into <home>/keys (mode 0600); the key is never shown."""
    from dozor.access.keys import KeyStoreError, generate_key

    settings, _ = settings_and_engine()
    try:
        key, path = generate_key(settings, version)
    except KeyStoreError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Network key version {key.version} written to {path} (mode 0600).")


@hits_app.command("publish")
def hits_publish(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """(Re)publish the digests of every eligible nominal object with the current key."""
    from dozor.access.hit_index import publish_all
    from dozor.access.keys import current_key

    settings, engine = settings_and_engine()
    if current_key(settings) is None:
        err_console.print(
            "[red]No network key: run `dozor key generate-network` or set "
            "DOZOR_NETWORK_KEY_FILE.[/red]"
        )
        raise typer.Exit(2)
    with engine.begin() as conn:
        result = publish_all(conn, settings)
    _summary(result.as_dict(), as_json, "Digests published")


@hits_app.command("rotate")
def hits_rotate(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """New key version, republish everything, old digests expire after the grace period."""
    from dozor.access.hit_index import publish_all
    from dozor.access.keys import KeyStoreError, generate_key

    settings, engine = settings_and_engine()
    try:
        key, path = generate_key(settings)
    except KeyStoreError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    with engine.begin() as conn:
        result = publish_all(conn, settings)
    if not as_json:
        console.print(f"Network key version {key.version} written to {path} (mode 0600).")
    _summary(result.as_dict(), as_json, "Digests republished")


def _summary(values: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        _print_json(values)
        return
    table = Table(title=title)
    table.add_column("")
    table.add_column("count", justify="right")
    for name, value in values.items():
        table.add_row(name, str(value))
    console.print(table)


@hits_app.command("query")
def hits_query(
    user: str = typer.Option(..., "--user", help="Username of the person asking."),
    selector: str = typer.Option(..., "--selector", help="TYPE:VALUE, e.g. passport:KAZ:N123."),
    reason: str = typer.Option(..., "--reason", help="Why you ask (audited)."),
) -> None:
    """Ask whether another agency holds a selector; prints the JSON answer."""
    from dozor.access.hit_query import AccessError, query_selector
    from dozor.access.hits import parse_selector
    from dozor.access.principal import load_principal
    from dozor.domain.errors import InvalidValue
    from dozor.store.schema import app_user

    settings, engine = settings_and_engine()
    try:
        selector_type, value = parse_selector(selector)
    except InvalidValue as error:
        err_console.print(f"[red]{error.message} ({error.params.get('allowed')})[/red]")
        raise typer.Exit(2) from None
    refused: AccessError | None = None
    answer: dict[str, Any] = {}
    with engine.begin() as conn:
        user_id = conn.execute(select(app_user.c.id).where(app_user.c.username == user)).scalar()
        principal = load_principal(conn, user_id, "session") if user_id else None
        if principal is None:
            err_console.print(f"[red]No active user {user}.[/red]")
            raise typer.Exit(2)
        try:
            answer = query_selector(
                conn, principal, selector_type, value, reason, settings=settings, channel="ui"
            )
        except AccessError as error:
            refused = error  # the refusal's audit entry is committed with the transaction
    if refused is not None:
        err_console.print(
            f"[red]{refused.status} {refused.code}: {refused.message(principal.ui_lang)}[/red]"
        )
        raise typer.Exit(3 if refused.status == 429 else 2)
    _print_json(answer)


@retention_app.command("run")
def retention_run(
    dry_run: bool = typer.Option(False, "--dry-run", help="Report only; erase nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON report."),
) -> None:
    """List persons due for review and erase the nominal part of those past the deadline."""
    from dozor.access import retention

    settings, engine = settings_and_engine()
    with engine.begin() as conn:
        report = retention.run(conn, settings, now=datetime.now(UTC), dry_run=dry_run)
    if as_json:
        _print_json(report.as_dict())
        return
    verb = "would be erased" if dry_run else "erased"
    console.print(f"{len(report.due_review)} persons due for review; {len(report.erased)} {verb}.")
    if report.due_review:
        table = Table(title="Due for review")
        table.add_column("person id")
        table.add_column("review at")
        for entry in report.due_review[:200]:
            table.add_row(entry["person_id"], entry["review_at"])
        console.print(table)


@retention_app.command("set")
def retention_set(
    country: str = typer.Option(..., "--country", help="ISO3, e.g. KAZ."),
    category: str = typer.Option(..., "--category", help="Data-subject category, e.g. suspect."),
    review_years: int = typer.Option(..., "--review-years"),
    erase_years: int = typer.Option(..., "--erase-years"),
) -> None:
    """Set the review and erasure periods of one country and data-subject category."""
    from dozor.access import retention

    settings, engine = settings_and_engine()
    try:
        with engine.begin() as conn:
            retention.set_rule(conn, settings, country, category, review_years, erase_years)
    except retention.RetentionError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"Retention of {country.upper()} {category}: review after {review_years} "
        f"years, erase after {erase_years}."
    )


def register(app: typer.Typer) -> None:
    """Add ``key``, ``hits`` and ``retention`` and hook publication into the workflow.

    The hooks go in here, when the CLI is assembled, rather than when a module is imported:
    any command that releases or retracts a seizure then publishes or withdraws digests.
    """
    from dozor.access.hit_index import install_hooks

    install_hooks()  # the node's settings are read when a hook first runs
    app.add_typer(key_app, name="key")
    app.add_typer(hits_app, name="hits")
    app.add_typer(retention_app, name="retention")
