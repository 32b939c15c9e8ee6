"""``/api/v1/hits``, ``/api/v1/access-requests`` and ``/api/v1/grants`` (DATA.md §2.8, §2.9).

A hit query answers ``{"hit": false}`` or ``{"hit": true, "matches": [{"owner_agency",
"hit_ref", "selector_type"}]}`` and nothing else. An access request names a ``hit_ref``; the
owner agency's supervisor decides it, and approval grants the requester's agency the object
and its seizures until the grant expires or is revoked. Errors are
``{"detail": {"code": …, "message": …}}`` with the HTTP status of the refusal (403, 404, 409,
422, 429, 503).
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from sqlalchemy import Connection, Engine

from dozor.access import grants, hit_index, hits, requests
from dozor.access.hit_query import query_selector
from dozor.access.principal import Principal
from dozor.settings import Settings
from dozor.web.auth import require_principal
from dozor.web.deps import get_engine, get_settings
from dozor.web.refusals import channel_of, run_refusable

router = APIRouter(prefix="/api/v1", tags=["hit/no-hit"])
T = TypeVar("T")


def router_for(settings: Settings) -> APIRouter:
    """The router, with the release/retraction hooks installed for this node's settings."""
    hit_index.install_hooks(settings)
    return router


@router.get("/hits")
def hit_query(
    request: Request,
    selector: str = Query(..., description="TYPE:VALUE, e.g. passport:KAZ:N1234567"),
    reason: str = Query("", description="why you ask (required, audited)"),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Does another agency hold this selector? Owner agencies and hit references only."""
    try:
        selector_type, value = hits.parse_selector(selector)
    except ValueError as error:
        raise HTTPException(422, {"code": "invalid_selector", "message": str(error)}) from None
    channel = channel_of(request)
    return run_refusable(
        engine,
        request,
        principal,
        lambda conn: query_selector(
            conn, principal, selector_type, value, reason, settings=settings, channel=channel
        ),
        keep_on_refusal=True,  # the refused query's audit entry (rate limit, reason) stays
    )


@router.post("/access-requests", status_code=201)
def create_access_request(
    request: Request,
    body: dict[str, Any] = Body(
        ...,
        examples=[
            {
                "hit_ref": "…",
                "purpose": "investigation",
                "justification": "courier network",
                "legal_basis": "bilateral agreement",
                "requested_scope": ["identity", "documents"],
                "priority": "routine",
            }
        ],
    ),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Ask the owner of a hit for access; the request goes to its supervisors."""
    channel = channel_of(request)

    def work(conn: Connection) -> dict[str, Any]:
        request_id = requests.request_access(
            conn,
            principal,
            str(body.get("hit_ref") or ""),
            str(body.get("purpose") or ""),
            str(body.get("justification") or ""),
            str(body.get("legal_basis") or ""),
            body.get("requested_scope") or [],
            str(body.get("priority") or "routine"),
            settings=settings,
            channel=channel,
        )
        found = requests.get_request(conn, principal, request_id)
        assert found is not None
        return found

    return run_refusable(engine, request, principal, work)


@router.get("/access-requests")
def list_access_requests(
    direction: str | None = Query(None, pattern="^(sent|received)$"),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
) -> dict[str, Any]:
    """Access requests of my agency, sent and received (newest first)."""
    with engine.connect() as conn:
        rows = requests.list_requests(conn, principal, direction=direction)
    return {"requests": rows}


@router.get("/access-requests/{id}")
def get_access_request(
    id: str,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
) -> dict[str, Any]:
    """One access request of my agency."""
    with engine.connect() as conn:
        found = requests.get_request(conn, principal, id)
    if found is None:
        raise HTTPException(404, {"code": "not_found", "message": "no such access request"})
    return found


@router.post("/access-requests/{id}/decision")
def decide_access_request(
    id: str,
    request: Request,
    body: dict[str, Any] = Body(
        ...,
        examples=[
            {
                "decision": "approved",
                "reason": "",
                "scope": ["identity"],
                "expires_days": 180,
                "handling": "H2",
                "tlp": "AMBER",
            }
        ],
    ),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """The owner supervisor decides: approved, partially_approved, declined or
    clarification_requested."""
    channel = channel_of(request)
    days = body.get("expires_days")
    if days is not None and not isinstance(days, int):
        raise HTTPException(422, {"code": "invalid_number", "message": "expires_days: integer"})
    return run_refusable(
        engine,
        request,
        principal,
        lambda conn: grants.decide(
            conn,
            principal,
            id,
            str(body.get("decision") or ""),
            body.get("reason"),
            body.get("scope"),
            days,
            str(body.get("handling") or "H2"),
            str(body.get("tlp") or "AMBER"),
            settings=settings,
            channel=channel,
        ),
    )


@router.post("/access-requests/{id}/withdraw")
def withdraw_access_request(
    id: str,
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """The requesting agency withdraws an open request."""
    channel = channel_of(request)

    def work(conn: Connection) -> dict[str, Any]:
        requests.withdraw_request(conn, principal, id, settings=settings, channel=channel)
        found = requests.get_request(conn, principal, id)
        assert found is not None
        return found

    return run_refusable(engine, request, principal, work)


@router.post("/grants/{id}/revoke")
def revoke_grant(
    id: str,
    request: Request,
    body: dict[str, Any] | None = Body(None, examples=[{"reason": "case closed"}]),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """The owner supervisor revokes a grant (with every grant of the same decision)."""
    channel = channel_of(request)
    reason = (body or {}).get("reason")
    revoked = run_refusable(
        engine,
        request,
        principal,
        lambda conn: grants.revoke_grant(
            conn, principal, id, reason, settings=settings, channel=channel
        ),
    )
    return {"revoked": revoked}
