"""``dozor agency …``, ``dozor user …`` and ``dozor token …``: who may log in, and how.

Every change is written to the audit log (``admin_change``, ``token_create``,
``token_revoke``). Refused input exits with code 2 and says why.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection

from dozor.access import audit
from dozor.access.agencies import create_agency, list_agencies
from dozor.access.identity import (
    IdentityError,
    check_password,
    create_user,
    disable_user,
    enable_user,
    list_users,
    set_password,
    unlock_user,
    user_id_of,
)
from dozor.access.principal import load_principal
from dozor.access.sessions import revoke_user_sessions
from dozor.access.tokens import (
    TOKEN_SCOPES,
    create_token,
    list_tokens,
    revoke_token,
)
from dozor.cli.common import console, err_console, settings_and_engine
from dozor.settings import Settings


def _refuse(text: str) -> NoReturn:
    err_console.print(f"[red]{escape(text)}[/red]", highlight=False)
    raise typer.Exit(2)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else ""


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=str, ensure_ascii=False, indent=2) + "\n")


def _admin_change(
    conn: Connection,
    settings: Settings,
    object_type: str,
    object_id: str,
    change: str,
    **details: Any,
) -> None:
    audit.record(
        conn,
        node=settings.node_code,
        action="admin_change",
        object_type=object_type,
        object_ids=[object_id],
        details={"change": change, **details},
    )


def _read_password(password_file: Path | None, settings: Settings, username: str) -> str:
    """From a file (``-`` for standard input) or asked twice; checked against the rules."""
    if password_file is not None:
        raw = sys.stdin.read() if str(password_file) == "-" else password_file.read_text("utf-8")
        password = raw.rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            _refuse("The passwords differ.")
    try:
        check_password(password, min_length=settings.password_min_length, username=username)
    except IdentityError as error:
        _refuse(f"{error.en[0].upper()}{error.en[1:]}.")
    return password


# -- agencies ----------------------------------------------------------------------------------

agency_app = typer.Typer(help="Agencies known to this node.", no_args_is_help=True)


@agency_app.command("add")
def agency_add(
    code: str = typer.Option(..., "--code", help="<ISO3>-<SHORT>, e.g. KAZ-CUSTOMS; HUB-<SHORT>."),
    country: str | None = typer.Option(None, "--country", help="ISO3 (none for HUB- agencies)."),
    kind: str = typer.Option(..., "--kind", help="border_guard, customs, police, drug_control, …"),
    name: str = typer.Option(..., "--name", help="English name."),
    name_ru: str | None = typer.Option(None, "--name-ru", help="Russian name (default: --name)."),
    membership: str = typer.Option("member", "--membership", help="member or observer."),
) -> None:
    """Add an agency (DATA.md §3.1)."""
    settings, engine = settings_and_engine()
    with engine.begin() as conn:
        try:
            agency_id = create_agency(
                conn,
                code=code,
                kind=kind,
                name_en=name,
                name_ru=name_ru,
                country=country,
                membership=membership,
            )
        except IdentityError as error:
            _refuse(f"Agency not added: {error.en}.")
        _admin_change(
            conn, settings, "agency", agency_id, "agency_added", code=code.strip().upper()
        )
    console.print(f"Agency {code.strip().upper()} added.")


@agency_app.command("list")
def agency_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the agencies with their country, kind, membership and number of users."""
    _, engine = settings_and_engine()
    with engine.connect() as conn:
        rows = list_agencies(conn)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"Agencies ({len(rows)})")
    for column in ("code", "country", "kind", "membership", "users", "name (en)", "name (ru)"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["code"],
            row["country"] or "—",
            row["kind"],
            row["membership"],
            str(row["users"]),
            row["name_en"],
            row["name_ru"],
        )
    console.print(table)


# -- users -------------------------------------------------------------------------------------

user_app = typer.Typer(help="Users of this node.", no_args_is_help=True)


def _user_id(conn: Connection, username: str) -> str:
    try:
        return user_id_of(conn, username)
    except IdentityError as error:
        _refuse(f"{error.en[0].upper()}{error.en[1:]}.")


@user_app.command("add")
def user_add(
    username: str = typer.Option(..., "--username"),
    agency: str = typer.Option(..., "--agency", help="Agency code, e.g. KAZ-CUSTOMS."),
    role: list[str] = typer.Option(..., "--role", help="Role; repeat for several."),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the password from this file ('-': standard input)."
    ),
    display_name: str | None = typer.Option(None, "--display-name"),
    lang: str = typer.Option("en", "--lang", help="Interface language: en or ru."),
) -> None:
    """Add a user (the password is asked for unless --password-file is given)."""
    settings, engine = settings_and_engine()
    password = _read_password(password_file, settings, username)
    with engine.begin() as conn:
        try:
            user_id = create_user(
                conn,
                username=username,
                agency_code=agency,
                roles=role,
                password=password,
                display_name=display_name,
                ui_lang=lang,
            )
        except IdentityError as error:
            _refuse(f"User not added: {error.en}.")
        _admin_change(conn, settings, "user", user_id, "user_added", roles=sorted(set(role)))
    console.print(f"User {username} added.")


@user_app.command("list")
def user_list(
    agency: str | None = typer.Option(None, "--agency", help="Only this agency's users."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List users with agency, roles, language and status (active, locked, disabled)."""
    _, engine = settings_and_engine()
    with engine.connect() as conn:
        rows = list_users(conn, agency_code=agency)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"Users ({len(rows)})")
    for column in ("username", "display name", "agency", "roles", "lang", "status"):
        table.add_column(column)
    for row in rows:
        status = row["status"]
        if row["locked_until"] is not None:
            status += f" until {_when(row['locked_until'])} UTC"
        table.add_row(
            row["username"],
            row["display_name"],
            row["agency"],
            ", ".join(row["roles"]),
            row["ui_lang"],
            status,
        )
    console.print(table)


@user_app.command("disable")
def user_disable(username: str = typer.Argument(...)) -> None:
    """Disable a user: no more logins; every session and API token ends at once."""
    settings, engine = settings_and_engine()
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        disable_user(conn, user_id, now=datetime.now(UTC))
        _admin_change(conn, settings, "user", user_id, "user_disabled")
    console.print(f"User {username} disabled; sessions and tokens revoked.")


@user_app.command("enable")
def user_enable(username: str = typer.Argument(...)) -> None:
    """Make a disabled (or locked) user active again."""
    settings, engine = settings_and_engine()
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        enable_user(conn, user_id)
        _admin_change(conn, settings, "user", user_id, "user_enabled")
    console.print(f"User {username} enabled.")


@user_app.command("unlock")
def user_unlock(username: str = typer.Argument(...)) -> None:
    """Lift a lock-out after too many failed logins (and reset the count)."""
    settings, engine = settings_and_engine()
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        was_locked = unlock_user(conn, user_id)
        _admin_change(conn, settings, "user", user_id, "user_unlocked", was_locked=was_locked)
    console.print(
        f"User {username} unlocked."
        if was_locked
        else f"User {username} was not locked; failed-login count reset."
    )


@user_app.command("set-password")
def user_set_password(
    username: str = typer.Argument(...),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the password from this file ('-': standard input)."
    ),
) -> None:
    """Set a user's password (asked twice unless --password-file); ends their sessions."""
    settings, engine = settings_and_engine()
    with engine.connect() as conn:
        _user_id(conn, username)
    password = _read_password(password_file, settings, username)
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        set_password(conn, user_id, password)
        ended = revoke_user_sessions(conn, user_id, now=datetime.now(UTC))
        _admin_change(conn, settings, "user", user_id, "password_set", sessions_ended=ended)
    console.print(f"Password of {username} set; {ended} session(s) ended.")


# -- tokens ------------------------------------------------------------------------------------

token_app = typer.Typer(help="API tokens (Authorization: Bearer dzr_…).", no_args_is_help=True)


@token_app.command("create")
def token_create(
    user: str = typer.Option(..., "--user", help="The username the token acts as."),
    scope: str = typer.Option("read", "--scope", help="read (GET only) or write."),
    days: int | None = typer.Option(None, "--days", help="Lifetime in days (DOZOR_TOKEN_DAYS)."),
    name: str | None = typer.Option(None, "--name", help="What the token is for."),
) -> None:
    """Create a token and print it once on standard output; only its hash is kept."""
    settings, engine = settings_and_engine()
    if scope not in TOKEN_SCOPES:
        _refuse(f"Scope must be read or write, not {scope!r}.")
    lifetime = settings.token_days if days is None else days
    if not 1 <= lifetime <= settings.token_max_days:
        _refuse(f"--days must be between 1 and {settings.token_max_days} (DOZOR_TOKEN_MAX_DAYS).")
    if name is not None and len(name) > 100:
        _refuse("--name may have at most 100 characters.")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        user_id = _user_id(conn, user)
        if load_principal(conn, user_id, "read", now=now) is None:
            _refuse(f"User {user} is disabled or locked; no token created.")
        issued = create_token(conn, user_id=user_id, scope=scope, days=lifetime, name=name, now=now)
        audit.record(
            conn,
            node=settings.node_code,
            action="token_create",
            object_type="api_token",
            object_ids=[issued.id],
            details={"user_id": user_id, "scope": scope, "days": lifetime},
        )
    err_console.print(
        f"Token {issued.id} for {user} ({scope}, expires {_when(issued.expires_at)}"
        " UTC). It is shown only now; store it safely:",
        highlight=False,
    )
    sys.stdout.write(issued.token + "\n")


@token_app.command("list")
def token_list(
    user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List tokens (never the tokens themselves): id, user, prefix, scope, dates, status."""
    _, engine = settings_and_engine()
    with engine.connect() as conn:
        user_id = _user_id(conn, user) if user is not None else None
        rows = list_tokens(conn, user_id=user_id, now=datetime.now(UTC))
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"API tokens ({len(rows)})")
    for column in (
        "id",
        "user",
        "token",
        "scope",
        "name",
        "created",
        "expires",
        "last used",
        "status",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["id"],
            row["username"],
            row["shown_as"],
            row["scope"],
            row["name"] or "",
            _when(row["created_at"]),
            _when(row["expires_at"]),
            _when(row["last_used_at"]),
            row["status"],
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: str = typer.Argument(..., help="The id from dozor token list.")) -> None:
    """Revoke a token; it stops working on the next request."""
    settings, engine = settings_and_engine()
    with engine.begin() as conn:
        if not revoke_token(conn, token_id.strip(), now=datetime.now(UTC)):
            _refuse(f"No live token with id {token_id}.")
        audit.record(
            conn,
            node=settings.node_code,
            action="token_revoke",
            object_type="api_token",
            object_ids=[token_id.strip()],
        )
    console.print(f"Token {token_id} revoked.")


def register(app: typer.Typer) -> None:
    """Add the agency, user and token commands to the main app."""
    app.add_typer(agency_app, name="agency")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
