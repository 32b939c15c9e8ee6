"""The situation dashboard ``/``: map, charts, latest releases, correlations and a live feed.

The page itself is a light shell (filters, empty panels, labels in the page language) so it
paints at once; ``static/dashboard.js`` then fills each panel from the documented JSON API
(``/api/v1/stats/...``, ``/api/v1/stats/map``, ``/api/v1/crossing-points``), listens to the
live feed (``/api/v1/live``, Server-Sent Events) and refreshes the panels when a seizure the
user may read changes. Two HTML fragments are rendered here, with the same filters: the latest
releases and the cross-border correlations. Every read goes through the access policy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from dozor.access import reads
from dozor.access.principal import Principal
from dozor.analytics.changes import latest_change
from dozor.analytics.filters import StatsError, StatsFilter
from dozor.domain.codes import code_list
from dozor.domain.countries import MEMBER_COUNTRIES, all_countries
from dozor.domain.places import crossing_points
from dozor.store.schema import seizure
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.correlations import SELECTOR_KINDS
from dozor.web.ui.dashboard_pairs import recent_pairs
from dozor.web.ui.dashboard_text import client_texts
from dozor.web.ui.pages import language, page_principal, render

router = APIRouter(include_in_schema=False)
LATEST = 10
FILTER_NAMES = ("date_from", "date_to", "country", "drug_group", "bcp")


@dataclass
class DashboardFilters:
    """The dashboard's filters from the URL (bad values dropped, with the reason)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    stats: StatsFilter = field(default_factory=StatsFilter)

    @property
    def query(self) -> str:
        return urlencode(self.values)


def read_filters(request: Request, lang: str) -> DashboardFilters:
    """Parse and check the filters; a bad one is reported and ignored, never a failed page."""
    raw = {n: request.query_params.get(n, "").strip() for n in FILTER_NAMES}
    found = DashboardFilters()
    days: dict[str, date | None] = {}
    for name in ("date_from", "date_to"):
        days[name] = None
        if raw[name]:
            try:
                days[name] = date.fromisoformat(raw[name])
            except ValueError:
                reason = "не дата ГГГГ-ММ-ДД" if lang == "ru" else "not a date YYYY-MM-DD"
                found.errors.append({"field": name, "value": raw[name], "message": reason})
    candidate = StatsFilter(
        date_from=days["date_from"],
        date_to=days["date_to"],
        country=raw["country"] or None,
        bcp=raw["bcp"] or None,
        drug_group=raw["drug_group"] or None,
    )
    while True:
        try:
            found.stats = candidate.checked()
            break
        except StatsError as error:
            found.errors.append(error.as_dict(lang))
            candidate = _without(candidate, error.field)
    applied = found.stats.applied()
    found.values = {n: str(applied[n]) for n in FILTER_NAMES if applied.get(n)}
    return found


def _without(flt: StatsFilter, name: str) -> StatsFilter:
    values = {k: getattr(flt, k) for k in StatsFilter.__dataclass_fields__}
    values[name] = None
    if name == "date_from":  # "date_from after date_to": drop both ends of the period
        values["date_to"] = None
    return StatsFilter(**values)


def _choices(lang: str) -> dict[str, Any]:
    """Options of the filter selects, labelled in ``lang``."""
    names = {c.iso3: c.name(lang) for c in all_countries()}
    points: dict[str, list[tuple[str, str]]] = {}
    for point in crossing_points():
        points.setdefault(point.country, []).append((point.code, point.post_name(lang)))
    return {
        "countries": [(iso3, names.get(iso3, iso3)) for iso3 in MEMBER_COUNTRIES],
        "drug_groups": [(e.code, e.label(lang)) for e in code_list("drug_groups")],
        "bcp_groups": [
            (names.get(country, country), sorted(items, key=lambda i: i[1]))
            for country, items in sorted(points.items(), key=lambda kv: names.get(kv[0], kv[0]))
        ],
    }


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Code → label in ``lang`` for what the charts and the feed show."""
    lists = {
        "drug_group": "drug_groups",
        "drug": "substances",
        "status": "seizure_statuses",
        "mode_of_transport": "transport_modes",
        "distribution": "distributions",
    }
    out = {key: {e.code: e.label(lang) for e in code_list(name)} for key, name in lists.items()}
    out["country"] = {c.iso3: c.name(lang) for c in all_countries() if not c.nationality_only}
    out["bcp"] = {p.code: p.post_name(lang) for p in crossing_points()}
    return out


@router.get("/", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """The shell of the dashboard; the panels load their data from the API."""
    lang = language(request, principal)
    filters = read_filters(request, lang)
    mark = await run_in_threadpool(latest_change, engine)
    context = {
        "filters": filters,
        "choices": _choices(lang),
        "labels_json": json.dumps(labels(lang), ensure_ascii=False, separators=(",", ":")),
        "texts_json": json.dumps(client_texts(lang), ensure_ascii=False, separators=(",", ":")),
        "feed_mark": mark,
    }
    return await render(request, "dashboard.html", context, principal=principal)


def latest_releases(
    engine: Engine, principal: Principal, flt: StatsFilter, limit: int = LATEST
) -> list[dict[str, Any]]:
    """The newest released seizures this user may read under the dashboard's filters."""
    wanted = reads.SeizureFilter(
        status="released",
        country=flt.country,
        date_from=flt.date_from,
        date_to=flt.date_to,
        drug_group=flt.drug_group,
        bcp=flt.bcp,
    )
    query = reads.list_query(principal, wanted).order_by(seizure.c.updated_at.desc(), seizure.c.id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.limit(limit))]


@router.get("/dashboard/latest", response_class=HTMLResponse)
async def latest_fragment(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """The "latest releases" panel (an htmx fragment)."""
    filters = read_filters(request, language(request, principal))
    rows = await run_in_threadpool(latest_releases, engine, principal, filters.stats)
    return await render(request, "dashboard_latest.html", {"latest": rows}, principal=principal)


@router.get("/dashboard/correlations", response_class=HTMLResponse)
async def correlations_fragment(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """The "cross-border correlations" panel (an htmx fragment)."""
    settings = get_settings(request)
    filters = read_filters(request, language(request, principal))

    def work() -> list[dict[str, Any]]:
        with engine.begin() as conn:  # the audit entry commits with the read
            return recent_pairs(conn, principal, filters.stats, node=settings.node_code)

    pairs = await run_in_threadpool(work)
    return await render(
        request,
        "dashboard_correlations.html",
        {"pairs": pairs, "selector_kinds": SELECTOR_KINDS},
        principal=principal,
    )
