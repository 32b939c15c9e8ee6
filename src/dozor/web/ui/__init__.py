"""Server-rendered pages (Jinja2 + htmx) on top of the JSON API; see docs/ui.md.

:func:`register` mounts the static files, the page routers and the two page-only exception
handlers (anonymous → login page; not found → HTML 404) on the app.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from dozor.web.ui import (
    admin,
    admin_tokens,
    api_docs,
    auth_pages,
    correlations,
    dashboard,
    import_page,
    seizure_actions,
    seizure_form,
    seizures,
    suggest,
)
from dozor.web.ui.csp import ContentSecurityPolicy
from dozor.web.ui.pages import LoginRequired, PageNotFound, login_redirect, render

STATIC = Path(__file__).resolve().parent / "static"
ROUTERS = (
    auth_pages.router,
    dashboard.router,
    correlations.router,  # before seizures: /seizures/{id}/correlations
    seizure_form.router,  # before seizures: /seizures/new, /seizures/{id}/edit
    suggest.router,
    import_page.router,
    admin_tokens.router,  # before admin: /admin/users/{id}/tokens
    admin.router,
    seizures.router,
    seizure_actions.router,
    api_docs.router,
)


def register(app: FastAPI) -> None:
    """Add the pages to ``app`` (call after the API routers)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    paths: set[str] = set()
    for router in ROUTERS:
        app.include_router(router)
        paths.update(
            route.path
            for route in router.routes
            if isinstance(route, APIRoute) and "GET" in (route.methods or ())
        )
    app.state.ui_page_paths = frozenset(paths)

    async def on_login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequired)
        return login_redirect(request, error)

    async def on_not_found(request: Request, error: Exception) -> Response:
        return await render(request, "not_found.html", status_code=404)

    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(PageNotFound, on_not_found)
    app.add_middleware(ContentSecurityPolicy)  # text/html responses only (see csp.py)
