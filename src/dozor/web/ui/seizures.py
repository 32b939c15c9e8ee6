"""``/seizures``: the list (filters, sorting, search, pagination; htmx updates) and the detail.

Both read through access/reads.py, i.e. through the policy: a record the user may not read is
absent from the list and its detail page is a 404, and nominal parts appear only when visible.
"""

from __future__ import annotations

import json
import math
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
from dozor.analytics.counts import list_total
from dozor.domain.countries import MEMBER_COUNTRIES
from dozor.domain.places import crossing_points
from dozor.settings import Settings
from dozor.web.deps import get_engine, get_settings
from dozor.web.ui.i18n import N_
from dozor.web.ui.pages import PageNotFound, gettext_for, page_paths, page_principal, render
from dozor.web.ui.seizure_actions import available_actions

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
SORT_COLUMNS = (
    ("seized_date", N_("Date")),
    ("local_ref", N_("Reference")),
    ("reporting_country", N_("Country")),
    ("total_kg_eq", N_("kg-eq.")),
    ("updated_at", N_("Updated")),
)
FILTER_NAMES = ("date_from", "date_to", "country", "drug_group", "bcp", "status", "q", "sort")
MAP_FILE = "vendor/world-atlas-2.0.2/central-asia-50m.geojson"
ACTION_LABELS = {
    "submit": N_("Submit"),
    "validate": N_("Validate"),
    "release": N_("Release"),
    "retract": N_("Retract"),
}
HISTORY_LABELS = {
    "submit": N_("submitted"),
    "validate": N_("validated"),
    "release": N_("released"),
    "retract": N_("retracted"),
}
ROUTE_ROLES = {
    "origin": N_("Origin"),
    "departure": N_("Departure"),
    "transit": N_("Transit"),
    "destination": N_("Destination"),
}


@dataclass
class ListQuery:
    """The list's filters as given on the URL, checked; ``errors`` says what was ignored."""

    values: dict[str, str]
    filters: reads.SeizureFilter
    sort: str
    page: int
    errors: list[str] = field(default_factory=list)

    def url(self, **changes: str | int | None) -> str:
        """The list URL with these filters, changed as given (None removes one)."""
        params: dict[str, Any] = {k: v for k, v in self.values.items() if v}
        params["page"] = self.page
        for key, value in changes.items():
            if value is None or value == "":
                params.pop(key, None)
            else:
                params[key] = value
        if params.get("page") in (1, "1"):
            params.pop("page")
        return "/seizures" + ("?" + urlencode(params) if params else "")

    def sort_url(self, column: str) -> str:
        """Sort by ``column``; a second click reverses the order."""
        wanted = column if self.sort == f"-{column}" else f"-{column}"
        return self.url(sort=wanted, page=None)


def parse_query(request: Request, gettext: Any) -> ListQuery:
    params = request.query_params
    values = {name: (params.get(name) or "").strip() for name in FILTER_NAMES}
    errors: list[str] = []
    dates: dict[str, date | None] = {}
    for name, label in (("date_from", N_("From")), ("date_to", N_("To"))):
        dates[name] = None
        if values[name]:
            try:
                dates[name] = date.fromisoformat(values[name])
            except ValueError:
                errors.append(
                    gettext(N_("%(field)s: “%(value)s” is not a date (YYYY-MM-DD); ignored."))
                    % {"field": gettext(label), "value": values[name]}
                )
                values[name] = ""
    sort = values["sort"] or "-seized_date"
    if sort.lstrip("-") not in reads.SORTABLE:
        errors.append(gettext(N_("Unknown sort order “%(value)s”; ignored.")) % {"value": sort})
        sort = "-seized_date"
    values["sort"] = "" if sort == "-seized_date" else sort
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 1
    filters = reads.SeizureFilter(
        country=values["country"] or None,
        status=values["status"] or None,
        date_from=dates["date_from"],
        date_to=dates["date_to"],
        drug_group=values["drug_group"] or None,
        bcp=values["bcp"] or None,
        q=values["q"] or None,
    )
    return ListQuery(values, filters, sort, page, errors)


def _list(engine: Engine, principal: Principal, query: ListQuery) -> tuple[list[Any], int]:
    total = list_total(engine, principal, query.filters)
    with engine.connect() as conn:
        return reads.list_seizures(
            conn,
            principal,
            query.filters,
            sort=query.sort,
            limit=PAGE_SIZE,
            offset=(query.page - 1) * PAGE_SIZE,
            total=total,
        )


@router.get("/seizures", response_class=HTMLResponse)
async def seizure_list(
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
) -> HTMLResponse:
    """The list; an htmx request gets only the results region."""
    query = parse_query(request, gettext_for(request, principal))
    rows, total = await run_in_threadpool(_list, engine, principal, query)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    lang_points = sorted(crossing_points(), key=lambda p: p.code)
    context = {
        "query": query,
        "rows": rows,
        "total": total,
        "pages": pages,
        "sort_columns": SORT_COLUMNS,
        "countries": MEMBER_COUNTRIES,
        "crossing_points": lang_points,
    }
    fragment = request.headers.get("hx-target") == "results"
    return await render(
        request, "seizures/_results.html" if fragment else "seizures/list.html", context
    )


def _detail(
    engine: Engine, settings: Settings, principal: Principal, seizure_id: str
) -> dict[str, Any] | None:
    with engine.begin() as conn:
        return reads.get_seizure(conn, principal, seizure_id, node=settings.node_code, channel="ui")


def map_data(record: dict[str, Any]) -> str:
    """What the small route map draws: the route's countries in order and the place seized."""
    point = None
    if record.get("lat") is not None and record.get("lon") is not None:
        point = [record["lat"], record["lon"]]
    elif record.get("bcp_code"):
        found = next((p for p in crossing_points() if p.code == record["bcp_code"]), None)
        if found and found.lat is not None and found.lon is not None:
            point = [found.lat, found.lon]
    legs = [{"country": leg["country"], "role": leg["role"]} for leg in record["route_legs"]]
    return json.dumps(
        {"legs": legs, "point": point, "seized_in": record.get("country_of_seizure")},
        separators=(",", ":"),
    )


@router.get("/seizures/{seizure_id}", response_class=HTMLResponse)
async def seizure_detail(
    seizure_id: str,
    request: Request,
    principal: Principal = Depends(page_principal),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> HTMLResponse:
    """One seizure as this user may see it (404 when not visible)."""
    record = await run_in_threadpool(_detail, engine, settings, principal, seizure_id)
    if record is None:
        raise PageNotFound(seizure_id)
    edit_path = f"/seizures/{seizure_id}/edit"
    has_edit_page = "/seizures/{seizure_id}/edit" in page_paths(request)
    context = {
        "s": record,
        "actions": available_actions(record, principal),
        "edit_url": edit_path if has_edit_page else None,
        "map_json": map_data(record),
        "map_file": MAP_FILE,
        "member_countries": MEMBER_COUNTRIES,
        "action_labels": ACTION_LABELS,
        "history_labels": HISTORY_LABELS,
        "route_roles": ROUTE_ROLES,
    }
    return await render(request, "seizures/detail.html", context)
