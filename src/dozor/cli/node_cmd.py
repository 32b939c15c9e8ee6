"""``dozor init``, ``serve``, ``doctor``, ``demo``, ``user add``, ``audit verify``."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from dozor.cli.common import console, err_console, settings_and_engine
from dozor.store.reference import init_database


def init_command() -> None:
    """Create or upgrade the database to the newest schema and load reference data."""
    settings, engine = settings_and_engine()
    added = init_database(engine, settings)
    console.print(f"Database ready at {engine.url.render_as_string(hide_password=True)}"
                  f" ({added} seed agencies added)")  # fmt: skip


def serve_command(
    host: str | None = typer.Option(None, help="Address (default DOZOR_HOST or 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default DOZOR_PORT or 8000)."),
) -> None:
    """Serve the web app and JSON API."""
    import uvicorn

    settings, _ = settings_and_engine()
    uvicorn.run("dozor.web.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, log_level="info")  # fmt: skip


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
        table.add_row(check.name, "[green]ok[/green]" if check.ok else "[red]FAIL[/red]",
                      check.detail)  # fmt: skip
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


user_app = typer.Typer(help="Users of this node.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    username: str = typer.Option(..., "--username"),
    agency: str = typer.Option(..., "--agency", help="Agency code, e.g. KAZ-CUSTOMS."),
    role: list[str] = typer.Option(..., "--role", help="Role; repeat for several."),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the password from this file."
    ),
    display_name: str | None = typer.Option(None, "--display-name"),
) -> None:
    """Add a user (the password is asked for unless --password-file is given)."""
    from dozor.access import audit
    from dozor.access.identity import UnknownAgency, create_user, user_exists

    settings, engine = settings_and_engine()
    if password_file is not None:
        password = password_file.read_text(encoding="utf-8").rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            err_console.print("[red]The passwords differ.[/red]")
            raise typer.Exit(2)
    if len(password) < 10:
        err_console.print("[red]A password needs at least 10 characters.[/red]")
        raise typer.Exit(2)
    with engine.begin() as conn:
        if user_exists(conn, username):
            err_console.print(f"[red]User {username} exists already.[/red]")
            raise typer.Exit(2)
        try:
            user_id = create_user(conn, username=username, agency_code=agency, roles=role,
                                  password=password, display_name=display_name)  # fmt: skip
        except UnknownAgency:
            err_console.print(f"[red]Unknown agency {agency}.[/red]")
            raise typer.Exit(2) from None
        except ValueError as error:
            err_console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
        audit.record(conn, node=settings.node_code, action="admin_change", object_type="user",
                     object_ids=[user_id], details={"change": "user_added"})  # fmt: skip
    console.print(f"User {username} added.")


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
    err_console.print(f"[red]Audit chain broken at entry {check.broken_seq}: "
                      f"{check.problem}[/red]")  # fmt: skip
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the node commands to the main app."""
    app.command("init")(init_command)
    app.command("serve")(serve_command)
    app.command("doctor")(doctor_command)
    app.command("demo")(demo_command)
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
