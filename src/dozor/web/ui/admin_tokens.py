"""``/admin/tokens`` and issuing a token from a user's admin page (see admin.py).

The secret is shown once, in the response to the POST that created it; it is never stored
(only its hash, by access/tokens.py), never put in a cookie or a redirect.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from dozor.access import audit
from dozor.access.principal import Principal, load_principal
from dozor.access.tokens import TOKEN_SCOPES, IssuedToken, create_token, list_tokens, revoke_token
from dozor.settings import Settings
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.admin import (
    Refused,
    admin_page,
    admin_principal,
    form_fields,
    managed_user,
    managed_users,
    run_change,
)
from dozor.web.ui.i18n import N_
from dozor.web.ui.pages import flash, gettext_for

router = APIRouter(include_in_schema=False)


@router.post("/admin/users/{user_id}/tokens", response_model=None)
async def issue_token(
    user_id: str,
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Create a token and show it on this response only (never stored, never flashed)."""
    form = await form_fields(request)
    gettext = gettext_for(request, principal)
    scope = form.get("scope", "read")
    name = form.get("name") or None
    try:
        days = int(form.get("days") or settings.token_days)
    except ValueError:
        days = 0

    def work() -> tuple[dict[str, Any], IssuedToken] | str:
        now = datetime.now(UTC)
        with engine.begin() as conn:
            user = managed_user(conn, principal, user_id)
            if scope not in TOKEN_SCOPES:
                return str(gettext(N_("The scope must be read or write.")))
            if not 1 <= days <= settings.token_max_days:
                return str(
                    gettext(N_("The lifetime must be between 1 and %(max)s days."))
                    % {"max": settings.token_max_days}
                )
            if name is not None and len(name) > 100:
                return str(gettext(N_("The name may have at most 100 characters.")))
            if load_principal(conn, user_id, "read", now=now) is None:
                return str(gettext(N_("The user is disabled or locked; no token created.")))
            issued = create_token(conn, user_id=user_id, scope=scope, days=days, name=name, now=now)
            audit.record(
                conn,
                node=settings.node_code,
                action="token_create",
                channel="ui",
                actor_user_id=principal.user_id,
                actor_agency_id=principal.agency_id,
                object_type="api_token",
                object_ids=[issued.id],
                details={"user_id": user_id, "scope": scope, "days": days},
            )
            return user, issued

    outcome = await run_in_threadpool(work)
    if isinstance(outcome, str):
        back = RedirectResponse(f"/admin/users/{user_id}", status_code=303)
        flash(back, "error", outcome)
        return back
    user, issued = outcome
    return await admin_page(request, "admin/token_created.html", {"user": user, "issued": issued})


@router.get("/admin/tokens", response_class=HTMLResponse)
async def tokens_page(
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """The tokens of the users this admin manages (never the secrets)."""

    def load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with engine.connect() as conn:
            users = managed_users(conn, principal)
            ids = {u["id"] for u in users}
            tokens = [t for t in list_tokens(conn, now=datetime.now(UTC)) if t["user_id"] in ids]
            return users, tokens

    users, tokens = await run_in_threadpool(load)
    return await admin_page(request, "admin/tokens.html", {"tokens": tokens, "users": users})


@router.post("/admin/tokens/{token_id}/revoke", response_model=None)
async def revoke(
    token_id: str,
    request: Request,
    principal: Principal = Depends(admin_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Revoke a token of a user this admin manages."""
    form = await form_fields(request)
    back = form.get("back") if form.get("back", "").startswith("/admin") else "/admin/tokens"

    def work(conn: Connection, gettext: Any) -> str:
        ids = {u["id"] for u in managed_users(conn, principal)}
        token = next(
            (t for t in list_tokens(conn, now=datetime.now(UTC)) if t["id"] == token_id), None
        )
        if token is None or token["user_id"] not in ids:
            raise Refused(gettext(N_("No such token.")))
        if not revoke_token(conn, token_id, now=datetime.now(UTC)):
            raise Refused(gettext(N_("The token was revoked already.")))
        audit.record(
            conn,
            node=settings.node_code,
            action="token_revoke",
            channel="ui",
            actor_user_id=principal.user_id,
            actor_agency_id=principal.agency_id,
            object_type="api_token",
            object_ids=[token_id],
        )
        return str(gettext(N_("Token revoked.")))

    return await run_change(request, principal, engine, str(back), work)
