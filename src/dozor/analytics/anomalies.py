"""Spikes and drops per crossing point × drug group against a robust seasonal baseline.

For each week the baseline is the median of reference weeks: the 8 weeks before it and the
same week-of-year ±2 weeks in each of the 3 years before (up to 23 values; at least 8 needed).
The spread is the MAD (median absolute deviation) scaled by 1.4826, with a floor (1 seizure,
or 1 kg / 10% of the median for kg-equivalents) so that mostly-empty series do not flag every
non-zero week. A week is flagged when its robust z = (value − median) / spread reaches the
threshold; the answer gives both z and the absolute excess (value − median).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dozor.access.policy import Viewer
from dozor.analytics.charts import chart, kg, series
from dozor.analytics.engine import StatsEngine
from dozor.analytics.filters import MEASURES, StatsError, StatsFilter, check_choice

RECENT_WEEKS = 8
YEARS_BACK = 3
SEASON_HALF_WIDTH = 2
MIN_REFERENCE = 8
OFFSETS = tuple(range(1, RECENT_WEEKS + 1)) + tuple(
    52 * k + d
    for k in range(1, YEARS_BACK + 1)
    for d in range(-SEASON_HALF_WIDTH, SEASON_HALF_WIDTH + 1)
)
DEFAULT_WEEKS = 52  # weeks examined when no period is given: the latest year of data


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def anomalies(
    engine: StatsEngine,
    viewer: Viewer,
    flt: StatsFilter,
    *,
    measure: str = "count",
    threshold: float = 3.5,
    limit: int = 100,
) -> dict[str, Any]:
    """Flagged weeks, largest departures first."""
    check_choice("measure", measure, MEASURES)
    if not 0 < threshold <= 100:
        raise StatsError("threshold", threshold, "expected 0 < threshold <= 100",
                         "ожидалось 0 < threshold <= 100")  # fmt: skip
    params_out = {"measure": measure, "threshold": threshold, "limit": limit}
    visible = engine.visible(viewer)
    empty = chart("anomalies", flt, [], [], [], params=params_out)
    if visible is None:
        return empty
    conditions, params = flt.where(period=False)
    last = flt.date_to
    if last is None:
        found = engine.query(
            visible,
            f"SELECT max(f.seized_date) FROM {visible.facts} WHERE {visible.condition}",  # noqa: S608
        )
        last = found[0][0] if found and found[0][0] else None
        if last is None:
            return empty
    first = flt.date_from or (_monday(last) - timedelta(weeks=DEFAULT_WEEKS - 1))
    start = _monday(first) - timedelta(weeks=max(OFFSETS))
    where = " AND ".join([visible.condition, *conditions, "f.bcp IS NOT NULL",
                          "f.drug_group IS NOT NULL", "f.seized_date BETWEEN ? AND ?"])  # fmt: skip
    flag = flt.count_flag("drug_group")
    value = f"count(*) FILTER (WHERE {flag})" if measure == "count" else "sum(f.kg_eq)"
    offsets = ", ".join(str(o) for o in OFFSETS)
    n_weeks = (_monday(last) - _monday(start)).days // 7 + 1
    first_index = (_monday(first) - _monday(start)).days // 7 + 1  # 1-based, as DuckDB lists
    # One dense list of weekly values per series; each examined week picks its reference
    # weeks out of it by position (list_select), so no row-per-reference join is needed.
    floor_sql = "1.0" if measure == "count" else "greatest(1.0, 0.1 * m)"
    sql = f"""
    WITH w AS (
        SELECT f.bcp, f.drug_group AS g,
               1 + datediff('week', CAST(? AS DATE), date_trunc('week', f.seized_date)) AS i,
               {value} AS v
        FROM {visible.facts} WHERE {where} GROUP BY ALL),
    keys AS (SELECT DISTINCT bcp, g FROM w),
    dense AS (
        SELECT k.bcp, k.g, list(coalesce(w.v, 0) ORDER BY t.i) AS vals
        FROM keys k CROSS JOIN range(1, {n_weeks} + 1) t(i)
        LEFT JOIN w ON w.bcp = k.bcp AND w.g = k.g AND w.i = t.i
        GROUP BY k.bcp, k.g),
    picked AS (
        SELECT bcp, g, i, vals[i] AS v,
               list_select(vals, list_filter(list_transform([{offsets}], lambda o: i - o),
                                             lambda x: x >= 1)) AS ref
        FROM dense, range({first_index}, {n_weeks} + 1) t(i)),
    stats AS (SELECT bcp, g, i, v, ref, list_median(ref) AS m FROM picked
              WHERE len(ref) >= {MIN_REFERENCE})
    , spread AS (
        SELECT bcp, g, i, v, m, list_median(list_transform(ref, lambda x: abs(x - m))) AS mad
        FROM stats)
    SELECT bcp, g, i, v, m, mad FROM spread
    WHERE abs(v - m) >= ? * greatest(1.4826 * mad, {floor_sql})
    """  # noqa: S608 - numbers and our columns; values are parameters
    monday_start = _monday(start)
    found = [
        (b, g, monday_start + timedelta(weeks=int(i) - 1), v, m, mad)
        for b, g, i, v, m, mad in engine.query(
            visible, sql, [monday_start, *params, start, last, threshold]
        )
    ]
    found_rows = []
    for bcp, group, week, amount, median, mad in found:
        actual, middle, spread_mad = float(amount or 0), float(median), float(mad)
        least = 1.0 if measure == "count" else max(1.0, 0.1 * middle)
        spread = max(1.4826 * spread_mad, least)
        z = (actual - middle) / spread
        if abs(z) < threshold:
            continue
        excess = actual - middle
        found_rows.append({
            "bcp": bcp, "drug_group": group, "week": week.isoformat(),
            "value": _number(actual, measure), "baseline": round(middle, 6),
            "mad": round(spread_mad, 6), "robust_z": round(z, 3),
            "excess": _number(excess, measure),
            "direction": "spike" if excess > 0 else "drop",
        })  # fmt: skip
    found_rows.sort(key=lambda r: (-abs(r["robust_z"]), r["week"], r["bcp"], r["drug_group"]))
    found_rows = found_rows[:limit]
    labels = [f"{r['bcp']} · {r['drug_group']} · {r['week']}" for r in found_rows]
    return chart(
        "anomalies", flt, labels,
        [series("robust_z", "z", [r["robust_z"] for r in found_rows]),
         series("excess", measure, [r["excess"] for r in found_rows])],
        found_rows, params=params_out,
    )  # fmt: skip


def _number(value: float, measure: str) -> float | int:
    return int(round(float(value))) if measure == "count" else kg(value)
