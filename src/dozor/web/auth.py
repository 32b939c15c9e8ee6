"""Login, logout, password change, and the FastAPI dependencies that say who is asking.

Two ways in: ``Authorization: Bearer dzr_…`` (an API token, see ``dozor token create``) or the
``dozor_session`` cookie set by ``POST /api/v1/auth/login``. A request authenticated by the
cookie with an unsafe method (POST, PUT, PATCH, DELETE) must carry the session's CSRF token in
the ``X-CSRF-Token`` header or a ``csrf_token`` form field, else 403; token requests need none,
but a ``read`` token may not use unsafe methods at all. 401 and 403 bodies are
``{"detail": "…"}`` in the caller's language and never tell whether a username exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from dozor.access import audit
from dozor.access.identity import IdentityError, LoginFailure, authenticate, change_password
from dozor.access.principal import Principal, load_principal
from dozor.access.sessions import (
    COOKIE_NAME,
    ActiveSession,
    NewSession,
    create_session,
    csrf_matches,
    resolve_session,
    revoke_session,
    session_id,
)
from dozor.access.tokens import resolve_token
from dozor.settings import Settings
from dozor.store.schema import app_user

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

MESSAGES: dict[str, tuple[str, str]] = {
    "auth_required": (
        "Authentication required: log in or send an API token.",
        "Требуется вход: войдите в систему или передайте API-токен.",
    ),
    "invalid_token": (
        "The API token is invalid, expired or revoked.",
        "API-токен недействителен, истёк или отозван.",
    ),
    "read_only": (
        "This API token is read-only: it may not change anything.",
        "Этот API-токен только для чтения: изменять данные с ним нельзя.",
    ),
    "csrf": (
        "CSRF token missing or wrong: send the X-CSRF-Token header "
        "(its value is in the login response and at GET /api/v1/auth/csrf).",
        "CSRF-токен отсутствует или неверен: передайте заголовок X-CSRF-Token "
        "(значение есть в ответе на вход и по адресу GET /api/v1/auth/csrf).",
    ),
    "role": ("This needs the role {roles}.", "Для этого нужна роль {roles}."),
    "credentials": ("Give a username and a password.", "Укажите имя пользователя и пароль."),
    "passwords": (
        "Give current_password and new_password.",
        "Укажите current_password и new_password.",
    ),
    "wrong_current": ("The current password is wrong.", "Текущий пароль неверен."),
    "no_session": (
        "Only a browser session has a CSRF token; API-token requests need none.",
        "CSRF-токен есть только у сеанса браузера; запросам с API-токеном он не нужен.",
    ),
}


def message(key: str, lang: str, **params: str) -> str:
    """A user-facing message of this module in ``lang`` (``ru`` or English)."""
    en, ru = MESSAGES[key]
    return (ru if lang == "ru" else en).format(**params)


@dataclass(frozen=True, slots=True)
class AuthContext:
    """How the current request authenticated (kept on ``request.state.dozor_auth``)."""

    principal: Principal
    session: ActiveSession | None = None
    token_id: str | None = None

    @property
    def channel(self) -> str:
        """The audit channel: ``ui`` for a browser session, ``api`` for a token."""
        return "api" if self.token_id else "ui"


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_language(request: Request, principal: Principal | None = None) -> str:
    """``?lang=`` wins, then the principal's ``ui_lang``, then Accept-Language, then the node's."""
    asked = request.query_params.get("lang")
    if asked in ("en", "ru"):
        return asked
    if principal is not None:
        return principal.ui_lang
    accept = request.headers.get("accept-language", "").strip().lower()
    if accept.startswith("ru"):
        return "ru"
    if accept.startswith("en"):
        return "en"
    return _settings(request).lang


def _fail(
    request: Request, status: int, key: str, principal: Principal | None = None, **params: str
) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    lang = request_language(request, principal)
    return HTTPException(status, message(key, lang, **params), headers=headers)


def _from_token(engine: Engine, token: str) -> tuple[Principal, str] | None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        found = resolve_token(conn, token, now=now)
        if found is None:
            return None
        principal = load_principal(conn, found.user_id, found.scope, now=now)
    return (principal, found.id) if principal is not None else None


def _from_session(
    engine: Engine, settings: Settings, cookie: str
) -> tuple[Principal, ActiveSession] | None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        session = resolve_session(conn, cookie, settings=settings, now=now)
        if session is None:
            return None
        principal = load_principal(conn, session.user_id, "session", now=now)
    return (principal, session) if principal is not None else None


async def _presented_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _FORM_TYPES:
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def current_principal(request: Request) -> Principal | None:
    """Who is asking: from a bearer token or the session cookie; None for the anonymous.

    Raises 401 for a bearer token that is not valid, 403 for a ``read`` token on an unsafe
    method and for a session request on an unsafe method without the right CSRF token.
    """
    known: AuthContext | None = getattr(request.state, "dozor_auth", None)
    if known is not None:
        return known.principal
    unsafe = request.method.upper() in UNSAFE_METHODS
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        by_token = await run_in_threadpool(_from_token, _engine(request), credentials.strip())
        if by_token is None:
            raise _fail(request, 401, "invalid_token")
        principal, token_id = by_token
        if unsafe and not principal.may_write:
            raise _fail(request, 403, "read_only", principal)
        request.state.dozor_auth = AuthContext(principal, token_id=token_id)
        return principal
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    by_session = await run_in_threadpool(
        _from_session, _engine(request), _settings(request), cookie
    )
    if by_session is None:
        return None
    principal, session = by_session
    if unsafe and not csrf_matches(session, await _presented_csrf(request)):
        raise _fail(request, 403, "csrf", principal)
    request.state.dozor_auth = AuthContext(principal, session=session)
    return principal


async def require_principal(
    request: Request, principal: Principal | None = Depends(current_principal)
) -> Principal:
    """The principal, or 401 ``{"detail": …}``."""
    if principal is None:
        raise _fail(request, 401, "auth_required")
    return principal


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the principal if it holds one of ``roles``, else 403 (401 if anonymous)."""
    wanted = frozenset(roles)

    async def dependency(
        request: Request, principal: Principal = Depends(require_principal)
    ) -> Principal:
        if not principal.roles & wanted:
            raise _fail(request, 403, "role", principal, roles=" / ".join(sorted(wanted)))
        return principal

    return dependency


def auth_context(request: Request) -> AuthContext | None:
    """How the request authenticated, once :func:`current_principal` has run."""
    context: AuthContext | None = getattr(request.state, "dozor_auth", None)
    return context


# -- routes ------------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _user_json(engine: Engine, principal: Principal) -> dict[str, Any]:
    with engine.connect() as conn:
        display = conn.execute(
            select(app_user.c.display_name).where(app_user.c.id == principal.user_id)
        ).scalar()
    return {
        "id": principal.user_id,
        "username": principal.username,
        "display_name": display or principal.username,
        "agency_id": principal.agency_id,
        "agency_code": principal.agency_code,
        "country": principal.country,
        "is_hub": principal.is_hub,
        "membership": principal.membership,
        "roles": sorted(principal.roles),
        "ui_lang": principal.ui_lang,
        "scope": principal.scope,
        "clearance": principal.clearance,
    }


async def _body(request: Request) -> dict[str, Any]:
    """A JSON object or form fields; empty when the body is neither."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _FORM_TYPES:
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _cookie_secure(request: Request) -> bool:
    return _settings(request).cookie_secure or request.url.scheme == "https"


def _json_body(*fields: str) -> dict[str, Any]:
    """OpenAPI for a body of string fields given as JSON or as form fields."""
    schema = {
        "type": "object",
        "required": list(fields),
        "properties": {name: {"type": "string"} for name in fields},
    }
    content = {kind: {"schema": schema} for kind in ("application/json", *_FORM_TYPES[:1])}
    return {"requestBody": {"required": True, "content": content}}


def _open_session(
    engine: Engine, settings: Settings, username: str, password: str, old_cookie: str | None
) -> tuple[Principal, NewSession] | LoginFailure:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        result = authenticate(conn, username, password, settings=settings, now=now)
        if isinstance(result, LoginFailure):
            return result
        if old_cookie:  # a login replaces the browser's previous session
            revoke_session(conn, session_id(old_cookie), now=now)
        return result, create_session(conn, result.user_id, settings=settings, now=now)


@router.post("/login", openapi_extra=_json_body("username", "password"))
async def login(request: Request) -> JSONResponse:
    """Log in with ``{"username", "password"}`` (JSON or form); sets the session cookie.

    Returns ``{"user": {…}, "csrf_token": "…", "expires_at": "…"}``. Any failure, whatever
    its cause (unknown user, wrong password, locked or disabled account), is the same 401.
    """
    data = await _body(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise _fail(request, 422, "credentials")
    engine, settings = _engine(request), _settings(request)
    result = await run_in_threadpool(
        _open_session,
        engine,
        settings,
        username.strip(),
        password,
        request.cookies.get(COOKIE_NAME),
    )
    if isinstance(result, LoginFailure):
        lang = request_language(request)
        return JSONResponse({"detail": result.message(lang)}, status_code=401)
    principal, session = result
    user = await run_in_threadpool(_user_json, engine, principal)
    response = JSONResponse(
        {
            "user": user,
            "csrf_token": session.csrf_token,
            "expires_at": session.expires_at.isoformat(),
        }
    )
    response.set_cookie(
        COOKIE_NAME,
        session.cookie_value,
        max_age=settings.session_hours * 3600,
        path="/",
        secure=_cookie_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


def _close_session(engine: Engine, settings: Settings, context: AuthContext) -> bool:
    assert context.session is not None
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ended = revoke_session(conn, context.session.id, now=now)
        audit.record(
            conn,
            node=settings.node_code,
            action="logout",
            channel="ui",
            actor_user_id=context.principal.user_id,
            actor_agency_id=context.principal.agency_id,
            object_type="user",
            object_ids=[context.principal.user_id],
        )
    return ended


@router.post("/logout")
async def logout(
    request: Request, principal: Principal | None = Depends(current_principal)
) -> JSONResponse:
    """End the current session (needs the CSRF token) and clear the cookie."""
    context = auth_context(request)
    ended = False
    if context is not None and context.session is not None:
        ended = await run_in_threadpool(
            _close_session, _engine(request), _settings(request), context
        )
    response = JSONResponse({"logged_out": ended})
    response.delete_cookie(
        COOKIE_NAME, path="/", secure=_cookie_secure(request), httponly=True, samesite="strict"
    )
    return response


@router.post("/password", openapi_extra=_json_body("current_password", "new_password"))
async def change_own_password(
    request: Request, principal: Principal = Depends(require_principal)
) -> dict[str, Any]:
    """Change one's own password: ``{"current_password", "new_password"}`` (≥ 10 characters).

    Every other session of the user ends; the current one stays.
    """
    data = await _body(request)
    current, new = data.get("current_password"), data.get("new_password")
    if not isinstance(current, str) or not isinstance(new, str):
        raise _fail(request, 422, "passwords", principal)
    context = auth_context(request)
    keep = context.session.id if context and context.session else None
    channel = context.channel if context else "ui"

    def run() -> bool:
        with _engine(request).begin() as conn:
            return change_password(
                conn,
                principal.user_id,
                current,
                new,
                settings=_settings(request),
                keep_session=keep,
                channel=channel,
            )

    try:
        changed = await run_in_threadpool(run)
    except IdentityError as error:
        raise HTTPException(422, error.message(request_language(request, principal))) from None
    if not changed:
        raise _fail(request, 403, "wrong_current", principal)
    return {"changed": True}


@router.get("/me")
async def me(request: Request, principal: Principal = Depends(require_principal)) -> dict[str, Any]:
    """The current user, agency, roles, language and how the request authenticated."""
    context = auth_context(request)
    user = await run_in_threadpool(_user_json, _engine(request), principal)
    return {"user": user, "auth": context.channel if context else "ui"}


@router.get("/csrf")
async def csrf(
    request: Request, principal: Principal = Depends(require_principal)
) -> dict[str, str]:
    """The CSRF token of the current session (to put in ``X-CSRF-Token``)."""
    context = auth_context(request)
    if context is None or context.session is None:
        raise _fail(request, 400, "no_session", principal)
    return {"csrf_token": context.session.csrf_token}
