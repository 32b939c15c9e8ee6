"""Swagger UI for the JSON API, served from the vendored files (FastAPI's default loads a CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dozor.access.principal import Principal
from dozor.web.ui.pages import optional_principal, render

router = APIRouter(include_in_schema=False)

SWAGGER = "vendor/swagger-ui-5.35.0"


@router.get("/api/docs", response_class=HTMLResponse)
async def api_docs(
    request: Request, principal: Principal | None = Depends(optional_principal)
) -> HTMLResponse:
    """The interactive API reference (reads ``/openapi.json``)."""
    return await render(request, "api_docs.html", {"swagger": SWAGGER})
