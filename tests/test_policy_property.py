"""Every read path against the independent oracle (tests/oracle.py), on random worlds.

Hypothesis draws a seed and the size of a world; ``policy_world.random_world`` inserts it
(agencies of the five countries and the hub with random membership, seizures of every status
and distribution with listed audiences and narratives, persons and vehicles with their own
marking, grants that are active, expired or revoked) inside a transaction that is rolled back
afterwards. For each viewer (agency × role set, and anonymous) the test compares with the
oracle: the paginated list, the count, the totals by country, the free-text search on a word
that appears only in some narratives and settlements, the export rows, and the detail read of
every seizure (None iff invisible; the visible persons, vehicles and narrative).

Each backend checks at least ``MIN_PAIRS`` (viewer, seizure) pairs; the count is printed.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine

import oracle
from dozor.access.reads import (
    SeizureFilter,
    count_seizures,
    get_seizure,
    list_seizures,
    totals_by_country,
)
from dozor.reports.exports import seizure_rows
from policy_world import NODE, SEARCH_WORD, WorldBuilder, random_world

EXAMPLES = 10  # per backend; each world checks ≥ 40 seizures × 25 viewers = 1,000 pairs
MIN_PAIRS = 10_000  # per backend
PAGE = 7


def _describe(world: oracle.World, viewer: oracle.Viewer, seizure_id: str) -> str:
    """A readable account of one (viewer, seizure) pair for a failure message."""
    code = {a.id: a.code for a in world.agencies.values()}
    s = world.seizures[seizure_id]
    owner = world.agencies[s.owner_agency_id]
    linked = [n for n in world.nominals.values() if seizure_id in n.seizure_ids]
    lines = [
        f"viewer {viewer.label} (country {viewer.country}, {viewer.membership})",
        f"seizure {s.ref}: owner {owner.code} (country {owner.country}, {owner.membership}), "
        f"status {s.status}, distribution {s.marking.distribution}, tlp {s.marking.tlp}, "
        f"listed agencies {sorted(code[a] for a in s.marking.listed_agencies)}, "
        f"listed countries {sorted(s.marking.listed_countries)}, "
        f"narrative distribution {s.narrative_distribution!r}",
    ]
    targets = {seizure_id} | {n.id for n in linked}
    for g in world.grants:
        if g.object_id in targets:
            lines.append(
                f"grant to {code[g.grantee_agency_id]} on {g.object_type} {g.object_id[:8]}, "
                f"expires {g.expires_at:%Y-%m-%d %H:%M}, revoked {g.revoked_at}"
            )
    for n in linked:
        lines.append(
            f"{n.kind} {n.id[:8]}: owner {code[n.owner_agency_id]}, distribution "
            f"{n.marking.distribution}, listed {sorted(code[a] for a in n.marking.listed_agencies)}"
            f" {sorted(n.marking.listed_countries)}, erased {n.erased_at is not None}, "
            f"linked to {[world.seizures[x].ref for x in n.seizure_ids]}"
        )
    return "\n  ".join(lines)


def _check_viewer(
    conn: Connection,
    world: oracle.World,
    viewer: oracle.Viewer,
    stats: Counter[str],
    problems: list[str],
) -> None:
    """Compare every read path for one viewer; discrepancies are appended to ``problems``."""
    now = datetime.now(UTC)
    expected = oracle.visible_seizures(world, viewer, now)
    by_ref = {s.ref: s for s in world.seizures.values()}

    def problem(what: str, seizure_id: str) -> None:
        problems.append(f"{what}:\n  {_describe(world, viewer, seizure_id)}")

    # The list, through every page, and its total; the count.
    seen: list[str] = []
    offset = 0
    while True:
        rows, total = list_seizures(conn, viewer, SeizureFilter(), limit=PAGE, offset=offset)
        if total != len(expected):
            problems.append(f"{viewer.label}: list total {total} != {len(expected)}")
        seen.extend(r["id"] for r in rows)
        if len(rows) < PAGE:
            break
        offset += PAGE
    if len(seen) != len(set(seen)):
        problems.append(f"{viewer.label}: a seizure appears on two pages")
    for sid in set(seen) ^ expected:
        problem(f"list_seizures: listed={sid in seen}, oracle={sid in expected}", sid)
    counted = count_seizures(conn, viewer, SeizureFilter())
    if counted != len(expected):
        problems.append(f"{viewer.label}: count_seizures {counted} != {len(expected)}")

    # Totals by reporting country: counts and kg-equivalents.
    totals = {
        r["reporting_country"]: (int(r["count"]), round(float(r["kg_eq"]), 6))
        for r in totals_by_country(conn, viewer, SeizureFilter())
    }
    wanted = {
        c: (n, round(kg, 6)) for c, (n, kg) in oracle.totals_by_country(world, viewer, now).items()
    }
    if totals != wanted:
        problems.append(f"{viewer.label}: totals_by_country {totals} != {wanted}")

    # Free-text search: a word found in some narratives, settlements and refs.
    query = f" {SEARCH_WORD[:3].upper()}{SEARCH_WORD[3:]} "
    rows, total = list_seizures(conn, viewer, SeizureFilter(q=query), limit=10_000)
    found = {r["id"] for r in rows}
    should = oracle.search(world, viewer, SEARCH_WORD, now)
    for sid in found ^ should:
        problem(f"search: found={sid in found}, oracle={sid in should}", sid)

    # The export: one row per item of each visible seizure, narrative only where visible.
    exported: dict[str, list[dict[str, str]]] = {}
    for row in seizure_rows(conn, viewer=viewer):
        exported.setdefault(row["seizure_ref"], []).append(row)
    wanted_refs = {world.seizures[sid].ref for sid in expected}
    for ref in set(exported) ^ wanted_refs:
        problem(f"export: exported={ref in exported}", by_ref[ref].id)
    for ref, rows_of in exported.items():
        s = by_ref[ref]
        if len(rows_of) != s.item_count:
            problem(f"export: {len(rows_of)} rows for {s.item_count} items", s.id)
        shown = (s.narrative or "") if oracle.narrative_visible(world, viewer, s, now) else ""
        if any(row["narrative"] != shown for row in rows_of):
            problem("export narrative", s.id)

    # The detail read of every seizure.
    for sid, s in world.seizures.items():
        stats["pairs"] += 1
        record = get_seizure(conn, viewer, sid, node=NODE)
        want = oracle.detail(world, viewer, sid, now)
        if (record is None) != (want is None):
            problem(f"get_seizure: returned={record is not None}, oracle={want is not None}", sid)
            continue
        if record is None or want is None:
            continue
        persons = {p["id"] for p in record.get("persons", [])}
        vehicles = {v["id"] for v in record.get("conveyances", [])}
        stats["nominal links"] += len(world.linked(sid, "person"))
        stats["nominal links"] += len(world.linked(sid, "conveyance"))
        if persons != want["persons"]:
            problem(f"get_seizure persons {sorted(persons)} != {want['persons']}", sid)
        if vehicles != want["conveyances"]:
            problem(f"get_seizure vehicles {sorted(vehicles)} != {want['conveyances']}", sid)
        if s.narrative is None:
            if record.get("narrative") is not None:
                problem("get_seizure: a narrative out of nowhere", sid)
        elif ("narrative" in record) != want["narrative"]:
            problem(f"get_seizure narrative: shown={'narrative' in record}", sid)
        elif want["narrative"] and record["narrative"] != s.narrative:
            problem("get_seizure: narrative text differs", sid)


def test_every_read_path_matches_the_oracle(engine: Engine, database: Any) -> None:
    stats: Counter[str] = Counter()

    @hyp_settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        # The world comes from a seed: shrinking the seed would not give a smaller world.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        database=None,
    )
    @given(
        seed=st.integers(0, 2**32 - 1),
        n_seizures=st.integers(40, 44),
        n_viewers=st.integers(25, 30),
    )
    def check(seed: int, n_seizures: int, n_viewers: int) -> None:
        rng = random.Random(seed)
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                builder = WorldBuilder(conn)
                viewers = random_world(builder, rng, n_seizures=n_seizures, n_viewers=n_viewers)
                problems: list[str] = []
                for viewer in viewers:
                    _check_viewer(conn, builder.world, viewer, stats, problems)
                assert not problems, f"{len(problems)} discrepancies:\n" + "\n".join(problems)
                stats["worlds"] += 1
                stats["viewers"] += len(viewers)
            finally:
                transaction.rollback()

    check()
    summary = ", ".join(f"{key} {value}" for key, value in sorted(stats.items()))
    print(f"\n[{database.backend}] policy oracle: {summary}")  # shown with -s / -rA
    assert stats["pairs"] >= MIN_PAIRS, summary
