"""Login, logout and password change pages, on the same functions as ``/api/v1/auth``.

The pages call the API's route functions (web/auth.py) and turn their JSON answers into pages
and redirects, so sessions, cookies, lock-outs, CSRF and audit follow exactly one set of rules.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dozor.access.principal import Principal
from dozor.web import auth
from dozor.web.ui.i18n import N_
from dozor.web.ui.pages import (
    flash,
    gettext_for,
    optional_principal,
    page_principal,
    render,
    safe_next,
)

router = APIRouter(include_in_schema=False)


def _with_cookies(source: Response, target: Response) -> Response:
    """Copy the Set-Cookie headers of an API answer onto a page answer."""
    for name, value in source.raw_headers:
        if name.lower() == b"set-cookie":
            target.raw_headers.append((name, value))
    return target


@router.get("/login", response_class=HTMLResponse)
async def login_page(
    request: Request, principal: Principal | None = Depends(optional_principal)
) -> Response:
    """The login form (already logged in: go on to ``next``)."""
    target = safe_next(request.query_params.get("next"))
    if principal is not None:
        return RedirectResponse(target, status_code=303)
    return await render(request, "login.html", {"next": target, "error": None, "username": ""})


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    """Check the form's ``username`` and ``password``; on success go on to ``next``."""
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    username = str(form.get("username") or "")
    try:
        answer = await auth.login(request)
    except HTTPException as error:  # a missing field
        return await render(
            request,
            "login.html",
            {"next": target, "error": str(error.detail), "username": username},
            status_code=error.status_code,
        )
    if answer.status_code != 200:
        detail = _detail(answer)
        return await render(
            request,
            "login.html",
            {"next": target, "error": detail, "username": username},
            status_code=answer.status_code,
        )
    return _with_cookies(answer, RedirectResponse(target, status_code=303))


def _detail(answer: Response) -> str:
    try:
        return str(json.loads(bytes(answer.body))["detail"])
    except (ValueError, KeyError, TypeError):
        return ""


@router.post("/logout")
async def logout_submit(
    request: Request, principal: Principal | None = Depends(optional_principal)
) -> Response:
    """End the session (the form carries the CSRF token) and show the login page."""
    answer = await auth.logout(request, principal)
    return _with_cookies(answer, RedirectResponse("/login", status_code=303))


@router.get("/password", response_class=HTMLResponse)
async def password_page(
    request: Request, principal: Principal = Depends(page_principal)
) -> Response:
    """The password change form."""
    return await render(request, "password.html", {"error": None})


@router.post("/password", response_class=HTMLResponse)
async def password_submit(
    request: Request, principal: Principal = Depends(page_principal)
) -> Response:
    """Change one's own password; other sessions end, this one stays."""
    form = await request.form()
    _ = gettext_for(request, principal)
    if form.get("new_password") != form.get("new_password_again"):
        error = _(N_("The two new passwords differ."))
        return await render(request, "password.html", {"error": error}, status_code=422)
    try:
        await auth.change_own_password(request, principal)
    except HTTPException as failure:
        return await render(
            request,
            "password.html",
            {"error": str(failure.detail)},
            status_code=failure.status_code,
        )
    done = RedirectResponse("/", status_code=303)
    flash(done, "ok", _(N_("Your password has been changed.")))
    return done
