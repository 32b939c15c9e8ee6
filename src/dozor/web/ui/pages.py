"""What every page shares: who is asking, rendering a template in the user's language, flashes.

A page route takes ``principal: Principal = Depends(page_principal)`` (anonymous visitors are
sent to ``/login?next=…``) and returns ``render(request, "name.html", {...})``. Templates
extend ``base.html`` and get ``_``/``gettext``/``ngettext``, ``fmt`` (a :class:`Formatter`),
``principal``, ``lang``, ``csrf_token``, ``lang_url(lang)`` and ``static(path)``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.concurrency import run_in_threadpool

from dozor import __version__
from dozor.access.identity import set_ui_lang
from dozor.access.principal import Principal
from dozor.web.auth import auth_context, current_principal
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.i18n import (
    LANG_COOKIE,
    LANGS,
    N_,
    Formatter,
    asked_lang,
    page_lang,
    translations,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
FLASH_COOKIE = "dozor_flash"
ADMIN_ROLES = frozenset({"national_admin", "hub_admin"})
WRITE_ROLES = frozenset({"officer", "supervisor"})


@dataclass(frozen=True, slots=True)
class NavItem:
    """A main-navigation entry; shown once a GET route with this path exists."""

    path: str
    label: str  # an N_() message id, translated in the template
    roles: frozenset[str] | None = None
    current: bool = False


NAV: list[NavItem] = [
    NavItem("/", N_("Dashboard")),
    NavItem("/seizures", N_("Seizures")),
    NavItem("/seizures/new", N_("New seizure"), WRITE_ROLES),
    NavItem("/import", N_("Import"), WRITE_ROLES),
    NavItem("/correlations", N_("Correlations")),
    NavItem("/admin", N_("Admin"), ADMIN_ROLES),
    NavItem("/api/docs", N_("API docs")),
]


def page_paths(request: Request) -> frozenset[str]:
    """The path templates of the GET pages registered by ``ui.register`` (links only to those)."""
    paths: frozenset[str] = getattr(request.app.state, "ui_page_paths", frozenset())
    return paths


def nav_items(request: Request, principal: Principal) -> list[NavItem]:
    """The navigation entries this user may use, the current one marked."""
    paths = page_paths(request)
    here = request.url.path
    shown = []
    for item in NAV:
        if item.path not in paths or (item.roles and not principal.roles & item.roles):
            continue
        current = here == item.path if item.path == "/" else here.startswith(item.path)
        shown.append(NavItem(item.path, item.label, item.roles, current))
    # "/seizures" must not also light up on "/seizures/new"
    if any(i.current and i.path == "/seizures/new" for i in shown):
        shown = [
            NavItem(i.path, i.label, i.roles, i.current and i.path != "/seizures") for i in shown
        ]
    return shown


class LoginRequired(Exception):
    """An anonymous visitor asked for a page: send them to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageNotFound(Exception):
    """The page or record does not exist for this user (rendered as an HTML 404)."""


@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(context["_translations"].gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return str(context["_translations"].ngettext(singular, plural, n))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


ENV = _environment()


async def optional_principal(request: Request) -> Principal | None:
    """The principal when logged in, None for the anonymous (the auth module decides)."""
    return await current_principal(request)


async def page_principal(
    request: Request, principal: Principal | None = Depends(optional_principal)
) -> Principal:
    """The logged-in user of a page; anonymous visitors go to ``/login?next=…``."""
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return principal


def login_redirect(request: Request, error: LoginRequired) -> Response:
    """The response for :class:`LoginRequired` (htmx gets ``HX-Redirect``)."""
    location = "/login?" + urlencode({"next": error.next_url})
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def safe_next(target: str | None) -> str:
    """A local path to continue to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def flash(response: Response, kind: str, text: str) -> None:
    """Show ``text`` once on the next rendered page (kind: ``ok`` or ``error``)."""
    data = json.dumps([{"kind": kind, "text": text}], ensure_ascii=False).encode()
    value = base64.urlsafe_b64encode(data).decode()
    response.set_cookie(FLASH_COOKIE, value, max_age=120, path="/", httponly=True, samesite="lax")


def _take_flashes(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [
        {"kind": str(i.get("kind")), "text": str(i.get("text"))}
        for i in items
        if isinstance(i, dict)
    ]


def _lang_url(request: Request, lang: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return request.url.path + "?" + urlencode(params)


def _remember(request: Request, principal: Principal | None, lang: str) -> None:
    if principal is not None and principal.ui_lang != lang and principal.scope == "session":

        def store() -> None:
            with get_engine(request).begin() as conn:
                set_ui_lang(conn, principal.user_id, lang)

        request.state.dozor_store_lang = store


def language(request: Request, principal: Principal | None) -> str:
    """The page language; a ``?lang=`` choice is remembered for the user (see :func:`render`)."""
    lang = page_lang(request, principal, get_settings(request).lang)
    if asked_lang(request):
        _remember(request, principal, lang)
    return lang


def static_url(path: str) -> str:
    return "/static/" + quote(path)


async def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    principal: Principal | None = None,
) -> HTMLResponse:
    """Render a page (or an htmx fragment) in the request's language."""
    auth = auth_context(request)
    principal = principal or (auth.principal if auth else None)
    lang = language(request, principal)
    values: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "lang": lang,
        "langs": LANGS,
        "fmt": Formatter(lang),
        "_translations": translations(lang),
        "csrf_token": auth.session.csrf_token if auth and auth.session else "",
        "lang_url": lambda code: _lang_url(request, code),
        "static": static_url,
        "flashes": _take_flashes(request),
        "version": __version__,
        "node": get_settings(request).node_code,
        "is_htmx": bool(request.headers.get("hx-request")),
        "path": request.url.path,
        "nav_items": nav_items,
    }
    values.update(context or {})
    html = ENV.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    if values["flashes"]:
        response.delete_cookie(FLASH_COOKIE, path="/")
    store = getattr(request.state, "dozor_store_lang", None)
    if store is not None:
        await run_in_threadpool(store)
    if asked_lang(request):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/", samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    return response


def gettext_for(request: Request, principal: Principal | None) -> Any:
    """The ``gettext`` of the request's language, for messages built in Python."""
    return translations(language(request, principal)).gettext
