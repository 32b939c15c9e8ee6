"""Clusters of persons judged the same: connected components of active ``same`` judgements.

Nothing is merged: a cluster is computed from the judgements each time, so withdrawing (or
superseding) a judgement splits the cluster it held together. For a user, only judgements
between two persons that user may see count, so a cluster never reveals a hidden person, not
even as a bridge between two visible ones. A cluster's id is its smallest person id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from dozor.access.policy import Viewer
from dozor.matching.correlation import PERSON, describe
from dozor.matching.judgements import visible_persons
from dozor.store.schema_matching import match_judgement

MAX_CLUSTER = 500


def union_find(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each id of ``pairs`` → the smallest id of its connected component."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def _same_edges(conn: Connection, ids: set[str]) -> list[Any]:
    return list(
        conn.execute(
            select(
                match_judgement.c.id,
                match_judgement.c.person_a,
                match_judgement.c.person_b,
                match_judgement.c.judged_at,
                match_judgement.c.judged_by,
                match_judgement.c.note,
            ).where(
                match_judgement.c.verdict == "same",
                match_judgement.c.withdrawn_at.is_(None),
                or_(
                    match_judgement.c.person_a.in_(sorted(ids)),
                    match_judgement.c.person_b.in_(sorted(ids)),
                ),
            )
        )
    )


def cluster_of(
    conn: Connection, viewer: Viewer, person_id: str, *, now: datetime | None = None
) -> dict[str, Any] | None:
    """The viewer's cluster of a visible person (itself alone if unjudged); None if hidden."""
    moment = now or datetime.now(UTC)
    if not visible_persons(conn, viewer, {person_id}, moment):
        return None
    members = {person_id}
    frontier = {person_id}
    edges: dict[str, Any] = {}
    while frontier and len(members) < MAX_CLUSTER:
        found = _same_edges(conn, frontier)
        others = {e.person_a for e in found} | {e.person_b for e in found}
        shown = visible_persons(conn, viewer, others - members, moment) | members
        frontier = set()
        for e in found:
            if e.person_a in shown and e.person_b in shown:
                edges[e.id] = e
                for p in (e.person_a, e.person_b):
                    if p not in members:
                        members.add(p)
                        frontier.add(p)
    described = describe(conn, viewer, PERSON, sorted(members), moment)
    return {
        "cluster_id": min(members),
        "members": [described[m] for m in sorted(members) if m in described],
        "judgements": [
            {
                "id": e.id,
                "person_a": e.person_a,
                "person_b": e.person_b,
                "judged_at": e.judged_at,
                "judged_by": e.judged_by,
                "note": e.note,
            }
            for e in sorted(edges.values(), key=lambda e: (e.judged_at, e.id))
        ],
        "truncated": len(members) >= MAX_CLUSTER,
    }


def all_clusters(conn: Connection) -> dict[str, str]:
    """Every person in some cluster → its cluster id, over all active ``same`` judgements.

    The node operator's view (exports, batch work); users see `cluster_of`.
    """
    rows = conn.execute(
        select(match_judgement.c.person_a, match_judgement.c.person_b).where(
            match_judgement.c.verdict == "same", match_judgement.c.withdrawn_at.is_(None)
        )
    )
    return union_find((r.person_a, r.person_b) for r in rows)
