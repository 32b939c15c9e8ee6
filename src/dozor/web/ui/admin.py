"""``/admin``: agencies, units, users and roles, API tokens (national and hub admins only).

A hub admin manages every agency and adds agencies; a national admin manages the agencies of
their own country (their units, users and those users' tokens). Everyone else gets the 404
page. Changes go through access/agencies.py, identity.py, directory.py and tokens.py and are
written to the audit log as the CLI writes them (``admin_change``, ``token_create``,
``token_revoke``), with the acting user.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from dozor.access import audit
from dozor.access.agencies import create_agency, list_agencies
from dozor.access.directory import create_unit, list_units, set_roles
from dozor.access.identity import (
    ROLES,
    IdentityError,
    check_password,
    create_user,
    disable_user,
    enable_user,
    list_users,
    set_password,
)
from dozor.access.principal import Principal
from dozor.access.sessions import revoke_user_sessions
from dozor.access.tokens import TOKEN_SCOPES, list_tokens
from dozor.domain.places import crossing_points
from dozor.settings import Settings
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.i18n import N_
from dozor.web.ui.pages import (
    ADMIN_ROLES,
    PageNotFound,
    flash,
    gettext_for,
    language,
    page_principal,
    render,
)

router = APIRouter(include_in_schema=False)
SECTIONS = (
    ("/admin", N_("Agencies")),
    ("/admin/units", N_("Units")),
    ("/admin/users", N_("Users")),
    ("/admin/tokens", N_("API tokens")),
)
STATUS_LABELS = {
    "active": N_("active"),
    "locked": N_("locked"),
    "disabled": N_("disabled"),
    "expired": N_("expired"),
    "revoked": N_("revoked"),
}
ROLE_ORDER = (
    "officer",
    "supervisor",
    "analyst",
    "ew_officer",
    "auditor",
    "national_admin",
    "hub_admin",
)
assert set(ROLE_ORDER) == ROLES


class Refused(Exception):
    """An admin change not allowed or not valid; ``text`` is already in the user's language."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _admin(principal: Principal) -> Principal:
    if not principal.roles & ADMIN_ROLES:
        raise PageNotFound("admin pages are for national and hub admins")
    return principal


async def admin_principal(principal: Principal = Depends(page_principal)) -> Principal:
    """The logged-in admin (others get the 404 page)."""
    return _admin(principal)


def manages(principal: Principal, country: str | None) -> bool:
    """Whether the admin manages an agency of ``country`` (None: a hub agency)."""
    if "hub_admin" in principal.roles:
        return True
    return principal.country is not None and country == principal.country


def assignable_roles(principal: Principal) -> list[str]:
    """The roles this admin may give: a national admin cannot make hub admins."""
    if "hub_admin" in principal.roles:
        return list(ROLE_ORDER)
    return [r for r in ROLE_ORDER if r != "hub_admin"]


def _agencies(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    rows = list_agencies(conn)
    for row in rows:
        row["managed"] = manages(principal, row["country"])
    return rows


def _managed(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    """The agencies this admin manages."""
    return [a for a in _agencies(conn, principal) if a["managed"]]


def managed_users(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    managed = {a["code"] for a in _managed(conn, principal)}
    return [u for u in list_users(conn) if u["agency"] in managed]


def managed_user(conn: Connection, principal: Principal, user_id: str) -> dict[str, Any]:
    found = next((u for u in managed_users(conn, principal) if u["id"] == user_id), None)
    if found is None:
        raise PageNotFound(user_id)
    return found


def _log(
    conn: Connection,
    settings: Settings,
    principal: Principal,
    object_type: str,
    object_id: str,
    change: str,
    **details: Any,
) -> None:
    audit.record(
        conn,
        node=settings.node_code,
        action="admin_change",
        channel="ui",
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        object_type=object_type,
        object_ids=[object_id],
        details={"change": change, **details},
    )


async def run_change(
    request: Request,
    principal: Principal,
    engine: Engine,
    back: str,
    work: Callable[[Connection, Any], str],
) -> Response:
    """Run ``work(conn, gettext)`` in a transaction; flash its message or why it was refused."""
    gettext = gettext_for(request, principal)
    lang = language(request, principal)

    def run() -> str:
        with engine.begin() as conn:
            return work(conn, gettext)

    target = RedirectResponse(back, status_code=303)
    try:
        flash(target, "ok", await run_in_threadpool(run))
    except IdentityError as error:
        flash(target, "error", error.message(lang))
    except Refused as refused:
        flash(target, "error", refused.text)
    return target


async def form_fields(request: Request) -> dict[str, Any]:
    raw = await request.form()
    form: dict[str, Any] = {k: str(v).strip() for k, v in raw.items() if isinstance(v, str)}
    form["roles"] = [str(v) for v in raw.getlist("roles")]
    return form


async def admin_page(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    values = {"sections": SECTIONS, "status_labels": STATUS_LABELS, **context}
    return await render(request, template, values)


# -- agencies ----------------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
async def agencies_page(
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """Every agency of the node; the hub admin may add one."""

    def load() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return _agencies(conn, principal)

    agencies = await run_in_threadpool(load)
    return await admin_page(request, "admin/agencies.html", {"agencies": agencies})


@router.post("/admin/agencies", response_model=None)
async def add_agency(
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Add an agency (hub admins only)."""
    form = await form_fields(request)

    def work(conn: Connection, gettext: Any) -> str:
        if "hub_admin" not in principal.roles:
            raise Refused(gettext(N_("Only a hub admin may add agencies.")))
        code = form.get("code", "").upper()
        agency_id = create_agency(
            conn,
            code=code,
            kind=form.get("kind", ""),
            name_en=form.get("name_en", ""),
            name_ru=form.get("name_ru") or None,
            country=form.get("country") or None,
            membership=form.get("membership") or "member",
        )
        _log(conn, settings, principal, "agency", agency_id, "agency_added", code=code)
        return str(gettext(N_("Agency %(code)s added.")) % {"code": code})

    return await run_change(request, principal, engine, "/admin", work)


# -- units -------------------------------------------------------------------------------------


@router.get("/admin/units", response_class=HTMLResponse)
async def units_page(
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """The units of the agencies this admin manages, and a form to add one."""

    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with engine.connect() as conn:
            managed = _managed(conn, principal)
            return managed, list_units(conn, [a["id"] for a in managed])

    managed, units = await run_in_threadpool(load)
    points = [p for p in crossing_points() if manages(principal, p.country)]
    return await admin_page(
        request, "admin/units.html", {"agencies": managed, "units": units, "points": points}
    )


@router.post("/admin/units", response_model=None)
async def add_unit(
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Add a unit to an agency this admin manages."""
    form = await form_fields(request)

    def work(conn: Connection, gettext: Any) -> str:
        managed = {a["id"]: a for a in _managed(conn, principal)}
        if form.get("agency_id") not in managed:
            raise Refused(gettext(N_("You do not manage that agency.")))
        unit_id = create_unit(
            conn,
            agency_id=form["agency_id"],
            kind=form.get("kind", ""),
            name_en=form.get("name_en", ""),
            name_ru=form.get("name_ru") or None,
            bcp_code=form.get("bcp_code") or None,
        )
        _log(conn, settings, principal, "unit", unit_id, "unit_added")
        return str(gettext(N_("Unit added.")))

    return await run_change(request, principal, engine, "/admin/units", work)


# -- users -------------------------------------------------------------------------------------


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """The users of the agencies this admin manages, and a form to add one."""

    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with engine.connect() as conn:
            managed = _managed(conn, principal)
            return managed, managed_users(conn, principal)

    managed, users = await run_in_threadpool(load)
    context = {"agencies": managed, "users": users, "roles": assignable_roles(principal)}
    return await admin_page(request, "admin/users.html", context)


def _check_roles(principal: Principal, roles: list[str], gettext: Any) -> None:
    refused = [r for r in roles if r not in assignable_roles(principal)]
    if refused:
        raise Refused(
            gettext(N_("You may not give the role %(role)s.")) % {"role": ", ".join(refused)}
        )


@router.post("/admin/users", response_model=None)
async def add_user(
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Add a user to an agency this admin manages, with an initial password."""
    form = await form_fields(request)

    def work(conn: Connection, gettext: Any) -> str:
        managed = {a["code"] for a in _managed(conn, principal)}
        if form.get("agency") not in managed:
            raise Refused(gettext(N_("You do not manage that agency.")))
        _check_roles(principal, form["roles"], gettext)
        username = form.get("username", "")
        check_password(
            form.get("password", ""),
            min_length=settings.password_min_length,
            username=username,
        )
        user_id = create_user(
            conn,
            username=username,
            agency_code=form["agency"],
            roles=form["roles"],
            password=form.get("password", ""),
            display_name=form.get("display_name") or None,
            ui_lang=form.get("ui_lang") or "ru",
        )
        _log(conn, settings, principal, "user", user_id, "user_added", roles=sorted(form["roles"]))
        return str(gettext(N_("User %(name)s added.")) % {"name": username})

    return await run_change(request, principal, engine, "/admin/users", work)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
async def user_page(
    user_id: str,
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """One user: roles, status, password, API tokens."""

    def load() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with engine.connect() as conn:
            user = managed_user(conn, principal, user_id)
            return user, list_tokens(conn, user_id=user_id, now=datetime.now(UTC))

    user, tokens = await run_in_threadpool(load)
    context = {
        "user": user,
        "tokens": tokens,
        "roles": assignable_roles(principal),
        "scopes": TOKEN_SCOPES,
        "token_days": settings.token_days,
        "token_max_days": settings.token_max_days,
        "is_self": user_id == principal.user_id,
    }
    return await admin_page(request, "admin/user.html", context)


@router.post("/admin/users/{user_id}/{change}", response_model=None)
async def change_user(
    user_id: str,
    change: str,
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """``roles``, ``disable``, ``enable`` or ``password`` of a user this admin manages.

    (``tokens``, issuing a token, is admin_tokens.py's route, registered before this one.)
    """
    form = await form_fields(request)
    if change not in ("roles", "disable", "enable", "password"):
        raise PageNotFound(change)

    def work(conn: Connection, gettext: Any) -> str:
        user = managed_user(conn, principal, user_id)
        name = {"name": user["username"]}
        if user_id == principal.user_id and change in ("roles", "disable"):
            raise Refused(gettext(N_("You cannot change your own roles or disable yourself.")))
        if change == "roles":
            kept = [r for r in user["roles"] if r not in assignable_roles(principal)]
            _check_roles(principal, form["roles"], gettext)
            set_roles(conn, user_id, form["roles"] + kept)
            _log(
                conn,
                settings,
                principal,
                "user",
                user_id,
                "roles_set",
                roles=sorted(form["roles"] + kept),
            )
            return str(gettext(N_("Roles of %(name)s changed.")) % name)
        if change == "disable":
            disable_user(conn, user_id, now=datetime.now(UTC))
            _log(conn, settings, principal, "user", user_id, "user_disabled")
            return str(gettext(N_("User %(name)s disabled; sessions and tokens revoked.")) % name)
        if change == "enable":
            enable_user(conn, user_id)
            _log(conn, settings, principal, "user", user_id, "user_enabled")
            return str(gettext(N_("User %(name)s enabled.")) % name)
        password = form.get("password", "")
        if password != form.get("password_again", ""):
            raise Refused(gettext(N_("The two passwords differ.")))
        check_password(password, min_length=settings.password_min_length, username=user["username"])
        set_password(conn, user_id, password)
        ended = revoke_user_sessions(conn, user_id, now=datetime.now(UTC))
        _log(conn, settings, principal, "user", user_id, "password_set", sessions_ended=ended)
        return str(gettext(N_("Password of %(name)s set; their sessions ended.")) % name)

    return await run_change(request, principal, engine, f"/admin/users/{user_id}", work)
