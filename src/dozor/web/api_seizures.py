"""``/api/v1/seizures``: list, detail, create, edit and the release workflow.

Every response is shaped by the access policy: records the caller may not read do not exist
for them (404, not 403), and nominal fields they may not read are absent, not blanked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from dozor.access import reads, workflow
from dozor.access.principal import Principal
from dozor.analytics.counts import list_total
from dozor.ingest.records import Author, record_id, save_record
from dozor.ingest.service import ImportResult
from dozor.settings import Settings
from dozor.web.auth import require_principal
from dozor.web.deps import get_engine, get_settings, request_lang
from dozor.web.refusals import run_refusable

router = APIRouter(prefix="/api/v1/seizures", tags=["seizures"])
WRITE_ROLES = {"officer", "supervisor"}


def _author(principal: Principal) -> Author:
    return Author(
        principal.user_id,
        principal.agency_id,
        principal.agency_code,
        principal.country,
        "national_admin" in principal.roles,
    )


def _require_write(principal: Principal) -> None:
    if principal.scope == "read":
        raise HTTPException(403, "this token is read-only")
    if not principal.roles & WRITE_ROLES:
        raise HTTPException(403, "this needs the role officer or supervisor")


def _errors(result: ImportResult, lang: str) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "detail": "validation failed",
            "errors": [p.as_dict(lang) for p in result.errors],
        },
    )


@router.get("")
def list_seizures(
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    country: str | None = Query(None, description="reporting country, ISO3"),
    agency: str | None = Query(None, description="owner agency code"),
    status: str | None = Query(None),
    date_from: date | None = Query(None),
    date_to: date | None = Query(None),
    drug: str | None = Query(None, description="substance code"),
    drug_group: str | None = Query(None),
    bcp: str | None = Query(None, description="crossing point code"),
    q: str | None = Query(None, description="search in reference, place and narrative"),
    sort: str = Query("-seized_date"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Seizures the caller may read, newest first, with the total for pagination."""
    filters = reads.SeizureFilter(
        country=country,
        agency=agency,
        status=status,
        date_from=date_from,
        date_to=date_to,
        drug=drug,
        drug_group=drug_group,
        bcp=bcp,
        q=q,
    )
    total = list_total(engine, principal, filters)
    with engine.connect() as conn:
        try:
            rows, total = reads.list_seizures(
                conn, principal, filters, sort=sort, limit=limit, offset=offset, total=total
            )
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
    items = [{**r, "seizure_ref": r["local_ref"]} for r in rows]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/{seizure_id}")
def get_seizure(
    seizure_id: str,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """One seizure with items, route, history, and the nominal parts the caller may read."""
    with engine.begin() as conn:
        record = reads.get_seizure(conn, principal, seizure_id, node=settings.node_code)
    if record is None:
        raise HTTPException(404, "no such seizure")
    record["seizure_ref"] = record["local_ref"]
    return record


@router.post("", status_code=201)
def create_seizure(
    request: Request,
    body: dict[str, Any] = Body(
        ...,
        examples=[
            {
                "seizure": {
                    "seizure_ref": "KAZ-CUSTOMS/2026/000001",
                    "seizure_date": "2026-05-14",
                    "location_type": "bcp_road",
                    "bcp": "zhibek_zholy",
                    "mode_of_transport": "road",
                },
                "items": [{"drug": "heroin", "quantity": "1.5", "unit": "kg"}],
                "persons": [],
            }
        ],
    ),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Any:
    """Create a draft seizure (validated like an import row; the same error codes)."""
    _require_write(principal)
    lang = request_lang(request, principal.ui_lang)
    ref = str((body.get("seizure") or {}).get("seizure_ref") or "").strip()
    with engine.connect() as conn:
        if ref and record_id(conn, principal.agency_code, ref):
            raise HTTPException(409, f"seizure_ref {ref} exists; use PATCH to change it")
    result = save_record(engine, settings, _author(principal), body, channel="api")
    if not result.committed:
        return _errors(result, lang)
    with engine.begin() as conn:
        new_id = record_id(conn, principal.agency_code, ref)
        assert new_id is not None
        record = reads.get_seizure(conn, principal, new_id, node=settings.node_code)
    assert record is not None
    record["seizure_ref"] = record["local_ref"]
    return record


@router.patch("/{seizure_id}")
def edit_seizure(
    seizure_id: str,
    request: Request,
    body: dict[str, Any] = Body(...),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Any:
    """Change an own-agency seizure; a validated or released one gets a pending correction.

    The body has the shape of POST; given seizure fields replace the stored ones, ``items``
    (when given) replace the items as a set, ``persons`` (when given) the persons.
    """
    _require_write(principal)
    lang = request_lang(request, principal.ui_lang)
    with engine.begin() as conn:
        current = reads.get_seizure(conn, principal, seizure_id, node=settings.node_code)
    if current is None or current["owner_agency_id"] != principal.agency_id:
        raise HTTPException(404, "no such seizure")
    merged = _merge(current, body)
    result = save_record(engine, settings, _author(principal), merged, channel="api")
    if not result.committed:
        return _errors(result, lang)
    with engine.begin() as conn:
        record = reads.get_seizure(conn, principal, seizure_id, node=settings.node_code)
    assert record is not None
    record["seizure_ref"] = record["local_ref"]
    record["pending_correction"] = result.pending > 0
    return record


def _merge(current: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The stored record in template form, overlaid with the PATCH body."""
    from dozor.reports.exports import template_view

    head, items, _persons = template_view(current)
    changes = body.get("seizure") or {}
    changes.pop("seizure_ref", None)  # the key of a record cannot change
    head.update(changes)
    merged: dict[str, Any] = {"seizure": head, "items": body.get("items") or items}
    if "persons" in body:
        merged["persons"] = body["persons"]
    # Without "persons" the stored persons stay as they are, with every phone, document and
    # vehicle: the one-row-per-person template could not carry them all back.
    return merged


def _action(
    seizure_id: str,
    principal: Principal,
    engine: Engine,
    settings: Settings,
    request: Request,
    run: Any,
) -> dict[str, Any]:
    if principal.scope == "read":
        raise HTTPException(403, "this token is read-only")
    actor = workflow.Actor(principal.user_id, principal)
    run_refusable(engine, request, principal, lambda conn: run(conn, actor))
    with engine.begin() as conn:
        record = reads.get_seizure(conn, principal, seizure_id, node=settings.node_code)
    if record is None:
        raise HTTPException(404, "no such seizure")
    record["seizure_ref"] = record["local_ref"]
    return record


@router.post("/{seizure_id}/submit")
def submit(
    seizure_id: str,
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """draft → submitted."""
    return _action(
        seizure_id,
        principal,
        engine,
        settings,
        request,
        lambda c, a: workflow.submit(c, a, seizure_id, node=settings.node_code),
    )


@router.post("/{seizure_id}/validate")
def validate(
    seizure_id: str,
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """submitted → validated (a supervisor who is not the author)."""
    return _action(
        seizure_id,
        principal,
        engine,
        settings,
        request,
        lambda c, a: workflow.validate(c, a, seizure_id, node=settings.node_code),
    )


@router.post("/{seizure_id}/release")
def release(
    seizure_id: str,
    request: Request,
    body: dict[str, Any] = Body(...),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """validated → released with ``{"distribution": "national|listed|region", ...}``."""
    distribution = str(body.get("distribution") or "")
    return _action(
        seizure_id,
        principal,
        engine,
        settings,
        request,
        lambda c, a: workflow.release(
            c,
            a,
            seizure_id,
            distribution,
            node=settings.node_code,
            listed_agencies=body.get("listed_agencies"),
            listed_countries=body.get("listed_countries"),
        ),
    )


@router.post("/{seizure_id}/retract")
def retract(
    seizure_id: str,
    request: Request,
    body: dict[str, Any] = Body(...),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Retract with ``{"reason": "..."}``."""
    reason = str(body.get("reason") or "")
    return _action(
        seizure_id,
        principal,
        engine,
        settings,
        request,
        lambda c, a: workflow.retract(c, a, seizure_id, reason, node=settings.node_code),
    )
