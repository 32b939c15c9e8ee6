"""Reference places (DATA.md §5): crossing points, seed agencies, member time zones and phones.

The BCP seed is kept as the seed lines of DATA.md ("first country's post – counterpart's
post"), and expanded here: where both countries are members, each side is a post naming the
other as its counterpart; otherwise only the first side is a post.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dozor.domain.codes import fold, load_yaml
from dozor.domain.countries import MEMBER_COUNTRIES

__all__ = [
    "COUNTRY_PHONE_CODES",
    "COUNTRY_TIMEZONES",
    "CrossingPoint",
    "SeedAgency",
    "crossing_points",
    "lookup_crossing_point",
    "seed_agencies",
    "suggest_crossing_points",
]

_DASHES = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2212]\s*")
_PARENTHESIS = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True, slots=True)
class CrossingPoint:
    """One side's post of a border crossing point.

    ``name_en``/``name_ru`` read "this post – counterpart post" (DATA.md §5 style);
    ``post_name_*`` is this side's name alone and ``counterpart_name_*`` the other side's, when
    known.
    """

    code: str
    name_en: str
    name_ru: str
    country: str
    counterpart_country: str
    counterpart_bcp: str | None
    modes: tuple[str, ...]
    status: str
    lat: float | None
    lon: float | None
    coords_checked: bool
    aliases: tuple[str, ...]
    post_name_en: str = ""
    post_name_ru: str = ""
    counterpart_name_en: str | None = None
    counterpart_name_ru: str | None = None

    def name(self, lang: str) -> str:
        """The full name in ``lang`` ('ru' gives Russian; anything else English)."""
        return self.name_ru if lang == "ru" else self.name_en

    def post_name(self, lang: str) -> str:
        """This side's name alone."""
        return self.post_name_ru if lang == "ru" else self.post_name_en


@dataclass(frozen=True, slots=True)
class SeedAgency:
    """A seed agency of DATA.md §3.1; ``country`` is None for hub agencies."""

    code: str
    country: str | None
    kind: str
    name_en: str
    name_ru: str
    membership: str


def _key(text: str) -> str:
    """fold() plus one spelling for dashes, so "A – B", "A — B" and "A - B" match."""
    return _DASHES.sub("-", fold(text))


def _joined(own: str, other: str | None, dash: str) -> str:
    return f"{own} {dash} {other}" if other else own


def _post(
    line: Mapping[str, Any],
    own: Mapping[str, Any],
    other: Mapping[str, Any] | None,
    country: str,
    counterpart: str,
    is_pair: bool,
) -> CrossingPoint:
    aliases = list(own.get("aliases") or ())
    if other is not None and not is_pair:
        # The counterpart is not a post of ours: its names identify this post.
        aliases += list(other.get("aliases") or ())
    lat, lon = line.get("lat"), line.get("lon")
    other_en = other["en"] if other else None
    other_ru = other["ru"] if other else None
    return CrossingPoint(
        code=own["code"],
        name_en=_joined(own["en"], other_en, "–"),
        name_ru=_joined(own["ru"], other_ru, "—"),
        country=country,
        counterpart_country=counterpart,
        counterpart_bcp=other["code"] if is_pair and other else None,
        modes=tuple(line["modes"]),
        status=line.get("status", "open"),
        lat=None if lat is None else float(lat),
        lon=None if lon is None else float(lon),
        coords_checked=bool(line.get("coords_checked", False)),
        aliases=tuple(aliases),
        post_name_en=own["en"],
        post_name_ru=own["ru"],
        counterpart_name_en=other_en,
        counterpart_name_ru=other_ru,
    )


@dataclass(frozen=True, slots=True)
class _Index:
    points: tuple[CrossingPoint, ...]
    by_key: dict[str, CrossingPoint]


def _own_keys(p: CrossingPoint) -> set[str]:
    texts = [p.code, p.name_en, p.name_ru, p.post_name_en, p.post_name_ru, *p.aliases]
    texts += [_PARENTHESIS.sub("", t) for t in (p.post_name_en, p.post_name_ru)]
    return {_key(t) for t in texts if t.strip()}


def _counterpart_keys(p: CrossingPoint) -> set[str]:
    texts = [t for t in (p.counterpart_name_en, p.counterpart_name_ru) if t]
    texts += [_PARENTHESIS.sub("", t) for t in texts]
    return {_key(t) for t in texts if t.strip()}


@functools.cache
def _index() -> _Index:
    doc = load_yaml("places", "bcp.yaml")
    points: list[CrossingPoint] = []
    for line in doc["lines"]:
        first, second = line["countries"]
        a, b = line["a"], line.get("b")
        is_pair = first in MEMBER_COUNTRIES and second in MEMBER_COUNTRIES
        points.append(_post(line, a, b, first, second, is_pair))
        if is_pair:
            if b is None or "code" not in b:
                raise ValueError(f"bcp.yaml: {a['code']} pairs two members; name both posts")
            points.append(_post(line, b, a, second, first, is_pair))
    # Own names and aliases must be unique. A counterpart's name also finds the post unless it
    # is someone's own name or names several posts (Horgos faces both Nur Zholy and Altynkol).
    by_key: dict[str, CrossingPoint] = {}
    for point in points:
        for key in _own_keys(point):
            other = by_key.setdefault(key, point)
            if other is not point:
                raise ValueError(f"bcp.yaml: {key!r} names both {other.code} and {point.code}")
    weak: dict[str, set[str]] = {}
    for point in points:
        for key in _counterpart_keys(point) - by_key.keys():
            weak.setdefault(key, set()).add(point.code)
    by_code = {p.code: p for p in points}
    if len(by_code) != len(points):
        raise ValueError("bcp.yaml: duplicate post code")
    for key, codes in weak.items():
        if len(codes) == 1:
            by_key[key] = by_code[next(iter(codes))]
    return _Index(tuple(points), by_key)


def crossing_points() -> list[CrossingPoint]:
    """All seeded crossing-point posts, in seed-list order."""
    return list(_index().points)


@functools.lru_cache(maxsize=4096)
def lookup_crossing_point(text: str) -> CrossingPoint | None:
    """The post named by ``text``: code, full or one side's name (en/ru), or alias."""
    return _index().by_key.get(_key(text))


def suggest_crossing_points(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` post codes whose names are closest to ``text`` ("did you mean")."""
    key = _key(text)
    if not key or n <= 0:
        return []
    by_key = _index().by_key
    out: list[str] = []
    for match in difflib.get_close_matches(key, by_key, n=n * 4, cutoff=0.6):
        code = by_key[match].code
        if code not in out:
            out.append(code)
    return out[:n]


@functools.cache
def _agencies() -> tuple[SeedAgency, ...]:
    doc = load_yaml("places", "agencies.yaml")
    return tuple(
        SeedAgency(
            code=raw["code"],
            country=raw.get("country"),
            kind=raw["kind"],
            name_en=raw["name_en"],
            name_ru=raw["name_ru"],
            membership=raw.get("membership", "member"),
        )
        for raw in doc["agencies"]
    )


def seed_agencies() -> list[SeedAgency]:
    """The 17 seed agencies of DATA.md §3.1."""
    return list(_agencies())


def _member_data() -> tuple[dict[str, str], dict[str, str]]:
    doc = load_yaml("places", "countries.yaml")
    return dict(doc["timezones"]), {k: str(v) for k, v in doc["phone_codes"].items()}


COUNTRY_TIMEZONES: dict[str, str]
"""Member country (ISO3) → IANA time zone of the capital region."""
COUNTRY_PHONE_CODES: dict[str, str]
"""ISO3 → international calling code ("+7"), for the countries of DATA.md §5."""
COUNTRY_TIMEZONES, COUNTRY_PHONE_CODES = _member_data()
