"""Cell parsers of the import template, one per kind of column.

Each parser takes a trimmed, non-empty text and returns the parsed value or raises
``InvalidValue`` whose params fill the message templates. Parsers of context-free columns are
cached, because import files repeat the same few values hundreds of thousands of times.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dozor.domain.codes import Code, code_list
from dozor.domain.countries import Country, lookup_country, suggest_countries
from dozor.domain.errors import InvalidValue
from dozor.domain.grading import Grade, parse_info_grade, parse_source_grade
from dozor.domain.markings import parse_handling, parse_tlp
from dozor.domain.places import CrossingPoint, lookup_crossing_point, suggest_crossing_points
from dozor.domain.values import PartialDate, parse_date, parse_decimal, parse_int, parse_percent

CACHE = 4096


def _hint(suggestions: list[str]) -> dict[str, str]:
    if not suggestions:
        return {"hint": "", "hint_ru": ""}
    joined = ", ".join(suggestions)
    return {"hint": f"; did you mean {joined}?", "hint_ru": f"; возможно, {joined}?"}


def code_parser(list_name: str, what: str) -> Callable[[str], Code]:
    """A cached parser for values of one code list."""
    codes = code_list(list_name)

    @lru_cache(maxsize=CACHE)
    def parse(text: str) -> Code:
        found = codes.lookup(text)
        if found is None:
            raise InvalidValue("unknown_code", what=what, **_hint(codes.suggest(text)))
        return found

    return parse


@lru_cache(maxsize=CACHE)
def parse_country(text: str) -> Country:
    """Any country form (alpha-2, alpha-3, English or Russian name, alias)."""
    found = lookup_country(text)
    if found is None:
        raise InvalidValue("unknown_code", what="country", **_hint(suggest_countries(text)))
    return found


@lru_cache(maxsize=CACHE)
def parse_nationality(text: str) -> Country:
    """A country, or one of ICAO 9303's XXA (stateless), XXB, XXC, XXX."""
    found = lookup_country(text, allow_nationality_codes=True)
    if found is None:
        raise InvalidValue("unknown_code", what="country", **_hint(suggest_countries(text)))
    return found


@lru_cache(maxsize=CACHE)
def parse_countries(text: str) -> tuple[str, ...]:
    """Countries separated by ``;``, in the order given."""
    return tuple(parse_country(part.strip()).iso3 for part in text.split(";") if part.strip())


@lru_cache(maxsize=CACHE)
def parse_crossing_point(text: str) -> CrossingPoint:
    """A crossing point by code, name or alias (the country is checked by the caller)."""
    found = lookup_crossing_point(text)
    if found is None:
        raise InvalidValue("unknown_bcp", **_hint(suggest_crossing_points(text)))
    return found


@lru_cache(maxsize=CACHE)
def parse_date_cached(text: str) -> PartialDate:
    """A date in one of the template's forms (future and range checks are the caller's)."""
    return parse_date(text)


@lru_cache(maxsize=CACHE)
def parse_quantity(text: str) -> Decimal:
    """A decimal greater than zero."""
    value = parse_decimal(text)
    if value <= 0:
        raise InvalidValue("out_of_range", rule="must be greater than 0")
    return value


@lru_cache(maxsize=CACHE)
def parse_purity(text: str) -> Decimal:
    """A percentage in (0, 100]."""
    value = parse_percent(text)
    if not Decimal(0) < value <= Decimal(100):
        raise InvalidValue("out_of_range", rule="percent must be in (0, 100]")
    return value


@lru_cache(maxsize=CACHE)
def parse_count(text: str) -> int:
    """A whole number of at least zero."""
    try:
        return parse_int(text)
    except InvalidValue:
        raise InvalidValue("invalid_number", rule="integer >= 0 required") from None


@lru_cache(maxsize=CACHE)
def parse_coordinate(text: str) -> float:
    """Decimal degrees."""
    return float(parse_decimal(text))


@lru_cache(maxsize=CACHE)
def parse_tlp_cached(text: str) -> str:
    """``AMBER``, ``TLP:AMBER``; ``WHITE`` is CLEAR."""
    try:
        return parse_tlp(text)
    except InvalidValue:
        raise InvalidValue("unknown_code", what="TLP") from None


@lru_cache(maxsize=CACHE)
def parse_distribution(text: str) -> str:
    """The distribution intended at release: ``org``, ``national`` or ``region``."""
    value = text.strip().lower()
    if value == "listed":
        raise InvalidValue(
            "marking_conflict",
            rule="distribution listed cannot be imported; set it in the app",
            rule_ru="распространение listed нельзя импортировать; задайте его в приложении",
        )
    if value == "public":
        raise InvalidValue(
            "marking_conflict",
            rule="distribution public is only for aggregates and reference data "
            "(marking.public_not_allowed)",
            rule_ru="распространение public допускается только для сводных и справочных данных",
        )
    if value not in ("org", "national", "region"):
        raise InvalidValue("unknown_code", what="distribution")
    return value


@lru_cache(maxsize=CACHE)
def parse_handling_cached(text: str) -> tuple[frozenset[str], str | None]:
    """``H0`` or any of ``H1``, ``H2``, ``H3:<text>`` joined by ``;``."""
    try:
        return parse_handling(text)
    except InvalidValue as error:
        if error.code == "too_long":
            raise
        raise InvalidValue("unknown_code", what="handling code") from None


@lru_cache(maxsize=CACHE)
def parse_source(text: str) -> Grade:
    """A source grade (4x4 letter or ``scheme:code``)."""
    try:
        return parse_source_grade(text)
    except InvalidValue:
        raise InvalidValue("unknown_code", what="source grade") from None


@lru_cache(maxsize=CACHE)
def parse_info(text: str) -> Grade:
    """An information grade (4x4 digit or ``scheme:code``)."""
    try:
        return parse_info_grade(text)
    except InvalidValue:
        raise InvalidValue("unknown_code", what="information grade") from None


def text_parser(limit: int) -> Callable[[str], str]:
    """Free text of at most ``limit`` characters."""

    def parse(text: str) -> str:
        if len(text) > limit:
            raise InvalidValue("too_long", length=len(text), limit=limit)
        return text

    return parse


def concealment_parser() -> Callable[[str], tuple[str, ...]]:
    """Concealment methods separated by ``;``."""
    single = code_parser("concealment_methods", "concealment method")

    @lru_cache(maxsize=CACHE)
    def parse(text: str) -> tuple[str, ...]:
        return tuple(single(part.strip()).code for part in text.split(";") if part.strip())

    return parse


def seizure_parsers() -> dict[str, Callable[[str], Any]]:
    """Parsers for every column of the seizures template except the agency."""
    return {
        "seizure_ref": text_parser(64),
        "reporting_country": parse_country,
        "seizure_date": parse_date_cached,
        "location_type": code_parser("location_types", "location type"),
        "bcp": parse_crossing_point,
        "admin_region": text_parser(100),
        "settlement": text_parser(200),
        "latitude": parse_coordinate,
        "longitude": parse_coordinate,
        "drug": code_parser("substances", "drug"),
        "quantity": parse_quantity,
        "unit": code_parser("units", "unit"),
        "form": code_parser("forms", "form"),
        "purity_pct": parse_purity,
        "mode_of_transport": code_parser("transport_modes", "mode of transport"),
        "conveyance_type": code_parser("conveyance_types", "conveyance type"),
        "direction": code_parser("directions", "direction"),
        "concealment": concealment_parser(),
        "origin_country": parse_country,
        "departure_country": parse_country,
        "destination_country": parse_country,
        "transit_countries": parse_countries,
        "persons_arrested": parse_count,
        "tlp": parse_tlp_cached,
        "distribution": parse_distribution,
        "handling_code": parse_handling_cached,
        "source_grade": parse_source,
        "info_grade": parse_info,
        "narrative": text_parser(4000),
    }
