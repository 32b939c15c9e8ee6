"""Official annual totals (UNODC) beside the sums of the individual seizures the viewer sees.

An official row names a country, a year and a drug: by substance where the file's drug maps
to one of ours, else by drug group. Its seizure sum counts the visible seizures in that
country (of seizure), year and substance (or group); the gap is official − seizures. Official
totals are public reference data, so a viewer who reads no seizure sees them with zero sums.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from dozor.access.policy import Viewer
from dozor.analytics.charts import chart, kg, series
from dozor.analytics.engine import StatsEngine
from dozor.analytics.filters import StatsFilter
from dozor.store.schema import official_annual_total as official


def _official_rows(engine: StatsEngine) -> list[dict[str, Any]]:
    """The official totals, read again only when the table changed (count and highest id)."""
    with engine.db.connect() as conn:
        mark = tuple(conn.execute(select(func.count(), func.max(official.c.id))).one())
        cached = engine.official_cache
        if cached is not None and cached[0] == mark:
            return cached[1]
        query = select(official).order_by(official.c.country, official.c.year, official.c.row_no)
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:  # what every answer shows of a row, worked out once
        row["official_kg"] = None if row["kg"] is None else kg(row["kg"])
        row["label"] = f"{row['country']} {row['year']} {row['drug_name']}"
    engine.official_cache = (mark, rows)
    return rows


def annual(engine: StatsEngine, viewer: Viewer, flt: StatsFilter) -> dict[str, Any]:
    """One row per official total matching the filters, with the seizure sums and the gap."""
    visible = engine.visible(viewer)
    first = flt.date_from.year if flt.date_from else None
    last = flt.date_to.year if flt.date_to else None
    totals = [
        t
        for t in _official_rows(engine)
        if (flt.country is None or t["country"] == flt.country)
        and (first is None or t["year"] >= first)
        and (last is None or t["year"] <= last)
        and (flt.drug_group is None or t["drug_group"] == flt.drug_group)
        and (flt.drug is None or t["substance_code"] == flt.drug)
    ]
    by_drug: dict[tuple[Any, ...], tuple[int, float]] = {}
    by_group: dict[tuple[Any, ...], tuple[int, float]] = {}
    if visible is not None and totals:
        conditions, params = flt.where(period=False)
        if first is not None:
            conditions.append("f.seized_date >= ?")
            params.append(date(first, 1, 1))
        if last is not None:
            conditions.append("f.seized_date <= ?")
            params.append(date(last, 12, 31))
        where = " AND ".join([visible.condition, *conditions])
        for country, year, drug, group, n_drug, n_group, w in engine.query(
            visible,
            "SELECT f.country_of_seizure, year(f.seized_date), f.drug, f.drug_group, "  # noqa: S608
            "count(*) FILTER (WHERE f.first_drug), count(*) FILTER (WHERE f.first_group), "
            f"sum(f.kg_eq) FROM {visible.facts} WHERE {where} GROUP BY ALL",
            params,
        ):
            n, kg_sum = by_drug.get((country, int(year), drug), (0, 0.0))
            by_drug[(country, int(year), drug)] = (n + int(n_drug), kg_sum + float(w or 0.0))
            n, kg_sum = by_group.get((country, int(year), group), (0, 0.0))
            by_group[(country, int(year), group)] = (n + int(n_group), kg_sum + float(w or 0.0))
    rows = []
    labels = []
    nothing = (0, 0.0)
    for t in totals:
        if t["substance_code"]:
            n, w = by_drug.get((t["country"], t["year"], t["substance_code"]), nothing)
        elif t["drug_group"]:
            n, w = by_group.get((t["country"], t["year"], t["drug_group"]), nothing)
        else:
            n, w = nothing
        official_kg = t["official_kg"]
        seized = kg(w) if w else 0.0
        rows.append({
            "country": t["country"], "year": t["year"], "drug_name": t["drug_name"],
            "drug_group": t["drug_group"], "drug_code": t["substance_code"],
            "official_kg": official_kg, "seizures_kg": seized, "seizure_count": n,
            "gap_kg": None if official_kg is None else kg(official_kg - seized),
        })  # fmt: skip
        labels.append(t["label"])
    return chart(
        "annual", flt, labels,
        [series("official_kg", "kg_eq", [r["official_kg"] for r in rows]),
         series("seizures_kg", "kg_eq", [r["seizures_kg"] for r in rows])],
        rows,
    )  # fmt: skip
