"""Where and how a synthetic seizure happens: place, transport, route and quantity."""

from __future__ import annotations

import math
from bisect import bisect
from collections.abc import Iterable
from itertools import accumulate
from typing import NamedTuple

from dozor.demo import world
from dozor.demo.drugs import Drug
from dozor.demo.rand import Rng

Table = tuple[tuple[str, ...], list[float]]


def _table(pairs: Iterable[tuple[str, float]]) -> Table:
    items = list(pairs)
    return tuple(k for k, _ in items), list(accumulate(w for _, w in items))


def _pick(rng: Rng, table: Table) -> str:
    keys, cum = table
    return keys[bisect(cum, rng.random() * cum[-1])]


class Place(NamedTuple):
    location: str
    agency: str
    scenario: str
    bcp: str
    counterpart: str
    mode: str
    region: str
    settlement: str
    lat: str
    lon: str
    text_ru: str
    text_en: str


class Route(NamedTuple):
    origin: str
    departure: str
    destination: str
    transit: str
    direction: str
    path: tuple[str, ...]


_VEHICLE_HIDE = (
    ("vehicle_built_compartment", 25),
    ("vehicle_natural_void", 25),
    ("fuel_tank_tyre", 8),
    ("within_cargo", 18),
    ("luggage", 12),
    ("on_body", 7),
    ("luggage_false_bottom", 3),
    ("internal_carrier", 1),
    ("other", 1),
)
_PREMISES = (("not_applicable", ""), (("cache", 45), ("none", 35), ("other", 10), ("on_body", 10)))
# location -> (mode or "", conveyance weights, concealment weights)
_TRANSPORT: dict[str, tuple[str, tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]] = {
    "bcp_road": (
        "road",
        (("car", 45), ("truck", 38), ("bus", 15), ("motorcycle", 2)),
        _VEHICLE_HIDE,
    ),
    "bcp_rail": (
        "rail",
        (("train_passenger", 55), ("train_freight", 35), ("container", 10)),
        (
            ("luggage", 30),
            ("on_body", 10),
            ("within_cargo", 25),
            ("container_structure", 10),
            ("vehicle_natural_void", 15),
            ("luggage_false_bottom", 7),
            ("internal_carrier", 3),
        ),
    ),
    "road": ("road", (("car", 60), ("truck", 20), ("bus", 15), ("motorcycle", 5)), _VEHICLE_HIDE),
    "railway": (
        "rail",
        (("train_passenger", 80), ("train_freight", 20)),
        (("luggage", 50), ("on_body", 25), ("within_cargo", 15), ("luggage_false_bottom", 10)),
    ),
    "airport": (
        "air",
        (("airplane", 1),),
        (("luggage", 40), ("luggage_false_bottom", 15), ("on_body", 20), ("internal_carrier", 25)),
    ),
    "postal": ("postal", (("postal_item", 1),), (("postal_item", 90), ("within_cargo", 10))),
    "seaport": (
        "sea_river",
        (("vessel", 40), ("container", 60)),
        (("within_cargo", 60), ("container_structure", 40)),
    ),
    "inland_waters": (
        "sea_river",
        (("vessel", 1),),
        (("luggage", 40), ("none", 30), ("cache", 30)),
    ),
    "green_border": (
        "",
        (("pedestrian", 65), ("animal", 15), ("vessel", 10), ("unknown", 10)),
        (("luggage", 40), ("on_body", 20), ("cache", 20), ("none", 20)),
    ),
    "open_area": ("not_applicable", (), (("none", 50), ("cache", 35), ("dead_drop", 15))),
}
_TRANSPORT_TABLES = {
    k: (m, _table(c) if c else None, _table(h)) for k, (m, c, h) in _TRANSPORT.items()
}
_PREMISES_TABLE = _table(_PREMISES[1])
_GREEN_MODE = {
    "pedestrian": "on_foot",
    "animal": "pack_animal",
    "vessel": "sea_river",
    "unknown": "unknown",
}
_ROLES: dict[str, tuple[str, ...]] = {
    "car": ("driver", "passenger", "passenger", "organiser", "owner"),
    "truck": ("driver", "driver", "passenger", "sender", "owner"),
    "motorcycle": ("driver", "passenger"),
    "bus": ("courier", "passenger", "courier"),
    "airplane": ("courier", "courier", "recipient", "organiser"),
    "postal_item": ("recipient", "sender", "recipient"),
    "pedestrian": ("courier", "courier", "organiser"),
    "animal": ("courier", "courier", "organiser"),
    "vessel": ("courier", "courier", "driver", "organiser"),
}
_PREMISES_ROLES = ("owner", "organiser", "other", "courier", "recipient")
_DEFAULT_ROLES = ("courier", "passenger", "organiser", "other")
_PERSON_SHARE = {
    "dwelling": 0.6,
    "airport": 0.7,
    "road": 0.5,
    "bcp_road": 0.4,
    "bcp_rail": 0.35,
    "postal": 0.25,
    "open_area": 0.2,
    "green_border": 0.3,
    "laboratory": 0.6,
    "railway": 0.45,
}
_BIG = {
    "truck": 5.0,
    "train_freight": 6.0,
    "container": 8.0,
    "pedestrian": 3.0,
    "animal": 6.0,
    "vessel": 4.0,
    "postal_item": 0.15,
    "": 1.0,
}
_LOC_FACTOR = {
    "laboratory": 3.0,
    "warehouse": 4.0,
    "prison": 0.05,
    "dwelling": 0.8,
    "open_area": 0.6,
}
_HIDE_FACTOR = {"internal_carrier": 0.4, "on_body": 0.4, "dead_drop": 0.05, "luggage": 0.8}
_FREIGHT = frozenset({"truck", "train_freight", "container", "vessel", "animal"})
_BULK_PLACES = frozenset({"warehouse", "laboratory", "green_border", "seaport"})
_PERSONAL = frozenset(
    {"on_body", "internal_carrier", "luggage", "luggage_false_bottom", "postal_item", "dead_drop"}
)
_CAPS = {"mass": 1_500_000.0, "vol": 1_000_000.0, "tablet": 2_000_000.0, "plant": 30_000.0}
_PRES: dict[str, Table] = {}


# Paths through a country (path, index of the country) with cumulative weights.
Candidates = tuple[list[tuple[tuple[str, ...], int]], list[float]]


class Places:
    """Chooses places, transport and routes; caches the lookup tables it derives."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self.bcps = {
            c: (
                [b for b in world.BCPS if b.country == c],
                list(accumulate(b.weight for b in world.BCPS if b.country == c)),
            )
            for c in world.COUNTRIES
        }
        self.inland = _table(world.INLAND_LOCATIONS)
        self.agencies = {c: _table(v) for c, v in world.INLAND_AGENCIES.items()}
        self.towns = {c: list(accumulate(t[5] for t in v)) for c, v in world.TOWNS.items()}
        self.routes: dict[tuple[str, str, str], Candidates] = {}

    def pick(self, country: str) -> Place:
        rng = self.rng
        r = rng.random
        if r() < 0.6:
            bcps, cum = self.bcps[country]
            b = bcps[bisect(cum, r() * cum[-1])]
            mode = b.modes[0] if len(b.modes) == 1 or r() < 0.7 else b.modes[1]
            scenario = {"AFG": "afg", "IRN": "irn", "CHN": "chn", "RUS": "rus"}.get(
                b.counterpart, "ca"
            )
            lat = lon = ""
            if b.coords and r() < 0.5:
                lat, lon = (f"{v + (r() - 0.5) * 0.02:.4f}" for v in b.coords)
            name = b.code.replace("_", " ").title()
            return Place(
                "bcp_" + mode,
                world.BORDER_AGENCIES[country][0 if r() < 0.45 else 1],
                scenario,
                b.code,
                b.counterpart,
                mode,
                b.region if r() < 0.5 else "",
                b.settlement if r() < 0.4 else "",
                lat,
                lon,
                f"на пункте пропуска «{world.BCP_RU[b.code]}»",
                f"at the {name} crossing point",
            )
        loc = _pick(rng, self.inland)
        if loc == "seaport" and country not in world.SEAPORT_TOWNS:
            loc = "road"  # landlocked without a river port
        south = country in world.AFG_NEIGHBOURS
        if loc in ("green_border", "inland_waters"):
            agency = world.BORDER_AGENCIES[country][0]
            scenario = "afg" if south else "ca"
            return Place(
                loc,
                agency,
                scenario,
                "",
                "AFG" if south else "",
                "",
                "",
                "",
                "",
                "",
                "на участке государственной границы",
                "on the border",
            )
        if loc in ("airport", "postal", "seaport") and r() < 0.6:
            agency = world.BORDER_AGENCIES[country][1]
        else:
            agency = _pick(rng, self.agencies[country])
        towns = world.TOWNS[country]
        if loc == "airport":
            town = towns[rng.pick(world.AIRPORT_TOWNS[country])]
        elif loc == "seaport":
            town = towns[world.SEAPORT_TOWNS[country]]
        else:
            cum = self.towns[country]
            town = towns[bisect(cum, r() * cum[-1])]
        k = r()
        settlement = town[0] if k < 0.75 else town[1] if k < 0.85 else ""
        lat = lon = ""
        if r() < 0.35:
            lat, lon = f"{town[2] + (r() - 0.5) * 0.06:.5f}", f"{town[3] + (r() - 0.5) * 0.06:.5f}"
        scenario = {
            "airport": "air",
            "postal": "post",
            "open_area": "field",
            "laboratory": "lab",
        }.get(loc, "inland")
        where_ru = "в аэропорту г." if loc == "airport" else "в г."
        where_en = f"at {town[1]} airport" if loc == "airport" else f"in {town[1]}"
        return Place(
            loc,
            agency,
            scenario,
            "",
            "",
            "",
            town[4] if r() < 0.4 else "",
            settlement,
            lat,
            lon,
            f"{where_ru} {town[0]}",
            where_en,
        )

    def transport(self, place: Place, family: str) -> tuple[str, str, str]:
        """(mode_of_transport, conveyance_type, concealment) for the place."""
        rng = self.rng
        spec = _TRANSPORT_TABLES.get(place.location)
        if spec is None:
            mode = "unknown" if place.location == "unknown" else "not_applicable"
            conveyance, hide = "", _PREMISES_TABLE
        else:
            mode, conv_table, hide = spec
            conveyance = _pick(rng, conv_table) if conv_table else ""
            if not mode:
                mode = _GREEN_MODE[conveyance]
        if place.location == "open_area" and family == "chinese" and rng.random() < 0.7:
            concealment = "dead_drop"
        elif rng.random() < 0.75:
            concealment = _pick(rng, hide)
            if rng.random() < 0.1:
                second = _pick(rng, hide)
                if second != concealment and "none" not in (second, concealment):
                    concealment += ";" + second
        else:
            concealment = ""
        if place.location.startswith("bcp") or rng.random() < 0.88:
            return mode, conveyance, concealment
        return mode, "", concealment

    @staticmethod
    def roles(location: str, conveyance: str) -> tuple[str, ...]:
        if conveyance in _ROLES:
            return _ROLES[conveyance]
        if location in ("dwelling", "commercial", "warehouse", "laboratory", "open_area"):
            return _PREMISES_ROLES
        return _DEFAULT_ROLES

    @staticmethod
    def person_share(location: str) -> float:
        return _PERSON_SHARE.get(location, 0.35)

    def route(self, place: Place, family: str, country: str) -> Route:
        rng = self.rng
        paths = world.ROUTE_FAMILIES[family]
        x = place.counterpart
        key = (family, country, x)
        cands = self.routes.get(key)
        if cands is None:
            found: list[tuple[tuple[str, ...], int]] = []
            weights: list[float] = []
            for path, w in paths:
                for i, c in enumerate(path):
                    adjacent = not x or (i > 0 and path[i - 1] == x) or path[i + 1 : i + 2] == (x,)
                    if c == country and adjacent:
                        found.append((path, i))
                        weights.append(w)
            cands = (found, list(accumulate(weights)))
            self.routes[key] = cands
        found, cum = cands
        if not found:
            if not x:
                if family == "none" and rng.random() < 0.3:
                    return Route(country, "", "", "", "domestic", (country,))
                return Route("", "", "", "", "domestic" if rng.random() < 0.6 else "unknown", ())
            inbound = x in ("AFG", "IRN", "CHN") or (x != "RUS" and rng.random() < 0.6)
            path, i = ((x, country), 1) if inbound else ((country, x), 0)
        else:
            path, i = found[bisect(cum, rng.random() * cum[-1])]
        last = len(path) - 1
        r = rng.random
        if x and i > 0 and path[i - 1] == x:  # entering the country
            j = i if i == last or r() < 0.45 else rng.between(i + 1, last)
            direction = "import" if j == i or r() < 0.4 else "transit"
            d = i - 1 if r() < 0.7 else rng.between(0, i - 1)
        elif x:  # leaving it
            j = rng.between(i + 1, last)
            direction = "export" if i == 0 or r() < 0.75 else "transit"
            d = i if r() < 0.7 else rng.between(0, i)
        else:
            j = rng.between(i, last)
            d = max(0, i - 1) if r() < 0.7 else rng.between(0, i)
            if place.location == "airport":
                direction = ("export", "import", "transit")[rng.below(3)] if i else "export"
            elif place.location == "postal":
                direction = "import" if i and r() < 0.7 else "domestic"
            elif j == i:
                direction = "domestic" if i == 0 or r() < 0.7 else "import"
            else:
                direction = ("transit", "transit", "export", "unknown")[rng.below(4)]
        transit = ";".join(path[d + 1 : j]) if r() < 0.35 else ""
        return Route(
            path[0] if r() < 0.7 else "",
            path[d] if r() < 0.45 else "",
            path[j] if r() < 0.55 else "",
            transit,
            direction if r() < 0.9 else "",
            path,
        )


def _fmt(value: float, decimals: int, comma: bool) -> str:
    text = f"{value:.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if comma else text


def render_quantity(
    rng: Rng, drug: Drug, place: Place, transport: tuple[str, str, str], comma: bool
) -> tuple[str, str, str, str]:
    """(quantity, unit, form, purity_pct) for one item; heavy-tailed, capped."""
    table = _PRES.get(drug.code)
    if table is None:
        table = _table((str(n), p[3]) for n, p in enumerate(drug.presentations))
        _PRES[drug.code] = table
    kind, form, median, _ = drug.presentations[int(_pick(rng, table))]
    r = rng.random
    conveyance, hide = transport[1], transport[2].split(";")[0]
    factor = (
        _BIG.get(conveyance, 1.0)
        * _LOC_FACTOR.get(place.location, 1.0)
        * _HIDE_FACTOR.get(hide, 1.0)
    )
    amount = median * factor * math.exp(rng.gauss(0.0, 1.5))
    if hide == "internal_carrier" and kind == "mass":
        amount = min(amount, 1500.0)  # a body packer carries at most a kilo and a half
    bulk = conveyance in _FREIGHT or place.location in _BULK_PLACES
    if bulk and hide not in _PERSONAL and kind in ("mass", "tablet", "vol") and median >= 20:
        if r() < (0.025 if place.scenario in ("afg", "irn") else 0.01):
            amount = math.exp(rng.uniform(math.log(1e5), math.log(1e6)))  # 100 kg to 1 t
    amount = min(amount, _CAPS.get(kind, 200_000.0))
    if kind == "mass":
        amount = max(amount, 0.1)
        if amount >= 1e6 and r() < 0.3:
            q, unit = _fmt(amount / 1e6, 2, comma), "t"
        elif (amount >= 1000 and r() < 0.92) or (amount >= 10 and r() < 0.05):
            kg = amount / 1000
            q, unit = (
                _fmt(kg, 3 if kg < 10 else 2 if kg < 100 else 1 if kg < 1000 else 0, comma),
                "kg",
            )
        else:
            q, unit = _fmt(amount, 2 if amount < 10 else 1 if amount < 100 else 0, comma), "g"
    elif kind == "vol":
        amount = max(amount, 1.0)
        if amount >= 1000:
            q, unit = _fmt(amount / 1000, 2, comma), "l"
        else:
            q, unit = _fmt(amount, 0, comma), "ml"
    else:
        count = max(1, round(amount))
        q, unit = str(count), kind
        if count >= 10_000 and r() < 0.1:
            q = f"{count:,}".replace(",", " ")
    purity = ""
    if drug.purity and r() < 0.15:
        lo, hi = drug.purity
        purity = _fmt(rng.uniform(lo, hi), 1, comma)
        if r() < 0.1:
            purity += "%"
    return q, unit, form if r() < 0.85 else "", purity
