"""The link chart: what a person, vehicle or phone is connected to, within N steps.

Breadth-first from the start node, one level at a time: the links of all the level's nodes
are fetched together (`dozor.matching.neighbours`, one query per kind of link), then added in
the order of the frontier, so the chart is the same as a node-by-node walk. Only through
objects the viewer may read: seizures by `seizure_visible`, persons and vehicles by
`nominal_visible` (erased persons never), and phone and document values only as held by
visible persons. A value held by more visible persons than
``DOZOR_CORRELATION_MAX_FREQUENCY``, or on the exclusion list, is shown but not expanded; an
invalid value is shown, flagged, and never links two persons. The answer has the shape of an
ECharts ``graph`` series: ``nodes`` (id, name, category, value), ``links`` (source, target,
label) and ``categories``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from dozor.access import audit
from dozor.access.policy import Viewer
from dozor.matching import neighbours
from dozor.matching.correlation import (
    CONVEYANCE,
    PERSON,
    describe,
    excluded_values,
    holders,
    is_visible,
)
from dozor.matching.selector_index import canonical
from dozor.store.schema import seizure

CATEGORIES = ("seizure", "person", "vehicle", "phone", "document")
MAX_DEPTH = 3
DEFAULT_NODES = 150
MAX_NODES = 500
_VALUE_CATEGORY = {"phone": "phone"}  # every other person selector is a document


@dataclass
class _Chart:
    viewer: Viewer
    now: datetime
    max_nodes: int
    max_frequency: int
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    truncated: bool = False

    def add(self, node_id: str, category: str, depth: int, **extra: Any) -> bool:
        """Add a node unless present; False (and truncated) when the cap is reached."""
        if node_id in self.nodes:
            return True
        if len(self.nodes) >= self.max_nodes:
            self.truncated = True
            return False
        self.nodes[node_id] = {"id": node_id, "category": category, "depth": depth, **extra}
        return True

    def link(self, source: str, target: str, label: str) -> None:
        if source in self.nodes and target in self.nodes and source != target:
            key = (min(source, target), max(source, target), label)
            self.links.setdefault(key, {"source": source, "target": target, "label": label})


def _split(node_id: str) -> tuple[str, str]:
    kind, _, rest = node_id.partition(":")
    return kind, rest


def _value_node(kind: str, value: str) -> str:
    category = _VALUE_CATEGORY.get(kind, "document")
    return f"phone:{value}" if category == "phone" else f"document:{kind}:{value}"


@dataclass
class _Level:
    """Everything the nodes of one level link to, fetched with one query per kind of link."""

    seizures: dict[str, dict[str, list[tuple[str, str]]]]
    partners: dict[str, dict[str, list[tuple[str, str]]]]
    entries: dict[str, list[Any]]
    same: dict[str, list[str]]
    vehicle_holders: dict[tuple[str, str], list[str]]
    excluded: set[tuple[str, str]]
    person_holders: dict[tuple[str, str], list[str]]
    members: dict[str, dict[str, list[tuple[str, str]]]]


def _value_of(node_id: str) -> str:
    return node_id.split(":", 2)[-1] if node_id.startswith("document:") else _split(node_id)[1]


def _fetch_level(conn: Connection, chart: _Chart, frontier: list[str]) -> _Level:
    ids: dict[str, list[str]] = {"person": [], "vehicle": [], "seizure": [], "value": []}
    for node_id in frontier:
        kind, rest = _split(node_id)
        ids[kind if kind in ids else "value"].append(node_id if kind not in ids else rest)
    viewer, now = chart.viewer, chart.now
    persons, vehicles = ids["person"], ids["vehicle"]
    entries = neighbours.selector_entries(conn, persons + vehicles)
    vehicle_values = {(e.kind, e.value) for v in vehicles for e in entries.get(v, ()) if e.valid}
    values = [
        (chart.nodes[n]["kind_of_value"], _value_of(n))
        for n in ids["value"]
        if chart.nodes[n].get("valid", True)
    ]
    excluded = excluded_values(conn, vehicle_values | set(values))
    return _Level(
        seizures={
            "person": neighbours.linked_seizures(conn, viewer, PERSON, persons, now),
            "vehicle": neighbours.linked_seizures(conn, viewer, CONVEYANCE, vehicles, now),
        },
        partners={
            "person": neighbours.partners(conn, viewer, PERSON, persons, now),
            "vehicle": neighbours.partners(conn, viewer, CONVEYANCE, vehicles, now),
        },
        entries=entries,
        same=neighbours.same_person_partners(conn, viewer, persons, now),
        # One more than the cap, so that the holder itself may be among them.
        vehicle_holders=neighbours.holders_of_values(
            conn,
            viewer,
            CONVEYANCE,
            sorted(vehicle_values - excluded),
            limit=chart.max_frequency + 1,
            now=now,
        ),
        excluded=excluded,
        person_holders=neighbours.holders_of_values(
            conn,
            viewer,
            PERSON,
            sorted(set(values) - excluded),
            limit=chart.max_frequency + 1,
            now=now,
        ),
        members={
            "person": neighbours.seizure_members(conn, viewer, PERSON, ids["seizure"], now),
            "vehicle": neighbours.seizure_members(conn, viewer, CONVEYANCE, ids["seizure"], now),
        },
    )


class _Adder:
    """Adds the neighbours of one node, linked to it, collecting the nodes new to the chart."""

    def __init__(self, chart: _Chart, me: str, depth: int, added: list[str]) -> None:
        self.chart, self.me, self.depth, self.added = chart, me, depth, added

    def put(self, node_id: str, category: str, label: str, **extra: Any) -> None:
        fresh = node_id not in self.chart.nodes
        if self.chart.add(node_id, category, self.depth + 1, **extra):
            self.chart.link(self.me, node_id, label)
            if fresh:
                self.added.append(node_id)


def _expand_object(
    chart: _Chart, level: _Level, category: str, object_id: str, depth: int, added: list[str]
) -> None:
    """Seizures, linked persons or vehicles, values (persons) or same-value vehicles."""
    adder = _Adder(chart, f"{category}:{object_id}", depth, added)
    for seizure_id, role in level.seizures[category].get(object_id, ()):
        adder.put(f"seizure:{seizure_id}", "seizure", role)
    other = "vehicle" if category == "person" else "person"
    for other_id, role in level.partners[category].get(object_id, ()):
        adder.put(f"{other}:{other_id}", other, role)
    entries = level.entries.get(object_id, [])
    if category == "person":
        for e in entries:
            adder.put(
                _value_node(e.kind, e.value),
                _VALUE_CATEGORY.get(e.kind, "document"),
                e.kind,
                kind_of_value=e.kind,
                valid=bool(e.valid),
                flag=e.flag,
            )
        for partner in level.same.get(object_id, ()):
            adder.put(f"person:{partner}", "person", "same_person")
        return
    for e in entries:
        if not e.valid or (e.kind, e.value) in level.excluded:
            continue
        found = level.vehicle_holders.get((e.kind, e.value), [])
        others = [i for i in found if i != object_id][: chart.max_frequency]
        if len(others) < chart.max_frequency:
            for other_id in others:
                adder.put(f"vehicle:{other_id}", "vehicle", f"same_{e.kind}")


def _expand_value(chart: _Chart, level: _Level, node_id: str, depth: int, added: list[str]) -> None:
    """The visible persons holding a value, unless it is invalid, excluded or frequent."""
    node = chart.nodes[node_id]
    if not node.get("valid", True):
        return
    kind = node["kind_of_value"]
    pair = (kind, _value_of(node_id))
    if pair in level.excluded:
        node["excluded"] = True
        return
    found = level.person_holders.get(pair, [])
    if len(found) > chart.max_frequency:
        node["frequent"] = True
        return
    for person_id in found:
        target = f"person:{person_id}"
        fresh = target not in chart.nodes
        if chart.add(target, "person", depth + 1):
            chart.link(target, node_id, kind)
            if fresh:
                added.append(target)


def _expand_seizure(
    chart: _Chart, level: _Level, seizure_id: str, depth: int, added: list[str]
) -> None:
    adder = _Adder(chart, f"seizure:{seizure_id}", depth, added)
    for category in ("person", "vehicle"):
        for object_id, role in level.members[category].get(seizure_id, ()):
            adder.put(f"{category}:{object_id}", category, role)


def _expand(conn: Connection, chart: _Chart, frontier: list[str], depth: int) -> list[str]:
    """One breadth-first level: fetch every link of the frontier at once, then add in order."""
    level = _fetch_level(conn, chart, frontier)
    added: list[str] = []
    for node_id in frontier:
        kind, rest = _split(node_id)
        if kind in ("person", "vehicle"):
            _expand_object(chart, level, kind, rest, depth, added)
        elif kind == "seizure":
            _expand_seizure(chart, level, rest, depth, added)
        else:
            _expand_value(chart, level, node_id, depth, added)
    return added


def _start(conn: Connection, chart: _Chart, start: str, region: str | None) -> str | None:
    kind, rest = _split(start)
    if kind in ("person", "vehicle", "conveyance"):
        object_kind = PERSON if kind == "person" else CONVEYANCE
        if not rest or not is_visible(conn, chart.viewer, object_kind, rest, chart.now):
            return None
        node_id = f"{'person' if object_kind is PERSON else 'vehicle'}:{rest}"
        chart.add(node_id, "person" if object_kind is PERSON else "vehicle", 0)
        return node_id
    if kind == "phone":
        selector = canonical("phone", rest, region)
        if not selector.valid:
            return None
        if not holders(conn, chart.viewer, PERSON, "phone", selector.value, limit=1, now=chart.now):
            return None
        node_id = f"phone:{selector.value}"
        chart.add(node_id, "phone", 0, kind_of_value="phone", valid=True, flag=None)
        return node_id
    return None


def link_chart(
    conn: Connection,
    viewer: Viewer,
    start: str,
    *,
    depth: int = 2,
    max_nodes: int = DEFAULT_NODES,
    max_frequency: int,
    node: str,
    channel: str = "api",
    region: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """The chart from ``start`` (``person:<id>``, ``vehicle:<id>`` or ``phone:<number>``).

    None when the start does not exist for the viewer. ``depth`` is clipped to 0–3 and
    ``max_nodes`` to 1–500; ``truncated`` tells that the node cap cut the chart short.
    """
    chart = _Chart(
        viewer,
        now or datetime.now(UTC),
        max(1, min(max_nodes, MAX_NODES)),
        max_frequency,
    )
    steps = max(0, min(depth, MAX_DEPTH))
    first = _start(conn, chart, start, region)
    if first is None:
        return None
    frontier = [first]
    for level in range(steps):
        if not frontier:
            break
        frontier = _expand(conn, chart, frontier, level)
    return _finish(conn, chart, first, steps, node, channel)


def _finish(
    conn: Connection, chart: _Chart, first: str, steps: int, node: str, channel: str
) -> dict[str, Any]:
    by_kind: dict[str, list[str]] = {}
    for node_id in chart.nodes:
        kind, rest = _split(node_id)
        by_kind.setdefault(kind, []).append(rest)
    names: dict[str, str] = {}
    persons = describe(conn, chart.viewer, PERSON, by_kind.get("person", []), chart.now)
    vehicles = describe(conn, chart.viewer, CONVEYANCE, by_kind.get("vehicle", []), chart.now)
    names.update({f"person:{k}": v["label"] for k, v in persons.items()})
    names.update({f"vehicle:{k}": v["label"] for k, v in vehicles.items()})
    seizure_ids = by_kind.get("seizure", [])
    if seizure_ids:
        for r in conn.execute(
            select(seizure.c.id, seizure.c.local_ref, seizure.c.seized_date).where(
                seizure.c.id.in_(seizure_ids)
            )
        ):
            names[f"seizure:{r.id}"] = f"{r.local_ref} ({r.seized_date.isoformat()})"
    degree: dict[str, int] = dict.fromkeys(chart.nodes, 0)
    for link in chart.links.values():
        degree[link["source"]] += 1
        degree[link["target"]] += 1
    nodes = []
    for node_id, entry in chart.nodes.items():
        kind, rest = _split(node_id)
        name = names.get(node_id) or (rest.split(":", 1)[-1] if kind == "document" else rest)
        nodes.append(
            {
                **entry,
                "name": name,
                "category": CATEGORIES.index(entry["category"]),
                "category_name": entry["category"],
                "value": degree[node_id],
            }
        )
    nominal_ids = [*persons, *vehicles]
    audit.record(
        conn,
        node=node,
        action="read_nominal",
        channel=channel,
        actor_user_id=getattr(chart.viewer, "user_id", None),
        actor_agency_id=chart.viewer.agency_id,
        object_type="link_chart",
        object_ids=nominal_ids,
        details={"view": "link_chart", "depth": steps},
    )
    return {
        "start": first,
        "depth": steps,
        "max_nodes": chart.max_nodes,
        "truncated": chart.truncated,
        "categories": [{"name": c} for c in CATEGORIES],
        "nodes": nodes,
        "links": list(chart.links.values()),
    }
