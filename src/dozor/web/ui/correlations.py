"""Correlation pages: the queue of candidates to judge, frequent values and exclusions
(``/correlations``), a person's and a vehicle's correlations (``/persons/{id}``,
``/vehicles/{id}``), the link chart (``/link-chart``) and the seizure page's block
(``/seizures/{id}/correlations``, loaded by htmx).

Every read goes through `dozor.matching` with the user as viewer, so through the access policy:
a record the user may not see is a 404 that says nothing about its existence, and nothing on a
page counts hidden records. Judgements and exclusions call the functions the JSON API calls
(`matching.judgements`, `matching.exclusions`); reading nominal data is audited as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from dozor.access.principal import Principal
from dozor.matching import candidates, clusters, correlation, exclusions, graph, judgements
from dozor.matching.errors import MatchingError
from dozor.matching.selector_index import INDEXED_KINDS
from dozor.settings import Settings
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.i18n import N_
from dozor.web.ui.pages import (
    PageNotFound,
    flash,
    gettext_for,
    language,
    page_principal,
    render,
    safe_next,
)

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
QUEUE_PAGE = 20
FREQUENT_SHOWN = 50
VERDICTS = {
    "same": N_("Same person"),
    "not_same": N_("Not the same"),
    "unsure": N_("Unsure"),
}
STATUSES = {
    "correlated": N_("correlated"),
    "no_match": N_("no match"),
    "frequent": N_("too frequent to correlate"),
    "excluded": N_("excluded"),
    "invalid": N_("invalid, not used"),
}
FEATURES = {
    "names": N_("Names"),
    "name_frequency": N_("How common the name is"),
    "date_of_birth": N_("Date of birth"),
    "patronymic": N_("Patronymic"),
    "gender": N_("Gender"),
    "passport": N_("Passport"),
    "phone": N_("Phone"),
    "nationality": N_("Nationality"),
}
SELECTOR_KINDS = {
    "phone": N_("Phone"),
    "passport": N_("Passport"),
    "national_id": N_("National ID"),
    "document": N_("Other document"),
    "plate": N_("Plate"),
    "vin": N_("VIN"),
    "imei": N_("IMEI"),
    "container": N_("Container"),
    "company_registration": N_("Company registration"),
}
CATEGORIES = {
    "seizure": N_("Seizure"),
    "person": N_("Person"),
    "vehicle": N_("Vehicle"),
    "phone": N_("Phone"),
    "document": N_("Document"),
}
START_KINDS = (("person", N_("Person")), ("vehicle", N_("Vehicle")), ("phone", N_("Phone")))


def _labels() -> dict[str, Any]:
    return {
        "verdicts": VERDICTS,
        "statuses": STATUSES,
        "feature_labels": FEATURES,
        "selector_kinds": SELECTOR_KINDS,
    }


def may_judge(principal: Principal) -> bool:
    return bool(principal.roles & judgements.JUDGE_ROLES)


def may_exclude(principal: Principal) -> bool:
    return bool(principal.roles & exclusions.MANAGE_ROLES)


def _actor(principal: Principal) -> exclusions.Actor:
    return exclusions.Actor(principal.user_id, principal.agency_id, principal.roles)


async def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    def run() -> T:
        with engine.begin() as conn:
            return work(conn)

    return await run_in_threadpool(run)


def _number(raw: str | None, default: float, low: float, high: float) -> float:
    try:
        value = float(raw) if raw not in (None, "") else default
    except ValueError:
        return default
    return min(max(value, low), high)


# -- the queue, frequent values and exclusions -------------------------------------------------


def _queue(
    conn: Connection, principal: Principal, settings: Settings, page: int, min_score: float
) -> dict[str, Any]:
    pairs = candidates.candidate_queue(
        conn,
        principal,
        limit=QUEUE_PAGE + 1,
        offset=(page - 1) * QUEUE_PAGE,
        min_score=min_score,
    )
    shown = pairs[:QUEUE_PAGE]
    ids = list(dict.fromkeys(i for p in shown for i in (p["person_a"], p["person_b"])))
    correlation.audit_read(
        conn, principal, settings.node_code, "ui", "person", ids, "candidate_queue"
    )
    return {"pairs": shown, "has_next": len(pairs) > QUEUE_PAGE}


def _overview(
    conn: Connection, principal: Principal, settings: Settings, page: int, min_score: float
) -> dict[str, Any]:
    data = _queue(conn, principal, settings, page, min_score)
    data["frequent"] = exclusions.frequent_values(
        conn,
        threshold=settings.correlation_max_frequency,
        viewer=principal,
        limit=FREQUENT_SHOWN,
    )
    data["exclusions"] = exclusions.list_exclusions(conn) if may_exclude(principal) else []
    return data


def _queue_url(page: int, min_score: float) -> str:
    params: dict[str, Any] = {}
    if page > 1:
        params["page"] = page
    if min_score != 0.5:
        params["min_score"] = f"{min_score:g}"
    return "/correlations" + ("?" + urlencode(params) if params else "")


@router.get("/correlations", response_class=HTMLResponse)
async def overview(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """The candidate queue (htmx asks for its ``queue`` region), frequent values, exclusions."""
    params = request.query_params
    page = int(_number(params.get("page"), 1, 1, 10_000))
    min_score = _number(params.get("min_score"), 0.5, 0.0, 1.0)
    fragment = request.headers.get("hx-target") == "queue"
    if fragment:
        data = await _in_transaction(
            engine, lambda conn: _queue(conn, principal, settings, page, min_score)
        )
    else:
        data = await _in_transaction(
            engine, lambda conn: _overview(conn, principal, settings, page, min_score)
        )
    data.update(
        _labels(),
        page=page,
        min_score=min_score,
        prev_url=_queue_url(page - 1, min_score) if page > 1 else None,
        next_url=_queue_url(page + 1, min_score) if data["has_next"] else None,
        may_judge=may_judge(principal),
        may_exclude=may_exclude(principal),
        max_frequency=settings.correlation_max_frequency,
        here=_queue_url(page, min_score),
        excludable=INDEXED_KINDS,
    )
    template = "correlations/_queue.html" if fragment else "correlations/index.html"
    return await render(request, template, data)


def _refusal(request: Request, principal: Principal, error: MatchingError) -> str:
    text = error.message(language(request, principal))
    return str(gettext_for(request, principal)(N_("Refused: %(reason)s")) % {"reason": text})


@router.post("/correlations/judgements", response_model=None)
async def judge(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Record a judgement; htmx gets the pair's card back with the outcome, a form a redirect."""
    form = await request.form()
    person_a, person_b = str(form.get("person_a") or ""), str(form.get("person_b") or "")
    verdict = str(form.get("verdict") or "")
    _ = gettext_for(request, principal)
    try:
        done = await _in_transaction(
            engine,
            lambda conn: judgements.record_judgement(
                conn,
                principal,
                person_a,
                person_b,
                verdict,
                str(form.get("note") or ""),
                node=settings.node_code,
                channel="ui",
            ),
        )
        outcome = {
            "ok": True,
            "text": _(N_("Judged: %(verdict)s.")) % {"verdict": _(VERDICTS[verdict])},
        }
    except MatchingError as error:
        done = None
        outcome = {"ok": False, "text": _refusal(request, principal, error)}
    if request.headers.get("hx-request"):
        context = {
            "outcome": outcome,
            "judgement": done,
            "person_a": person_a,
            "person_b": person_b,
        }
        return await render(request, "correlations/_judged.html", context)
    back = RedirectResponse(safe_next(str(form.get("next") or "/correlations")), status_code=303)
    flash(back, "ok" if outcome["ok"] else "error", str(outcome["text"]))
    return back


@router.post("/correlations/exclusions", response_model=None)
async def exclude(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Take a value out of correlation (analysts, supervisors, admins); back with the outcome."""
    form = await request.form()
    _ = gettext_for(request, principal)
    back = RedirectResponse("/correlations#exclusions", status_code=303)
    kind, value = str(form.get("kind") or ""), str(form.get("value") or "")
    try:
        await _in_transaction(
            engine,
            lambda conn: exclusions.add_exclusion(
                conn,
                _actor(principal),
                kind,
                value,
                str(form.get("reason") or ""),
                country=str(form.get("country") or "") or principal.country,
                node=settings.node_code,
                channel="ui",
            ),
        )
    except MatchingError as error:
        flash(back, "error", _refusal(request, principal, error))
        return back
    flash(back, "ok", _(N_("Excluded from correlation: %(value)s")) % {"value": value})
    return back


@router.post("/correlations/exclusions/{exclusion_id}/remove", response_model=None)
async def include_again(
    exclusion_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Let an excluded value correlate again."""
    _ = gettext_for(request, principal)
    back = RedirectResponse("/correlations#exclusions", status_code=303)
    try:
        await _in_transaction(
            engine,
            lambda conn: exclusions.remove_exclusion(
                conn, _actor(principal), exclusion_id, node=settings.node_code, channel="ui"
            ),
        )
    except MatchingError as error:
        flash(back, "error", _refusal(request, principal, error))
        return back
    flash(back, "ok", _(N_("The value correlates again.")))
    return back


# -- a person, a vehicle -----------------------------------------------------------------------


def _person(
    conn: Connection, principal: Principal, settings: Settings, person_id: str
) -> dict[str, Any] | None:
    limit = settings.correlation_max_frequency
    found = correlation.object_correlations(
        conn, principal, "person", person_id, max_frequency=limit, node=settings.node_code,
        channel="ui",
    )  # fmt: skip
    if found is None:
        return None
    cluster = clusters.cluster_of(conn, principal, person_id)
    proposed = candidates.person_candidates(conn, principal, person_id, limit=20) or []
    read = [m["id"] for m in (cluster or {}).get("members", [])]
    read += [c["other"]["id"] for c in proposed]
    correlation.audit_read(
        conn, principal, settings.node_code, "ui", "person", list(dict.fromkeys(read)), "person"
    )
    return {**found, "cluster": cluster, "candidates": proposed}


@router.get("/persons/{person_id}", response_class=HTMLResponse)
async def person_page(
    person_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """A person's seizures, selectors and their correlations, cluster and candidate matches."""
    data = await _in_transaction(engine, lambda conn: _person(conn, principal, settings, person_id))
    if data is None:
        raise PageNotFound(person_id)
    data.update(_labels(), may_judge=may_judge(principal), here=f"/persons/{person_id}")
    return await render(request, "correlations/person.html", data)


@router.get("/vehicles/{vehicle_id}", response_class=HTMLResponse)
async def vehicle_page(
    vehicle_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """A vehicle's seizures, plate and VIN, and the vehicles sharing them."""
    data = await _in_transaction(
        engine,
        lambda conn: correlation.object_correlations(
            conn,
            principal,
            "conveyance",
            vehicle_id,
            max_frequency=settings.correlation_max_frequency,
            node=settings.node_code,
            channel="ui",
        ),  # fmt: skip
    )
    if data is None:
        raise PageNotFound(vehicle_id)
    data.update(_labels())
    return await render(request, "correlations/vehicle.html", data)


# -- the link chart and the seizure page's block -----------------------------------------------


@router.get("/link-chart", response_class=HTMLResponse)
async def link_chart_page(
    request: Request, principal: Principal = Depends(page_principal)
) -> HTMLResponse:
    """The chart page; its script draws what ``GET /api/v1/link-chart`` answers for the user."""
    _ = gettext_for(request, principal)
    params = request.query_params
    if params.get("value") is not None:  # the page's own form: kind and value
        kind, value = params.get("kind") or "phone", (params.get("value") or "").strip()
    else:  # a link: start=person:<id>, vehicle:<id> or phone:<number>
        kind, _sep, value = (params.get("start") or "").strip().partition(":")
    if kind not in {k for k, _label in START_KINDS}:
        kind, value = "phone", ""
    depth = int(_number(params.get("depth"), 2, 0, graph.MAX_DEPTH))
    api = ""
    if value:
        query = {"start": f"{kind}:{value}", "depth": depth, "max_nodes": graph.DEFAULT_NODES}
        api = "/api/v1/link-chart?" + urlencode(query)
    context = {
        "kind": kind,
        "value": value,
        "depth": depth,
        "max_depth": graph.MAX_DEPTH,
        "start_kinds": START_KINDS,
        "category_labels": {k: _(label) for k, label in CATEGORIES.items()},
        "api_url": api,
    }
    return await render(request, "correlations/link_chart.html", context)


@router.get("/seizures/{seizure_id}/correlations", response_class=HTMLResponse)
async def seizure_block(
    seizure_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """The seizure page's "Correlations" block (an htmx fragment)."""
    data = await _in_transaction(
        engine,
        lambda conn: correlation.seizure_correlations(
            conn,
            principal,
            seizure_id,
            max_frequency=settings.correlation_max_frequency,
            node=settings.node_code,
            channel="ui",
        ),  # fmt: skip
    )
    if data is None:
        raise PageNotFound(seizure_id)
    data.update(_labels())
    return await render(request, "correlations/_seizure_correlations.html", data)
