"""``/api/v1/stats/...``: the statistics behind the dashboard, shaped for charts.

Every answer is ``{"kind", "filters", "unit", "categories", "series", "rows"}`` (see
docs/analytics.md) and counts only the seizures the caller may read; a caller who may read
none gets empty categories, series and rows. Bad filters give 422 with the field, the value
and the reason in the caller's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from dozor.access.principal import Principal
from dozor.analytics import stats
from dozor.analytics.annual import annual
from dozor.analytics.anomalies import anomalies
from dozor.analytics.engine import StatsEngine, stats_engine_for
from dozor.analytics.filters import StatsError, StatsFilter
from dozor.web.auth import require_principal
from dozor.web.deps import get_engine, request_lang

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])


@dataclass
class Ask:
    """One statistics request: who, on which copy, with which filters, in which language."""

    principal: Principal
    engine: StatsEngine
    filters: StatsFilter
    lang: str


def ask(
    request: Request,
    principal: Principal = Depends(require_principal),
    engine: Engine = Depends(get_engine),
    date_from: date | None = Query(None, description="first day of the period (seizure date)"),
    date_to: date | None = Query(None, description="last day of the period (inclusive)"),
    country: str | None = Query(None, description="country of seizure, ISO3"),
    agency: str | None = Query(None, description="owner agency code"),
    bcp: str | None = Query(None, description="crossing point code"),
    drug_group: str | None = Query(None, description="drug group code (UNODC)"),
    drug: str | None = Query(None, description="substance code"),
    mode_of_transport: str | None = Query(None, description="mode of transport code"),
) -> Ask:
    """The common filters of every statistic."""
    flt = StatsFilter(date_from, date_to, country, agency, bcp, drug_group, drug, mode_of_transport)
    return Ask(principal, stats_engine_for(engine), flt, request_lang(request, principal.ui_lang))


def _answer(q: Ask, compute: Callable[[StatsFilter], dict[str, Any]]) -> Any:
    try:
        return compute(q.filters.checked())
    except StatsError as error:
        return JSONResponse(
            status_code=422,
            content={"detail": "invalid statistics request", "errors": [error.as_dict(q.lang)]},
        )


GRANULARITY = Query("month", description="day, week, month, quarter or year")
MEASURE = Query("count", description="count (seizures) or kg_eq (kg-equivalents)")
SPLIT = Query(
    None,
    description="one series per value of: country, agency, bcp, drug_group, drug, "
    "mode_of_transport, concealment",
)
LIMIT = Query(None, ge=1, le=10_000, description="at most this many categories")


@router.get("/timeseries")
def timeseries(
    q: Ask = Depends(ask),
    granularity: str = GRANULARITY,
    split: str | None = SPLIT,
    measure: str = MEASURE,
) -> Any:
    """Seizures and kg-equivalents per period (dense: empty periods are 0)."""
    return _answer(
        q,
        lambda f: stats.timeseries(
            q.engine, q.principal, f, granularity=granularity, split=split, measure=measure
        ),
    )


def _by(dimension: str, summary: str) -> Callable[..., Any]:
    def endpoint(q: Ask = Depends(ask), limit: int | None = LIMIT) -> Any:
        return _answer(
            q, lambda f: stats.by_dimension(q.engine, q.principal, f, dimension, limit=limit)
        )

    endpoint.__doc__ = summary
    endpoint.__name__ = f"by_{dimension}"
    return endpoint


for _dimension, _path, _summary in (
    ("country", "/by-country", "Seizures and kg-equivalents per country of seizure."),
    ("drug", "/by-drug", "Per substance: rows carry drug_code, count, kg_eq."),
    ("drug_group", "/by-drug-group", "Per drug group (UNODC groups)."),
    ("bcp", "/by-bcp", "Per border crossing point (null: not at a crossing point)."),
    ("agency", "/by-agency", "Per owner agency."),
    ("mode_of_transport", "/by-transport", "Per mode of transport."),
    ("concealment", "/by-concealment", "Per concealment method (a seizure counts in each)."),
):
    router.add_api_route(
        _path, _by(_dimension, _summary), methods=["GET"], summary=_summary.split(":")[0]
    )


@router.get("/routes")
def routes(q: Ask = Depends(ask), limit: int = Query(50, ge=1, le=10_000)) -> Any:
    """Routes origin → transit → destination (rows) and country-to-country legs (legs)."""
    return _answer(q, lambda f: stats.routes(q.engine, q.principal, f, limit=limit))


@router.get("/compare")
def compare(
    q: Ask = Depends(ask),
    a_from: date = Query(..., description="first period: first day"),
    a_to: date = Query(..., description="first period: last day"),
    b_from: date = Query(..., description="second period: first day"),
    b_to: date = Query(..., description="second period: last day"),
    by: str = Query("drug_group", description="category: a dimension as for split"),
) -> Any:
    """Two periods per category with absolute and relative change (b − a)."""
    return _answer(
        q,
        lambda f: stats.compare(
            q.engine, q.principal, f, a=(a_from, a_to), b=(b_from, b_to), by=by
        ),
    )


@router.get("/seasonality")
def seasonality(
    q: Ask = Depends(ask),
    by: str = Query("drug_group", description="category: a dimension as for split"),
) -> Any:
    """Seizures per calendar month per category, with a seasonal index (1 = average month)."""
    return _answer(q, lambda f: stats.seasonality(q.engine, q.principal, f, by=by))


@router.get("/anomalies")
def anomaly_weeks(
    q: Ask = Depends(ask),
    measure: str = MEASURE,
    threshold: float = Query(3.5, description="flag weeks with |robust z| at least this"),
    limit: int = Query(100, ge=1, le=10_000),
) -> Any:
    """Weeks departing from the robust seasonal baseline per crossing point × drug group."""
    return _answer(
        q,
        lambda f: anomalies(
            q.engine, q.principal, f, measure=measure, threshold=threshold, limit=limit
        ),
    )


@router.get("/hotspots")
def hotspots(q: Ask = Depends(ask), limit: int = Query(10, ge=1, le=1000)) -> Any:
    """Top crossing points and places by seizures, with kg-equivalents and coordinates."""
    return _answer(q, lambda f: stats.hotspots(q.engine, q.principal, f, limit=limit))


@router.get("/annual")
def annual_totals(q: Ask = Depends(ask)) -> Any:
    """Official annual totals (UNODC) beside the sums of the seizures the caller sees."""
    return _answer(q, lambda f: annual(q.engine, q.principal, f))
