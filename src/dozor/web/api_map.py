"""``GET /api/v1/stats/map``: the seizures the caller may read, aggregated per place, for maps.

A place is a border crossing point (at the register's coordinates, else the mean position of
its seizures, else none), else the settlement of seizure in its country (where the seizure has
coordinates), else the seizure's own coordinates rounded to 0.1°, else the country of seizure
(``kind`` ``country``, no coordinates: a map puts it at the country's centre). Seizures with
no country either are counted in ``unplaced``. The statistic runs on the analytics copy under the
caller's access policy, exactly like every other ``/api/v1/stats`` kind, and answers the same
shape (``kind``, ``filters``, ``unit``, ``categories``, ``series``, ``rows``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from dozor.access.policy import Viewer
from dozor.analytics.charts import chart, kg, series
from dozor.analytics.engine import StatsEngine
from dozor.analytics.filters import StatsFilter
from dozor.web.api_stats import Ask, _answer, ask

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])

PLACE_KEY = (
    "CASE WHEN f.bcp IS NOT NULL THEN 'bcp:' || f.bcp "
    "WHEN f.settlement IS NOT NULL AND f.lat IS NOT NULL "
    "THEN 'place:' || coalesce(f.country_of_seizure, '') || ':' || f.settlement "
    "WHEN f.lat IS NOT NULL THEN 'point:' || CAST(round(f.lat, 1) AS VARCHAR) || ',' "
    "|| CAST(round(f.lon, 1) AS VARCHAR) "
    "WHEN f.country_of_seizure IS NOT NULL THEN 'country:' || f.country_of_seizure END"
)


def map_points(
    engine: StatsEngine, viewer: Viewer, flt: StatsFilter, *, limit: int = 2000
) -> dict[str, Any]:
    """Seizures and kg-equivalents per place, with each place's drug groups (most first)."""
    visible = engine.visible(viewer)
    if visible is None:
        return chart("map", flt, [], [], [], params={"limit": limit}, unplaced=0)
    conditions, params = flt.where()
    where = " AND ".join([visible.condition, *conditions])
    flag = flt.count_flag()
    group_flag = flt.count_flag("drug_group")
    found = engine.query(
        visible,
        f"SELECT {PLACE_KEY} AS place, f.drug_group, any_value(f.bcp), "  # noqa: S608
        "any_value(f.settlement), any_value(f.country_of_seizure), "
        "coalesce(any_value(c.lat), avg(f.lat)), coalesce(any_value(c.lon), avg(f.lon)), "
        "any_value(c.name_en), any_value(c.name_ru), any_value(c.country), "
        f"count(*) FILTER (WHERE {flag}), count(*) FILTER (WHERE {group_flag}), sum(f.kg_eq) "
        f"FROM {visible.facts} LEFT JOIN crossing_points c ON c.code = f.bcp WHERE {where} "
        "GROUP BY ALL",
        params,
    )
    places: dict[str, dict[str, Any]] = {}
    unplaced = 0
    for key, group, bcp, town, country, lat, lon, name_en, name_ru, bcp_country, *rest in found:
        seizures, in_group, weight = int(rest[0]), int(rest[1]), kg(rest[2])
        if key is None:
            unplaced += seizures
            continue
        place = places.get(key)
        if place is None:
            kind = key.split(":", 1)[0]
            label = town if kind == "place" else None
            place = places[key] = {
                "key": key,
                "kind": kind,
                "code": bcp if kind == "bcp" else None,
                "name_en": name_en if kind == "bcp" else label,
                "name_ru": name_ru if kind == "bcp" else label,
                "country": bcp_country if kind == "bcp" else country,
                "lat": None if lat is None else round(float(lat), 5),
                "lon": None if lon is None else round(float(lon), 5),
                "count": 0,
                "kg_eq": 0.0,
                "drug_groups": [],
            }
        place["count"] += seizures
        place["kg_eq"] = kg(place["kg_eq"] + weight)
        if in_group:
            place["drug_groups"].append({"drug_group": group, "count": in_group, "kg_eq": weight})
    rows = sorted(places.values(), key=lambda p: (-p["count"], -p["kg_eq"], p["key"]))[:limit]
    for place in rows:
        place["drug_groups"].sort(key=lambda g: (-g["count"], -g["kg_eq"], str(g["drug_group"])))
        top = place["drug_groups"][0]["drug_group"] if place["drug_groups"] else None
        place["drug_group"] = top
    return chart(
        "map", flt, [p["key"] for p in rows],
        [series("count", "count", [p["count"] for p in rows]),
         series("kg_eq", "kg_eq", [p["kg_eq"] for p in rows])],
        rows, params={"limit": limit}, unplaced=unplaced,
    )  # fmt: skip


@router.get("/map")
def seizure_map(
    q: Ask = Depends(ask), limit: int = Query(2000, ge=1, le=20_000, description="most places")
) -> Any:
    """Seizures per place (crossing point, settlement or position) with drug groups, for maps."""
    return _answer(q, lambda f: map_points(q.engine, q.principal, f, limit=limit))
