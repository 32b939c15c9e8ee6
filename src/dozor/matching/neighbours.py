"""Batched look-ups of what nominal objects, seizures and selector values are linked to.

The link chart expands a whole level of its breadth-first walk at once: one query per kind of
link for all the level's nodes (in chunks of ``CHUNK`` ids), not one per node. Every look-up
applies the access policy in the query, exactly as the per-object functions of
`dozor.matching.correlation` do, and returns rows grouped by the node they belong to, in the
order the chart adds them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, func, or_, select, tuple_

from dozor.access.policy import Viewer
from dozor.matching.correlation import (
    CONVEYANCE,
    PERSON,
    ObjectKind,
    holders,
    seizure_predicate,
    visible,
)
from dozor.store.schema import person, person_conveyance, seizure
from dozor.store.schema_matching import match_judgement, selector_entry

CHUNK = 400
T = TypeVar("T")
Pair = tuple[str, str]


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def linked_seizures(
    conn: Connection, viewer: Viewer, kind: ObjectKind, ids: Sequence[str], now: datetime
) -> dict[str, list[tuple[str, str]]]:
    """Each object → (seizure id, role) of the visible seizures it is in, oldest first."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    column = kind.link.c[kind.link_column]
    for chunk in chunks(ids):
        for r in conn.execute(
            select(column.label("object_id"), seizure.c.id, kind.link.c.role)
            .join(seizure, seizure.c.id == kind.link.c.seizure_id)
            .where(column.in_(chunk), seizure_predicate(viewer, now))
            .order_by(seizure.c.seized_date, seizure.c.id)
        ):
            found[r.object_id].append((r.id, r.role))
    return found


def partners(
    conn: Connection, viewer: Viewer, kind: ObjectKind, ids: Sequence[str], now: datetime
) -> dict[str, list[tuple[str, str]]]:
    """Persons → (vehicle id, role) of their visible vehicles, or vehicles → their persons."""
    other = CONVEYANCE if kind is PERSON else PERSON
    mine = person_conveyance.c.person_id if kind is PERSON else person_conveyance.c.conveyance_id
    theirs = person_conveyance.c.conveyance_id if kind is PERSON else person_conveyance.c.person_id
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for chunk in chunks(ids):
        for r in conn.execute(
            select(mine.label("me"), theirs.label("id"), person_conveyance.c.role)
            .join(other.table, other.table.c.id == theirs)
            .where(mine.in_(chunk), visible(other, viewer, now))
            .order_by(theirs)
        ):
            found[r.me].append((r.id, r.role))
    return found


def selector_entries(conn: Connection, ids: Sequence[str]) -> dict[str, list[Any]]:
    """Each object → its index entries (kind, value, valid, flag), by kind and value."""
    found: dict[str, list[Any]] = defaultdict(list)
    for chunk in chunks(ids):
        for r in conn.execute(
            select(
                selector_entry.c.object_id,
                selector_entry.c.kind,
                selector_entry.c.value,
                selector_entry.c.valid,
                selector_entry.c.flag,
            )
            .where(selector_entry.c.object_id.in_(chunk))
            .order_by(selector_entry.c.kind, selector_entry.c.value)
        ):
            found[r.object_id].append(r)
    return found


def same_person_partners(
    conn: Connection, viewer: Viewer, ids: Sequence[str], now: datetime
) -> dict[str, list[str]]:
    """Each person → the visible persons an active ``same`` judgement joins it to."""
    raw: dict[str, list[str]] = defaultdict(list)
    for chunk in chunks(ids):
        asked = set(chunk)
        for j in conn.execute(
            select(match_judgement.c.person_a, match_judgement.c.person_b).where(
                match_judgement.c.verdict == "same",
                match_judgement.c.withdrawn_at.is_(None),
                or_(
                    match_judgement.c.person_a.in_(chunk),
                    match_judgement.c.person_b.in_(chunk),
                ),
            )
        ):
            if j.person_a in asked:
                raw[j.person_a].append(j.person_b)
            if j.person_b in asked:
                raw[j.person_b].append(j.person_a)
    others = sorted({p for found in raw.values() for p in found})
    shown: set[str] = set()
    for chunk in chunks(others):
        shown.update(
            conn.execute(
                select(person.c.id).where(person.c.id.in_(chunk), visible(PERSON, viewer, now))
            ).scalars()
        )
    return {me: [p for p in found if p in shown] for me, found in raw.items()}


def seizure_members(
    conn: Connection, viewer: Viewer, kind: ObjectKind, ids: Sequence[str], now: datetime
) -> dict[str, list[tuple[str, str]]]:
    """Each seizure → (object id, role) of its visible persons (or vehicles), by id."""
    column = kind.link.c[kind.link_column]
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for chunk in chunks(ids):
        for r in conn.execute(
            select(kind.link.c.seizure_id, column.label("id"), kind.link.c.role)
            .join(kind.table, kind.table.c.id == column)
            .where(kind.link.c.seizure_id.in_(chunk), visible(kind, viewer, now))
            .order_by(column)
        ):
            found[r.seizure_id].append((r.id, r.role))
    return found


def holders_of_values(
    conn: Connection,
    viewer: Viewer,
    kind: ObjectKind,
    pairs: Sequence[Pair],
    *,
    limit: int,
    now: datetime,
) -> dict[Pair, list[str]]:
    """(selector kind, value) → ids of the first ``limit`` visible holders, in id order.

    One index-only count per chunk tells the values held by at most ``limit`` records in the
    whole index: their visible holders come in one query, uncapped. The few values held more
    often (frequent ones) get the capped per-value query of `holders`, which stops early.
    """
    found: dict[Pair, list[str]] = {p: [] for p in pairs}
    ordered = sorted(set(pairs))
    small: list[Pair] = []
    large: list[Pair] = []
    for chunk in chunks(ordered):
        counts = {
            (r.kind, r.value): int(r.n)
            for r in conn.execute(
                select(selector_entry.c.kind, selector_entry.c.value, func.count().label("n"))
                .where(
                    tuple_(selector_entry.c.kind, selector_entry.c.value).in_(chunk),
                    selector_entry.c.valid.is_(True),
                    selector_entry.c.object_type == kind.name,
                )
                .group_by(selector_entry.c.kind, selector_entry.c.value)
            )
        }
        for p in chunk:
            if 0 < counts.get(p, 0) <= limit:
                small.append(p)
            elif counts.get(p, 0) > limit:
                large.append(p)
    for chunk in chunks(small):
        for r in conn.execute(
            select(selector_entry.c.kind, selector_entry.c.value, selector_entry.c.object_id)
            .join(kind.table, kind.table.c.id == selector_entry.c.object_id)
            .where(
                tuple_(selector_entry.c.kind, selector_entry.c.value).in_(chunk),
                selector_entry.c.valid.is_(True),
                selector_entry.c.object_type == kind.name,
                visible(kind, viewer, now),
            )
            .order_by(selector_entry.c.kind, selector_entry.c.value, selector_entry.c.object_id)
        ):
            found[(r.kind, r.value)].append(r.object_id)
    for selector_kind, value in large:
        found[(selector_kind, value)] = holders(
            conn, viewer, kind, selector_kind, value, limit=limit, now=now
        )
    return found
