"""Exact correlations of a person, a vehicle or a seizure, as one viewer may see them.

A correlation is another nominal object holding the same valid, non-excluded selector value.
Both sides go through the access policy: the record asked about must be visible
(`nominal_visible`, or `seizure_visible` for a seizure), every match must be visible, and each
match lists only the seizures the viewer may read. Nothing is counted over hidden records:

- a value is ``frequent`` (it stops correlating) when the viewer may see more than
  ``DOZOR_CORRELATION_MAX_FREQUENCY`` records holding it, so the cut-off itself reveals only
  visible records; the query stops after that many matches, so a switchboard number held by
  100,000 records costs as much as one held by 21;
- counts in the answer are lengths of the lists returned, never totals of the index.

Reading correlations returns nominal data, so it writes a ``read_nominal`` audit entry (ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, and_, select, tuple_

from dozor.access import audit
from dozor.access.policy import Viewer, nominal_visible, seizure_visible
from dozor.store.schema import (
    agency,
    conveyance,
    person,
    seizure,
    seizure_conveyance,
    seizure_person,
)
from dozor.store.schema_matching import selector_entry, selector_exclusion


@dataclass(frozen=True, slots=True)
class ObjectKind:
    """A nominal table, the link table to its seizures, and the link's column."""

    name: str
    table: Table
    link: Table
    link_column: str


PERSON = ObjectKind("person", person, seizure_person, "person_id")
CONVEYANCE = ObjectKind("conveyance", conveyance, seizure_conveyance, "conveyance_id")
OBJECT_KINDS = {"person": PERSON, "conveyance": CONVEYANCE, "vehicle": CONVEYANCE}


def visible(kind: ObjectKind, viewer: Viewer, now: datetime) -> ColumnElement[bool]:
    """The viewer may read this nominal object (erased persons are tombstones: never).

    Building the policy's expression costs a few milliseconds of Python, more than running
    the small queries that use it, so one viewer's expression at one moment is built once and
    reused by every query of a request (expressions are immutable).
    """
    try:
        return _cached_visible(kind.name, cast(Any, viewer), now)
    except TypeError:  # a viewer that cannot be hashed
        return _visible(kind.name, viewer, now)


def seizure_predicate(viewer: Viewer, now: datetime) -> ColumnElement[bool]:
    """`seizure_visible`, built once per viewer and moment (see :func:`visible`)."""
    try:
        return _cached_seizure_visible(cast(Any, viewer), now)
    except TypeError:
        return seizure_visible(viewer, now=now)


def _visible(kind_name: str, viewer: Viewer, now: datetime) -> ColumnElement[bool]:
    kind = OBJECT_KINDS[kind_name]
    predicate = nominal_visible(viewer, kind.table, kind.link, kind.link_column, now=now)
    if kind is PERSON:
        return and_(person.c.erased_at.is_(None), predicate)
    return predicate


_cached_visible = lru_cache(maxsize=256)(_visible)


@lru_cache(maxsize=128)
def _cached_seizure_visible(viewer: Viewer, now: datetime) -> ColumnElement[bool]:
    return seizure_visible(viewer, now=now)


def is_visible(
    conn: Connection, viewer: Viewer, kind: ObjectKind, object_id: str, now: datetime
) -> bool:
    query = select(kind.table.c.id).where(kind.table.c.id == object_id, visible(kind, viewer, now))
    return conn.execute(query).first() is not None


def excluded_values(conn: Connection, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (kind, value) pairs are on the exclusion list."""
    if not pairs:
        return set()
    query = select(selector_exclusion.c.kind, selector_exclusion.c.value).where(
        tuple_(selector_exclusion.c.kind, selector_exclusion.c.value).in_(sorted(pairs))
    )
    return {(r.kind, r.value) for r in conn.execute(query)}


def holders(
    conn: Connection,
    viewer: Viewer,
    kind: ObjectKind,
    selector_kind: str,
    value: str,
    *,
    limit: int,
    now: datetime,
    skip: str | None = None,
) -> list[str]:
    """Ids of visible objects holding a valid value, at most ``limit``, in id order."""
    query = (
        select(selector_entry.c.object_id)
        .join(kind.table, kind.table.c.id == selector_entry.c.object_id)
        .where(
            selector_entry.c.kind == selector_kind,
            selector_entry.c.value == value,
            selector_entry.c.valid.is_(True),
            selector_entry.c.object_type == kind.name,
            visible(kind, viewer, now),
        )
        .order_by(selector_entry.c.object_id)
        .limit(limit)
    )
    if skip is not None:
        query = query.where(selector_entry.c.object_id != skip)
    return list(conn.execute(query).scalars())


def visible_seizures(
    conn: Connection, viewer: Viewer, kind: ObjectKind, ids: list[str], now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """The seizures each object is linked to that the viewer may read."""
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return found
    link = kind.link
    rows = conn.execute(
        select(
            link.c[kind.link_column].label("object_id"),
            link.c.role,
            seizure.c.id,
            seizure.c.local_ref,
            seizure.c.seized_date,
            seizure.c.status,
            seizure.c.reporting_country,
            agency.c.code.label("owner_agency"),
        )
        .join(seizure, seizure.c.id == link.c.seizure_id)
        .join(agency, agency.c.id == seizure.c.owner_agency_id)
        .where(link.c[kind.link_column].in_(ids), seizure_predicate(viewer, now))
        .order_by(seizure.c.seized_date, seizure.c.id)
    )
    for r in rows:
        found[r.object_id].append(
            {
                "id": r.id,
                "seizure_ref": r.local_ref,
                "seized_date": r.seized_date,
                "status": r.status,
                "reporting_country": r.reporting_country,
                "owner_agency": r.owner_agency,
                "role": r.role,
            }
        )
    return found


def describe(
    conn: Connection, viewer: Viewer, kind: ObjectKind, ids: list[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """Short descriptions of visible objects (hidden ones are left out), with their seizures."""
    if not ids:
        return {}
    table = kind.table
    if kind is PERSON:
        columns = [
            person.c.surname,
            person.c.given_name,
            person.c.patronymic,
            person.c.name_latin,
            person.c.date_of_birth,
            person.c.dob_precision,
            person.c.nationality,
        ]
    else:
        columns = [
            conveyance.c.kind,
            conveyance.c.vehicle_type,
            conveyance.c.plate,
            conveyance.c.plate_country,
            conveyance.c.vin,
        ]
    rows = conn.execute(
        select(table.c.id, agency.c.code.label("owner_agency"), *columns)
        .join(agency, agency.c.id == table.c.owner_agency_id)
        .where(table.c.id.in_(ids), visible(kind, viewer, now))
    ).mappings()
    described = {r["id"]: {"type": kind.name, **dict(r), "label": label(kind, r)} for r in rows}
    seizures = visible_seizures(conn, viewer, kind, list(described), now)
    for object_id, entry in described.items():
        entry["seizures"] = seizures[object_id]
    return described


def label(kind: ObjectKind, row: Any) -> str:
    """What a person or vehicle is called on a page or a chart."""
    if kind is PERSON:
        name = row["name_latin"] or " ".join(p for p in (row["surname"], row["given_name"]) if p)
        born = row["date_of_birth"]
        return f"{name} ({born.year})" if born else str(name)
    plate = row["plate"]
    if plate:
        return f"{plate} ({row['plate_country']})" if row["plate_country"] else str(plate)
    return str(row["vin"] or row["kind"])


def _selectors(conn: Connection, kind: ObjectKind, object_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(
                selector_entry.c.kind,
                selector_entry.c.value,
                selector_entry.c.valid,
                selector_entry.c.flag,
            )
            .where(
                selector_entry.c.object_id == object_id,
                selector_entry.c.object_type == kind.name,
            )
            .order_by(selector_entry.c.kind, selector_entry.c.value)
        )
    )


def _correlate(
    conn: Connection,
    viewer: Viewer,
    kind: ObjectKind,
    object_id: str,
    max_frequency: int,
    now: datetime,
) -> tuple[list[dict[str, Any]], set[str]]:
    """The object's selectors with their matches, and the ids of all matches."""
    entries = _selectors(conn, kind, object_id)
    excluded = excluded_values(conn, {(e.kind, e.value) for e in entries if e.valid})
    selectors: list[dict[str, Any]] = []
    matched: set[str] = set()
    for e in entries:
        item: dict[str, Any] = {
            "kind": e.kind,
            "value": e.value,
            "valid": bool(e.valid),
            "flag": e.flag,
            "status": "no_match",
            "matches": [],
        }
        if not e.valid:
            item["status"] = "invalid"
        elif (e.kind, e.value) in excluded:
            item["status"] = "excluded"
        else:
            others = holders(
                conn, viewer, kind, e.kind, e.value, limit=max_frequency, now=now, skip=object_id
            )
            # Held by more than max_frequency visible records, this one included.
            if len(others) >= max_frequency:
                item["status"] = "frequent"
            elif others:
                item["status"] = "correlated"
                item["matches"] = others
                matched.update(others)
        selectors.append(item)
    return selectors, matched


def object_correlations(
    conn: Connection,
    viewer: Viewer,
    object_type: str,
    object_id: str,
    *,
    max_frequency: int,
    node: str,
    channel: str = "api",
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """A person's or vehicle's selectors and the visible records sharing each; None if hidden."""
    moment = now or datetime.now(UTC)
    kind = OBJECT_KINDS[object_type]
    described = describe(conn, viewer, kind, [object_id], moment)
    if object_id not in described:
        return None
    selectors, matched = _correlate(conn, viewer, kind, object_id, max_frequency, moment)
    matches = describe(conn, viewer, kind, sorted(matched), moment)
    for item in selectors:
        item["matches"] = [matches[i] for i in item["matches"] if i in matches]
    audit_read(conn, viewer, node, channel, kind.name, [object_id, *sorted(matches)])
    return {
        "object": described[object_id],
        "max_frequency": max_frequency,
        "selectors": selectors,
        "correlated": len(matches),
    }


def seizure_correlations(
    conn: Connection,
    viewer: Viewer,
    seizure_id: str,
    *,
    max_frequency: int,
    node: str,
    channel: str = "api",
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """Correlations of every visible person and vehicle of a visible seizure; None if hidden.

    ``related_seizures`` gathers the other visible seizures reached through them, each with the
    selectors that lead there.
    """
    moment = now or datetime.now(UTC)
    found = conn.execute(
        select(seizure.c.id).where(seizure.c.id == seizure_id, seizure_predicate(viewer, moment))
    ).first()
    if found is None:
        return None
    objects: list[dict[str, Any]] = []
    related: dict[str, dict[str, Any]] = {}
    read_ids: list[str] = [seizure_id]
    for kind in (PERSON, CONVEYANCE):
        ids = list(
            conn.execute(
                select(kind.link.c[kind.link_column])
                .join(kind.table, kind.table.c.id == kind.link.c[kind.link_column])
                .where(kind.link.c.seizure_id == seizure_id, visible(kind, viewer, moment))
                .order_by(kind.link.c[kind.link_column])
            ).scalars()
        )
        described = describe(conn, viewer, kind, ids, moment)
        for object_id in ids:
            selectors, matched = _correlate(conn, viewer, kind, object_id, max_frequency, moment)
            matches = describe(conn, viewer, kind, sorted(matched), moment)
            read_ids.extend([object_id, *matches])
            for item in selectors:
                item["matches"] = [matches[i] for i in item["matches"] if i in matches]
                for match in item["matches"]:
                    for s in match["seizures"]:
                        if s["id"] == seizure_id:
                            continue
                        entry = related.setdefault(s["id"], {**s, "via": []})
                        entry["via"].append(
                            {
                                "kind": item["kind"],
                                "value": item["value"],
                                "object_type": kind.name,
                                "object_id": object_id,
                                "match_id": match["id"],
                            }
                        )
            objects.append({"object": described[object_id], "selectors": selectors})
    audit_read(conn, viewer, node, channel, "seizure", list(dict.fromkeys(read_ids)))
    return {
        "seizure_id": seizure_id,
        "max_frequency": max_frequency,
        "objects": objects,
        "related_seizures": sorted(
            related.values(), key=lambda s: (str(s["seized_date"]), s["id"])
        ),
    }


def audit_read(
    conn: Connection,
    viewer: Viewer,
    node: str,
    channel: str,
    object_type: str,
    ids: list[str],
    view: str = "correlations",
) -> None:
    """A ``read_nominal`` audit entry (ids only) for nominal data about to be returned."""
    if not ids:
        return
    audit.record(
        conn,
        node=node,
        action="read_nominal",
        channel=channel,
        actor_user_id=getattr(viewer, "user_id", None),
        actor_agency_id=viewer.agency_id,
        object_type=object_type,
        object_ids=ids,
        details={"view": view},
    )
