"""``/api/v1/correlations``, ``/api/v1/matching`` and ``/api/v1/link-chart`` (issue #6).

Everything is shaped by the access policy: a record the caller may not read does not exist for
them (404), and nothing in an answer counts hidden records. Errors are
``{"detail": {"code": …, "message": …}}`` in the caller's language.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from sqlalchemy import Connection, Engine

from dozor.access.principal import Principal
from dozor.matching import candidates, clusters, correlation, exclusions, graph, judgements
from dozor.settings import Settings
from dozor.web.auth import require_principal
from dozor.web.deps import get_engine, get_settings, request_lang
from dozor.web.refusals import channel_of, run_refusable

router = APIRouter(prefix="/api/v1", tags=["correlation"])
T = TypeVar("T")


def _found(value: T | None, what: str, what_ru: str, request: Request, principal: Principal) -> T:
    if value is None:
        lang = request_lang(request, principal.ui_lang)
        message = f"{what_ru}: не найдено" if lang == "ru" else f"no such {what}"
        raise HTTPException(404, {"code": "not_found", "message": message})
    return value


def _read(
    conn: Connection,
    principal: Principal,
    request: Request,
    settings: Settings,
    ids: list[str],
    view: str,
) -> None:
    correlation.audit_read(
        conn,
        principal,
        settings.node_code,
        channel_of(request),
        "person",
        list(dict.fromkeys(ids)),
        view,
    )


def _actor(principal: Principal) -> exclusions.Actor:
    return exclusions.Actor(principal.user_id, principal.agency_id, principal.roles)


# -- correlations ------------------------------------------------------------------------------


@router.get("/correlations/{object_type}/{object_id}")
def object_correlations(
    object_type: str,
    object_id: str,
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Exact correlations of a seizure's persons and vehicles, or of one person or vehicle.

    ``object_type`` is ``seizures``, ``persons`` or ``vehicles``.
    """
    channel = channel_of(request)
    limit = settings.correlation_max_frequency

    def work(conn: Connection) -> dict[str, Any] | None:
        if object_type == "seizures":
            return correlation.seizure_correlations(
                conn,
                principal,
                object_id,
                max_frequency=limit,
                node=settings.node_code,
                channel=channel,
            )
        kind = {"persons": "person", "vehicles": "conveyance"}.get(object_type)
        if kind is None:
            return None
        return correlation.object_correlations(
            conn,
            principal,
            kind,
            object_id,
            max_frequency=limit,
            node=settings.node_code,
            channel=channel,
        )

    return _found(
        run_refusable(engine, request, principal, work), "record", "запись", request, principal
    )


@router.get("/correlation-frequent")
def frequent_values(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Values the caller sees on more records than DOZOR_CORRELATION_MAX_FREQUENCY."""
    threshold = settings.correlation_max_frequency
    with engine.connect() as conn:
        values = exclusions.frequent_values(
            conn, threshold=threshold, viewer=principal, limit=limit
        )
    return {"max_frequency": threshold, "values": values}


@router.get("/correlation-exclusions")
def list_exclusions(
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
) -> dict[str, Any]:
    """Values excluded from correlation (analysts, supervisors and admins)."""

    def work(conn: Connection) -> list[dict[str, Any]]:
        exclusions.require_manager(_actor(principal))
        return exclusions.list_exclusions(conn)

    return {"exclusions": run_refusable(engine, request, principal, work)}


@router.post("/correlation-exclusions", status_code=201)
def add_exclusion(
    request: Request,
    body: dict[str, Any] = Body(
        ...,
        examples=[{"kind": "phone", "value": "+7 727 271 00 00", "reason": "switchboard"}],
    ),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Exclude a value; ``country`` (ISO3) is needed for documents and plates."""
    channel = channel_of(request)
    return run_refusable(
        engine,
        request,
        principal,
        lambda conn: exclusions.add_exclusion(
            conn,
            _actor(principal),
            str(body.get("kind") or ""),
            str(body.get("value") or ""),
            str(body.get("reason") or ""),
            country=body.get("country") or principal.country,
            node=settings.node_code,
            channel=channel,
        ),
    )


@router.delete("/correlation-exclusions/{exclusion_id}")
def remove_exclusion(
    exclusion_id: str,
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Let an excluded value correlate again."""
    channel = channel_of(request)
    run_refusable(
        engine,
        request,
        principal,
        lambda conn: exclusions.remove_exclusion(
            conn, _actor(principal), exclusion_id, node=settings.node_code, channel=channel
        ),
    )
    return {"removed": exclusion_id}


# -- identity matching -------------------------------------------------------------------------


@router.get("/matching/candidates")
def candidate_queue(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    min_score: float = Query(0.5, ge=0.0, le=1.0),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Unjudged candidate pairs of persons the caller may both see, best score first."""
    with engine.begin() as conn:
        pairs = candidates.candidate_queue(
            conn, principal, limit=limit, offset=offset, min_score=min_score
        )
        ids = [i for p in pairs for i in (p["person_a"], p["person_b"])]
        _read(conn, principal, request, settings, ids, "candidate_queue")
    return {"limit": limit, "offset": offset, "min_score": min_score, "pairs": pairs}


@router.get("/matching/persons/{person_id}/candidates")
def person_candidates(
    person_id: str,
    request: Request,
    limit: int = Query(20, ge=1, le=200),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """A person's candidate matches (with any active judgement)."""
    with engine.begin() as conn:
        found = candidates.person_candidates(conn, principal, person_id, limit=limit)
        if found is not None:
            ids = [person_id, *(c["other"]["id"] for c in found)]
            _read(conn, principal, request, settings, ids, "candidates")
    return {
        "person_id": person_id,
        "candidates": _found(found, "person", "лицо", request, principal),
    }


@router.get("/matching/persons/{person_id}/cluster")
def person_cluster(
    person_id: str,
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """The persons judged the same as this one (as far as the caller may see)."""
    with engine.begin() as conn:
        found = clusters.cluster_of(conn, principal, person_id)
        if found is not None:
            ids = [m["id"] for m in found["members"]]
            _read(conn, principal, request, settings, ids, "cluster")
    return _found(found, "person", "лицо", request, principal)


@router.get("/matching/persons/{person_id}/judgements")
def person_judgements(
    person_id: str,
    request: Request,
    include_withdrawn: bool = Query(False),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
) -> dict[str, Any]:
    """Judgements on pairs of this person and another person the caller may see."""
    with engine.connect() as conn:
        found = judgements.judgements_of(
            conn, principal, person_id, include_withdrawn=include_withdrawn
        )
    return {
        "person_id": person_id,
        "judgements": _found(found, "person", "лицо", request, principal),
    }


@router.post("/matching/judgements", status_code=201)
def record_judgement(
    request: Request,
    body: dict[str, Any] = Body(
        ..., examples=[{"person_a": "…", "person_b": "…", "verdict": "same", "note": ""}]
    ),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Judge a pair: ``same``, ``not_same`` or ``unsure`` (supersedes the pair's last one)."""
    channel = channel_of(request)
    return run_refusable(
        engine,
        request,
        principal,
        lambda conn: judgements.record_judgement(
            conn,
            principal,
            str(body.get("person_a") or ""),
            str(body.get("person_b") or ""),
            str(body.get("verdict") or ""),
            str(body.get("note") or ""),
            node=settings.node_code,
            channel=channel,
        ),
    )


@router.post("/matching/judgements/{judgement_id}/withdraw")
def withdraw_judgement(
    judgement_id: str,
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """Withdraw a judgement of one's agency; a cluster it held together splits."""
    channel = channel_of(request)
    return run_refusable(
        engine,
        request,
        principal,
        lambda conn: judgements.withdraw_judgement(
            conn, principal, judgement_id, node=settings.node_code, channel=channel
        ),
    )


# -- link chart --------------------------------------------------------------------------------


@router.get("/link-chart")
def link_chart(
    request: Request,
    start: str = Query(..., description="person:<id>, vehicle:<id> or phone:<number>"),
    depth: int = Query(2, ge=0, le=graph.MAX_DEPTH),
    max_nodes: int = Query(graph.DEFAULT_NODES, ge=1, le=graph.MAX_NODES),
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """An ECharts graph of everything within ``depth`` steps that the caller may see."""
    channel = channel_of(request)

    def work(conn: Connection) -> dict[str, Any] | None:
        return graph.link_chart(
            conn,
            principal,
            start,
            depth=depth,
            max_nodes=max_nodes,
            max_frequency=settings.correlation_max_frequency,
            node=settings.node_code,
            channel=channel,
            region=principal.country,
        )

    return _found(
        run_refusable(engine, request, principal, work), "start node", "узел", request, principal
    )
