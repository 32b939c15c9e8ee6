"""The statistics: each one SQL query over the columnar copy, under the viewer's policy.

A viewer who may read no seizure gets the same shape with no rows, never an error.
See docs/analytics.md for the meaning of each kind and how seizures are counted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dozor.access.policy import Viewer
from dozor.analytics.charts import change, chart, kg, periods, series
from dozor.analytics.engine import StatsEngine, Visible
from dozor.analytics.filters import (
    DIMENSIONS,
    GRANULARITIES,
    MEASURES,
    StatsError,
    StatsFilter,
    check_choice,
)

KEY_NAMES = {
    "country": "country",
    "agency": "agency",
    "bcp": "bcp",
    "drug_group": "drug_group",
    "drug": "drug_code",
    "mode_of_transport": "mode_of_transport",
    "concealment": "concealment",
}


def _source(
    visible: Visible,
    flt: StatsFilter,
    dimension: str | None,
    *,
    period: bool = True,
    extra: tuple[str, ...] = (),
) -> tuple[str, list[Any], str]:
    """``FROM ... WHERE ...`` over the visible, filtered rows; and the dimension's column."""
    conditions, params = flt.where(period=period)
    where = " AND ".join([visible.condition, *conditions, *extra])
    if dimension == "concealment":
        split = "unnest(string_split(coalesce(f.concealment, ''), ';')) AS concealment_one"
        inner = f"SELECT f.*, {split} FROM {visible.facts} WHERE {where}"  # noqa: S608 - parameters
        return f"FROM ({inner}) f", params, "nullif(f.concealment_one, '')"
    column = DIMENSIONS[dimension] if dimension else ""
    return f"FROM {visible.facts} WHERE {where}", params, column  # noqa: S608 - as above


def _empty(
    kind: str, flt: StatsFilter, params: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return chart(kind, flt, [], [], [], params=params, **extra)


def by_dimension(
    engine: StatsEngine,
    viewer: Viewer,
    flt: StatsFilter,
    dimension: str,
    *,
    limit: int | None = None,
) -> dict[str, Any]:
    """Seizures and kg-equivalents per value of one dimension, most seizures first."""
    check_choice("dimension", dimension, tuple(DIMENSIONS))
    kind = f"by-{dimension.replace('_', '-')}"
    visible = engine.visible(viewer)
    if visible is None:
        return _empty(kind, flt)
    source, params, column = _source(visible, flt, dimension)
    flag = flt.count_flag(dimension)
    sql = (
        f"SELECT {column} AS k, count(*) FILTER (WHERE {flag}), sum(f.kg_eq) {source} "
        "GROUP BY k ORDER BY 2 DESC, k NULLS LAST"
    )
    found = engine.query(visible, sql + (f" LIMIT {int(limit)}" if limit else ""), params)
    key = KEY_NAMES[dimension]
    rows = [{key: k, "count": int(n), "kg_eq": kg(w)} for k, n, w in found]
    return chart(
        kind, flt, [r[key] for r in rows],
        [series("count", "count", [r["count"] for r in rows]),
         series("kg_eq", "kg_eq", [r["kg_eq"] for r in rows])],
        rows,
    )  # fmt: skip


def timeseries(
    engine: StatsEngine,
    viewer: Viewer,
    flt: StatsFilter,
    *,
    granularity: str = "month",
    split: str | None = None,
    measure: str = "count",
) -> dict[str, Any]:
    """Seizures and kg-equivalents per period; with ``split``, one series per category."""
    check_choice("granularity", granularity, GRANULARITIES)
    check_choice("measure", measure, MEASURES)
    if split is not None:
        check_choice("split", split, tuple(DIMENSIONS))
    params_out = {"granularity": granularity, "split": split, "measure": measure}
    visible = engine.visible(viewer)
    if visible is None:
        return _empty("timeseries", flt, params_out)
    source, params, column = _source(visible, flt, split)
    flag = flt.count_flag(split)
    bucket = f"date_trunc('{granularity}', f.seized_date)"
    key = f", {column}" if split else ", NULL"
    sql = (
        f"SELECT CAST({bucket} AS DATE) AS p{key} AS k, count(*) FILTER (WHERE {flag}), "
        f"sum(f.kg_eq) {source} GROUP BY ALL ORDER BY p"
    )
    found = engine.query(visible, sql, params)
    if not found:
        return _empty("timeseries", flt, params_out)
    first = flt.date_from or min(r[0] for r in found)
    last = flt.date_to or max(r[0] for r in found)
    labels = periods(first, last, granularity)
    index = {p: n for n, p in enumerate(labels)}
    categories = [p.isoformat() for p in labels]
    rows = [
        {"period": p.isoformat(), **({KEY_NAMES[split]: k} if split else {}),
         "count": int(n), "kg_eq": kg(w)}
        for p, k, n, w in found
    ]  # fmt: skip
    if split is None:
        counts, weights = [0] * len(labels), [0.0] * len(labels)
        for p, _k, n, w in found:
            counts[index[p]], weights[index[p]] = int(n), kg(w)
        out = [series("count", "count", counts), series("kg_eq", "kg_eq", weights)]
    else:
        by_key: dict[Any, list[Any]] = {}
        for p, k, n, w in found:
            data = by_key.setdefault(k, [0 if measure == "count" else 0.0] * len(labels))
            data[index[p]] = int(n) if measure == "count" else kg(w)
        ordered = sorted(by_key.items(), key=lambda kv: (-sum(kv[1]), str(kv[0])))
        out = [series(str(k) if k is not None else "", measure, d) for k, d in ordered]
    return chart("timeseries", flt, categories, out, rows, params=params_out)


def routes(
    engine: StatsEngine, viewer: Viewer, flt: StatsFilter, *, limit: int = 50
) -> dict[str, Any]:
    """Routes (origin → transit → destination) and their country-to-country legs."""
    visible = engine.visible(viewer)
    if visible is None:
        return _empty("routes", flt, legs=[])
    source, params, _ = _source(visible, flt, None)
    flag = flt.count_flag()
    pairs = engine.query(
        visible,
        f"SELECT f.origin, f.transit, f.destination, count(*) FILTER (WHERE {flag}), "
        f"sum(f.kg_eq) {source} AND (f.origin IS NOT NULL OR f.destination IS NOT NULL) "
        f"GROUP BY ALL ORDER BY 4 DESC, 1, 2, 3 LIMIT {int(limit)}",
        params,
    )
    from_rows = f"FROM {visible.facts}"
    with_legs = source.replace(from_rows, f"{from_rows} JOIN legs l ON l.skey = f.skey", 1)
    legs = engine.query(
        visible,
        f"SELECT l.from_country, l.to_country, count(*) FILTER (WHERE {flag}), sum(f.kg_eq) "
        f"{with_legs} GROUP BY ALL ORDER BY 3 DESC, 1, 2",
        params,
    )
    rows = [
        {"origin": o, "transit": t.split(">") if t else [], "destination": d,
         "count": int(n), "kg_eq": kg(w)}
        for o, t, d, n, w in pairs
    ]  # fmt: skip
    leg_rows = [{"from": a, "to": b, "count": int(n), "kg_eq": kg(w)} for a, b, n, w in legs]
    return chart(
        "routes", flt, [f"{r['from']}→{r['to']}" for r in leg_rows],
        [series("count", "count", [r["count"] for r in leg_rows]),
         series("kg_eq", "kg_eq", [r["kg_eq"] for r in leg_rows])],
        rows, legs=leg_rows,
    )  # fmt: skip


def compare(
    engine: StatsEngine,
    viewer: Viewer,
    flt: StatsFilter,
    *,
    a: tuple[date, date],
    b: tuple[date, date],
    by: str = "drug_group",
) -> dict[str, Any]:
    """Two periods side by side per category, with absolute and relative change (b − a)."""
    check_choice("by", by, tuple(DIMENSIONS))
    for name, (start, end) in (("a", a), ("b", b)):
        if start > end:
            raise StatsError(f"{name}_from", start, f"is after {name}_to {end}",
                             f"позже {name}_to {end}")  # fmt: skip
    params_out = {"a_from": a[0].isoformat(), "a_to": a[1].isoformat(),
                  "b_from": b[0].isoformat(), "b_to": b[1].isoformat(), "by": by}  # fmt: skip
    visible = engine.visible(viewer)
    if visible is None:
        return _empty("compare", flt, params_out)
    between = "f.seized_date BETWEEN ? AND ?"
    source, params, column = _source(
        visible, flt, by, period=False, extra=(f"(({between}) OR ({between}))",)
    )
    flag = flt.count_flag(by)
    sql = (
        f"SELECT {column} AS k, count(*) FILTER (WHERE {flag} AND {between}), "  # noqa: S608
        f"sum(f.kg_eq) FILTER (WHERE {between}), "
        f"count(*) FILTER (WHERE {flag} AND {between}), sum(f.kg_eq) FILTER (WHERE {between}) "
        f"{source} GROUP BY k ORDER BY k NULLS LAST"
    )
    select_dates = [a[0], a[1], a[0], a[1], b[0], b[1], b[0], b[1]]
    found = engine.query(visible, sql, [*select_dates, *params, a[0], a[1], b[0], b[1]])
    rows = []
    for k, na, wa, nb, wb in found:
        count_abs, count_rel = change(int(na), int(nb))
        kg_abs, kg_rel = change(kg(wa), kg(wb))
        rows.append({KEY_NAMES[by]: k, "count_a": int(na), "count_b": int(nb),
                     "count_change": count_abs, "count_change_pct": _pct(count_rel),
                     "kg_eq_a": kg(wa), "kg_eq_b": kg(wb), "kg_eq_change": kg(kg_abs),
                     "kg_eq_change_pct": _pct(kg_rel)})  # fmt: skip
    rows.sort(key=lambda r: (-(r["count_a"] + r["count_b"]), str(r[KEY_NAMES[by]])))
    key = KEY_NAMES[by]
    return chart(
        "compare", flt, [r[key] for r in rows],
        [series("a", "count", [r["count_a"] for r in rows]),
         series("b", "count", [r["count_b"] for r in rows]),
         series("a", "kg_eq", [r["kg_eq_a"] for r in rows]),
         series("b", "kg_eq", [r["kg_eq_b"] for r in rows])],
        rows, params=params_out,
    )  # fmt: skip


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 3)


def seasonality(
    engine: StatsEngine, viewer: Viewer, flt: StatsFilter, *, by: str = "drug_group"
) -> dict[str, Any]:
    """Seizures per calendar month (1-12) per category, with a seasonal index (1 = average)."""
    check_choice("by", by, tuple(DIMENSIONS))
    visible = engine.visible(viewer)
    if visible is None:
        return _empty("seasonality", flt, {"by": by})
    source, params, column = _source(visible, flt, by)
    flag = flt.count_flag(by)
    found = engine.query(
        visible,
        f"SELECT {column} AS k, month(f.seized_date) AS m, count(*) FILTER (WHERE {flag}), "
        f"sum(f.kg_eq) {source} GROUP BY ALL ORDER BY k NULLS LAST, m",
        params,
    )
    if not found:
        return _empty("seasonality", flt, {"by": by})
    months = list(range(1, 13))
    table: dict[Any, list[list[float]]] = {}
    for k, m, n, w in found:
        cell = table.setdefault(k, [[0, 0.0] for _ in months])
        cell[m - 1] = [int(n), kg(w)]
    rows: list[dict[str, Any]] = []
    out = []
    key = KEY_NAMES[by]
    for k, cells in sorted(table.items(), key=lambda kv: (-sum(c[0] for c in kv[1]), str(kv[0]))):
        mean = sum(c[0] for c in cells) / 12
        for month, (n, w) in zip(months, cells, strict=True):
            index = round(n / mean, 4) if mean else None
            rows.append({key: k, "month": month, "count": int(n), "kg_eq": w, "index": index})
        out.append(series(str(k) if k is not None else "", "count", [int(c[0]) for c in cells]))
    return chart("seasonality", flt, months, out, rows, params={"by": by})


def hotspots(
    engine: StatsEngine, viewer: Viewer, flt: StatsFilter, *, limit: int = 10
) -> dict[str, Any]:
    """Top crossing points and top places (settlements) by seizures, with weight and position."""
    visible = engine.visible(viewer)
    if visible is None:
        return _empty("hotspots", flt, {"limit": limit})
    source, params, _ = _source(visible, flt, None)
    from_rows = f"FROM {visible.facts}"
    with_points = source.replace(
        from_rows, f"{from_rows} LEFT JOIN crossing_points c ON c.code = f.bcp", 1
    )
    flag = flt.count_flag()
    bcps = engine.query(
        visible,
        f"SELECT f.bcp, any_value(c.name_en), any_value(c.name_ru), any_value(c.country), "
        f"any_value(c.lat), any_value(c.lon), count(*) FILTER (WHERE {flag}), sum(f.kg_eq) "
        f"{with_points} "
        f"AND f.bcp IS NOT NULL GROUP BY f.bcp ORDER BY 7 DESC, 8 DESC, 1 LIMIT {int(limit)}",
        params,
    )
    places = engine.query(
        visible,
        f"SELECT f.settlement, f.country_of_seizure, avg(f.lat), avg(f.lon), "
        f"count(*) FILTER (WHERE {flag}), sum(f.kg_eq) {source} AND f.settlement IS NOT NULL "
        f"GROUP BY ALL ORDER BY 5 DESC, 6 DESC, 1, 2 LIMIT {int(limit)}",
        params,
    )
    rows = [
        {"kind": "bcp", "code": b, "name_en": ne, "name_ru": nr, "country": c, "lat": la,
         "lon": lo, "count": int(n), "kg_eq": kg(w)}
        for b, ne, nr, c, la, lo, n, w in bcps
    ] + [
        {"kind": "place", "code": None, "name_en": s, "name_ru": s, "country": c,
         "lat": la, "lon": lo, "count": int(n), "kg_eq": kg(w)}
        for s, c, la, lo, n, w in places
    ]  # fmt: skip
    labels = [r["code"] or f"{r['name_en']} ({r['country']})" for r in rows]
    return chart(
        "hotspots", flt, labels,
        [series("count", "count", [r["count"] for r in rows]),
         series("kg_eq", "kg_eq", [r["kg_eq"] for r in rows])],
        rows, params={"limit": limit},
    )  # fmt: skip
