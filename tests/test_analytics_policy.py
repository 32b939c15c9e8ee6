"""Every statistic against a brute-force computation, for many viewers, on random worlds.

Hypothesis draws a seed; ``policy_world.random_world`` inserts agencies, seizures of every
status and distribution with listed audiences, and active, expired and revoked grants, then
``analytics_oracle.decorate`` spreads them over dates, countries, crossing points, transport
modes, concealment methods and routes. A fresh analytics copy is loaded, and for each viewer
(agency × roles, anonymous included) each statistic must equal the plain-Python computation
over ``oracle.visible_seizures``. A viewer who may read nothing gets empty answers.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

import analytics_oracle as brute
import oracle
from dozor.analytics import stats
from dozor.analytics.anomalies import MIN_REFERENCE, OFFSETS, anomalies
from dozor.analytics.engine import StatsEngine
from dozor.analytics.filters import DIMENSIONS, StatsFilter
from dozor.store.schema import route_leg
from policy_world import WorldBuilder, random_world

FILTERS: list[dict[str, Any]] = [
    {},
    {"date_from": date(2022, 1, 1), "date_to": date(2022, 12, 31)},
    {"country": "KAZ"},
    {"mode_of_transport": "road", "bcp": "zhibek_zholy"},
]


def _as_filter(flt: dict[str, Any]) -> StatsFilter:
    return StatsFilter(**flt).checked()


def _table(answer: dict[str, Any], key: str) -> dict[Any, tuple[int, float]]:
    return {r[key]: (r["count"], round(r["kg_eq"], 6)) for r in answer["rows"]}


def _check_viewer(copy: StatsEngine, world: oracle.World, facts: dict[str, brute.Facts],
                  viewer: oracle.Viewer, problems: list[str]) -> int:  # fmt: skip
    now = datetime.now(UTC)
    visible = [facts[s] for s in oracle.visible_seizures(world, viewer, now)]
    checked = 0
    for flt in FILTERS + [{"drug_group": next(iter(f.items)).group} for f in visible[:1]]:
        chosen = _as_filter(flt)
        for dimension in DIMENSIONS:
            got = _table(stats.by_dimension(copy, viewer, chosen, dimension),
                         stats.KEY_NAMES[dimension])  # fmt: skip
            want = brute.grouped(visible, flt, brute.DIMENSION_KEYS[dimension])
            if got != want:
                problems.append(f"{viewer.label} by {dimension} {flt}: {got} != {want}")
            checked += 1
        series = stats.timeseries(copy, viewer, chosen, granularity="quarter")
        got = {r["period"]: (r["count"], round(r["kg_eq"], 6)) for r in series["rows"]}
        want = brute.grouped(visible, flt, lambda f, i: [
            date(f.day.year, 3 * ((f.day.month - 1) // 3) + 1, 1).isoformat()])  # fmt: skip
        if got != want:
            problems.append(f"{viewer.label} timeseries {flt}: {got} != {want}")
        if sum(series["series"][0]["data"] if series["series"] else []) != sum(
            n for n, _ in want.values()
        ):
            problems.append(f"{viewer.label} timeseries series {flt}")
        routes = stats.routes(copy, viewer, chosen, limit=10_000)
        got_legs = {(r["from"], r["to"]): (r["count"], round(r["kg_eq"], 6))
                    for r in routes["legs"]}  # fmt: skip
        want_legs = brute.grouped(visible, flt, lambda f, i: f.hops())
        if got_legs != want_legs:
            problems.append(f"{viewer.label} legs {flt}: {got_legs} != {want_legs}")
        got_routes = {(r["origin"], ">".join(r["transit"]), r["destination"]):
                      (r["count"], round(r["kg_eq"], 6)) for r in routes["rows"]}  # fmt: skip
        want_routes = brute.grouped(
            visible, flt,
            lambda f, i: [(f.origin(), ">".join(f.transit()) or "", f.destination())]
            if f.origin() or f.destination() else [],
        )  # fmt: skip
        if got_routes != want_routes:
            problems.append(f"{viewer.label} routes {flt}: {got_routes} != {want_routes}")
        checked += 3
    # Compare, seasonality, hotspots, anomalies: unfiltered.
    plain = StatsFilter()
    a, b = (date(2021, 1, 1), date(2021, 12, 31)), (date(2022, 1, 1), date(2022, 12, 31))
    got_cmp = {r["drug_group"]: (r["count_a"], r["count_b"], r["kg_eq_a"], r["kg_eq_b"])
               for r in stats.compare(copy, viewer, plain, a=a, b=b)["rows"]}  # fmt: skip
    in_a = brute.grouped(visible, {"date_from": a[0], "date_to": a[1]},
                         brute.DIMENSION_KEYS["drug_group"])  # fmt: skip
    in_b = brute.grouped(visible, {"date_from": b[0], "date_to": b[1]},
                         brute.DIMENSION_KEYS["drug_group"])  # fmt: skip
    want_cmp = {k: (in_a.get(k, (0, 0.0))[0], in_b.get(k, (0, 0.0))[0], in_a.get(k, (0, 0.0))[1],
                    in_b.get(k, (0, 0.0))[1]) for k in set(in_a) | set(in_b)}  # fmt: skip
    if got_cmp != want_cmp:
        problems.append(f"{viewer.label} compare: {got_cmp} != {want_cmp}")
    season = stats.seasonality(copy, viewer, plain)["rows"]
    got_season = {(r["drug_group"], r["month"]): (r["count"], round(r["kg_eq"], 6))
                  for r in season if r["count"]}  # fmt: skip
    want_season = brute.grouped(visible, {}, lambda f, i: [(i.group, f.day.month)])
    if got_season != want_season:
        problems.append(f"{viewer.label} seasonality: {got_season} != {want_season}")
    hot = stats.hotspots(copy, viewer, plain, limit=1000)
    got_hot = {r["code"]: (r["count"], round(r["kg_eq"], 6)) for r in hot["rows"]
               if r["kind"] == "bcp"}  # fmt: skip
    want_hot = {k: v for k, v in brute.grouped(visible, {}, brute.DIMENSION_KEYS["bcp"]).items()
                if k is not None}  # fmt: skip
    if got_hot != want_hot:
        problems.append(f"{viewer.label} hotspots: {got_hot} != {want_hot}")
    first, last = date(2022, 6, 6), date(2023, 12, 31)
    flagged = anomalies(copy, viewer, StatsFilter(date_from=first, date_to=last),
                        threshold=2.0, limit=100_000)  # fmt: skip
    got_anom = {(r["bcp"], r["drug_group"], r["week"], r["value"]) for r in flagged["rows"]}
    want_anom = brute.anomalies(visible, {}, first, last, OFFSETS, MIN_REFERENCE, 2.0)
    if got_anom != want_anom:
        problems.append(f"{viewer.label} anomalies: {sorted(got_anom ^ want_anom)[:5]}")
    if not visible:
        answer = stats.by_dimension(copy, viewer, plain, "drug")
        if answer["rows"] or answer["series"] or answer["categories"]:
            problems.append(f"{viewer.label} sees nothing but got {answer}")
    return checked + 4


@hyp_settings(
    max_examples=3,
    deadline=None,
    phases=(Phase.generate,),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_every_statistic_matches_brute_force(engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    with engine.begin() as conn:
        builder = WorldBuilder(conn)
        viewers = random_world(builder, rng, n_seizures=60, n_viewers=12)
        facts = brute.decorate(conn, list(builder.world.seizures), rng)
    copy = StatsEngine(engine)
    try:
        problems: list[str] = []
        checked = sum(
            _check_viewer(copy, builder.world, facts, viewer, problems) for viewer in viewers
        )
        assert not problems, "\n".join(problems[:10])
        assert checked > 100
    finally:
        copy.close()
        with engine.begin() as conn:
            builder.conn = conn
            conn.execute(delete(route_leg).where(route_leg.c.seizure_id.in_(list(facts))))
            builder.clear()
