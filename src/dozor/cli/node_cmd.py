"""``dozor init``, ``serve``, ``doctor``, ``demo``, ``audit verify``."""

from __future__ import annotations

import typer
from rich.table import Table

from dozor.cli.common import console, err_console, settings_and_engine
from dozor.store.reference import init_database


def init_command() -> None:
    """Create or upgrade the database to the newest schema and load reference data."""
    settings, engine = settings_and_engine()
    added = init_database(engine, settings)
    console.print(
        f"Database ready at {engine.url.render_as_string(hide_password=True)}"
        f" ({added} seed agencies added)"
    )


def serve_command(
    host: str | None = typer.Option(None, help="Address (default DOZOR_HOST or 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default DOZOR_PORT or 8000)."),
) -> None:
    """Serve the web app and JSON API."""
    import uvicorn

    settings, _ = settings_and_engine()
    uvicorn.run(
        "dozor.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


def doctor_command() -> None:
    """Check the database, migrations, reference data and time-zone data; exit 1 on a fault."""
    from dozor.web.health import readiness

    settings, engine = settings_and_engine()
    checks = readiness(engine, settings)
    table = Table(title="dozor doctor")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail")
    for check in checks:
        table.add_row(
            check.name, "[green]ok[/green]" if check.ok else "[red]FAIL[/red]", check.detail
        )
    console.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def demo_command(
    seizures: int = typer.Option(20_000, "--seizures", help="How many seizures to generate."),
    seed: int = typer.Option(1, "--seed", help="Random seed (same seed, same data)."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the app afterwards."),
) -> None:
    """Initialise the node, load demo data and official totals, create demo users, serve."""
    from dozor.demo.loader import load_demo

    settings, engine = settings_and_engine()
    logins = load_demo(engine, settings, seizures=seizures, seed=seed)
    table = Table(title="Demo logins (password for all: dozor-demo)")
    for column in ("username", "agency", "roles"):
        table.add_column(column)
    for username, agency_code, roles in logins:
        table.add_row(username, agency_code, ", ".join(roles))
    console.print(table)
    if serve:
        console.print(f"Serving on http://{settings.host}:{settings.port} (Ctrl+C to stop)")
        serve_command(host=None, port=None)


audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit 1 and name the first broken entry."""
    from dozor.access.audit import verify

    _, engine = settings_and_engine()
    with engine.connect() as conn:
        check = verify(conn)
    if check.ok:
        console.print(f"Audit chain intact: {check.entries} entries.")
        return
    err_console.print(f"[red]Audit chain broken at entry {check.broken_seq}: {check.problem}[/red]")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the node commands to the main app."""
    app.command("init")(init_command)
    app.command("serve")(serve_command)
    app.command("doctor")(doctor_command)
    app.command("demo")(demo_command)
    app.add_typer(audit_app, name="audit")
