"""The answer shape shared by every statistic, and the small helpers that build it.

``{"kind", "filters", "unit", "categories", "series": [{"name", "measure", "data"}], "rows"}``:
``categories`` label the x axis (or the bars), each series has one value per category, and
``rows`` hold the same numbers as records (plus the columns particular to the kind).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dozor.analytics.filters import StatsFilter

UNIT = {"count": "seizures", "kg_eq": "kg"}


def chart(
    kind: str,
    flt: StatsFilter,
    categories: list[Any],
    series: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    *,
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One statistic's answer."""
    return {
        "kind": kind,
        "filters": {**flt.applied(), **(params or {})},
        "unit": dict(UNIT),
        "categories": categories,
        "series": series,
        "rows": rows,
        **extra,
    }


def series(name: str, measure: str, data: list[Any]) -> dict[str, Any]:
    return {"name": name, "measure": measure, "data": data}


def kg(value: Any) -> float:
    """A kg-equivalent sum as returned: 0 for none, rounded to the gram's thousandth."""
    return round(float(value or 0.0), 6)


def period_start(day: date, granularity: str) -> date:
    """The first day of the period holding ``day`` (weeks start on Monday, as ISO)."""
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_period(start: date, granularity: str) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods(first: date, last: date, granularity: str) -> list[date]:
    """Every period start from ``first``'s period to ``last``'s, none missing."""
    out = []
    current = period_start(first, granularity)
    end = period_start(last, granularity)
    while current <= end:
        out.append(current)
        current = next_period(current, granularity)
    return out


def change(before: float, after: float) -> tuple[float, float | None]:
    """Absolute and relative change (None when the base is zero)."""
    return after - before, (None if before == 0 else (after - before) / before)
