"""Brute-force statistics in plain Python over a policy world, for the analytics tests.

``decorate`` gives each seizure of a ``policy_world`` random statistical dimensions (date,
country, crossing point, settlement, transport, concealment, route) in the database and in
a ``Facts`` record; the functions below compute each statistic the slow, obvious way over the
seizures ``oracle.visible_seizures`` says the viewer may read.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from dozor.store.schema import agency, route_leg, seizure, seizure_item
from policy_world import COUNTRIES

BCPS = ("zhibek_zholy", "alat", "bakhty", None)
MODES = ("road", "rail", "air", "postal")
CONCEALMENTS = (None, "luggage", "body", "luggage;vehicle_built_compartment")
PLACES = (None, "Almaty", "Osh")
ROUTE_SHAPES: tuple[tuple[str, ...], ...] = (
    (),
    ("origin", "transit", "destination"),
    ("departure", "destination"),
    ("origin", "transit", "transit", "destination"),
    ("origin",),
)


@dataclass
class Item:
    drug: str
    group: str | None
    kg: float | None


@dataclass
class Facts:
    id: str
    day: date
    country: str
    agency: str
    bcp: str | None
    settlement: str | None
    mode: str
    concealment: str | None
    legs: list[tuple[str, str]]  # (role, country) in order
    items: list[Item] = field(default_factory=list)

    def concealments(self) -> list[str | None]:
        return list(dict.fromkeys(self.concealment.split(";"))) if self.concealment else [None]

    def origin(self) -> str | None:
        for wanted in ("origin", "departure"):
            for role, country in self.legs:
                if role == wanted:
                    return country
        return None

    def destination(self) -> str | None:
        found = [c for r, c in self.legs if r == "destination"]
        return found[-1] if found else None

    def transit(self) -> list[str]:
        return [c for r, c in self.legs if r == "transit"]

    def hops(self) -> list[tuple[str, str]]:
        countries = [c for _, c in self.legs]
        hops = [(a, b) for a, b in zip(countries, countries[1:], strict=False) if a != b]
        return list(dict.fromkeys(hops))  # a leg travelled twice counts once


def decorate(conn: Connection, seizure_ids: Iterable[str], rng: random.Random) -> dict[str, Facts]:
    """Give the seizures random dimensions and route legs; return what was written."""
    codes = dict(conn.execute(select(seizure.c.id, seizure.c.owner_agency_id)).all())
    agency_codes = dict(conn.execute(select(agency.c.id, agency.c.code)).all())
    out: dict[str, Facts] = {}
    for sid in seizure_ids:
        day = date(2021, 1, 4) + timedelta(days=rng.randrange(3 * 365))
        facts = Facts(
            id=sid, day=day, country=rng.choice(COUNTRIES),
            agency=agency_codes[codes[sid]], bcp=rng.choice(BCPS),
            settlement=rng.choice(PLACES), mode=rng.choice(MODES),
            concealment=rng.choice(CONCEALMENTS), legs=[],
        )  # fmt: skip
        roles = rng.choice(ROUTE_SHAPES)
        facts.legs = [(role, rng.choice(("AFG", *COUNTRIES, "RUS"))) for role in roles]
        conn.execute(
            update(seizure).where(seizure.c.id == sid).values(
                seized_date=day, country_of_seizure=facts.country, bcp_code=facts.bcp,
                settlement=facts.settlement, mode_of_transport=facts.mode,
                concealment=facts.concealment,
            )
        )  # fmt: skip
        for seq, (role, country) in enumerate(facts.legs, start=1):
            leg = {"id": f"{sid[:30]}-{seq}", "seizure_id": sid, "seq": seq, "role": role}
            conn.execute(route_leg.insert(), {**leg, "country": country})
        for row in conn.execute(
            select(seizure_item.c.substance_code, seizure_item.c.drug_group,
                   seizure_item.c.quantity_kg_eq)
            .where(seizure_item.c.seizure_id == sid).order_by(seizure_item.c.line_no)
        ):  # fmt: skip
            facts.items.append(Item(row[0], row[1], row[2]))
        out[sid] = facts
    return out


Filter = dict[str, Any]


def _item_ok(item: Item, flt: Filter) -> bool:
    return (flt.get("drug") in (None, item.drug)) and (flt.get("drug_group") in (None, item.group))


def _seizure_ok(f: Facts, flt: Filter) -> bool:
    checks = (
        flt.get("date_from") is None or f.day >= flt["date_from"],
        flt.get("date_to") is None or f.day <= flt["date_to"],
        flt.get("country") in (None, f.country),
        flt.get("bcp") in (None, f.bcp),
        flt.get("mode_of_transport") in (None, f.mode),
        flt.get("agency") in (None, f.agency),
    )
    return all(checks)


def grouped(
    facts: Iterable[Facts], flt: Filter, key: Callable[[Facts, Item], list[Any]]
) -> dict[Any, tuple[int, float]]:
    """Per category: seizures with ≥ 1 matching item in it, and the kg of those items."""
    seizures: dict[Any, set[str]] = defaultdict(set)
    weights: dict[Any, float] = defaultdict(float)
    for f in facts:
        if not _seizure_ok(f, flt):
            continue
        for item in f.items:
            if not _item_ok(item, flt):
                continue
            for category in key(f, item):
                seizures[category].add(f.id)
                weights[category] += item.kg or 0.0
    return {k: (len(v), round(weights[k], 6)) for k, v in seizures.items()}


DIMENSION_KEYS: dict[str, Callable[[Facts, Item], list[Any]]] = {
    "country": lambda f, i: [f.country],
    "agency": lambda f, i: [f.agency],
    "bcp": lambda f, i: [f.bcp],
    "drug_group": lambda f, i: [i.group],
    "drug": lambda f, i: [i.drug],
    "mode_of_transport": lambda f, i: [f.mode],
    "concealment": lambda f, i: f.concealments(),
}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def anomalies(
    facts: Iterable[Facts],
    flt: Filter,
    first: date,
    last: date,
    offsets: tuple[int, ...],
    minimum: int,
    threshold: float,
) -> set[tuple[Any, ...]]:
    """(bcp, group, week, value) of flagged weeks, counting seizures (the slow way)."""
    weekly: dict[tuple[str, str], dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    start = monday(first) - timedelta(weeks=max(offsets))
    for f in facts:
        if f.bcp is None or not _seizure_ok(f, {**flt, "date_from": None, "date_to": None}):
            continue
        if not (start <= f.day <= last):
            continue
        for item in f.items:
            if item.group is not None and _item_ok(item, flt):
                weekly[(f.bcp, item.group)][monday(f.day)].add(f.id)
    flagged = set()
    for key, weeks in weekly.items():
        week = monday(first)
        while week <= monday(last):
            reference = [len(weeks.get(week - timedelta(weeks=o), ())) for o in offsets
                         if week - timedelta(weeks=o) >= start]  # fmt: skip
            if len(reference) >= minimum:
                middle = statistics.median(reference)
                mad = statistics.median(abs(v - middle) for v in reference)
                spread = max(1.4826 * mad, 1.0)
                value = len(weeks.get(week, ()))
                if abs((value - middle) / spread) >= threshold:
                    flagged.add((key[0], key[1], week.isoformat(), value))
            week += timedelta(weeks=1)
    return flagged
