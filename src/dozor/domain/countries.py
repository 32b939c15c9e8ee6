"""Countries (DATA.md §1 "Countries", §5): ISO 3166-1 plus ICAO 9303 nationality codes.

Stored as alpha-3. Input also accepts alpha-2, English and Russian names and aliases
(Киргизия, РФ, КНР…), matched with :func:`dozor.domain.codes.fold` (case-insensitive, ё = е).
The data is the packaged ``reference/countries.csv``, generated once by
``scripts/make_countries_csv.py``; pycountry is not used at run time.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from dataclasses import dataclass
from importlib.resources import files

from dozor.domain.codes import fold

__all__ = [
    "MEMBER_COUNTRIES",
    "Country",
    "all_countries",
    "get_country",
    "lookup_country",
    "suggest_countries",
]

MEMBER_COUNTRIES: tuple[str, ...] = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


@dataclass(frozen=True, slots=True)
class Country:
    """A country, or (``nationality_only``) an ICAO code valid only as a nationality."""

    iso3: str
    iso2: str
    name_en: str
    name_ru: str
    nationality_only: bool = False
    aliases: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """The name in ``lang`` ('ru' gives Russian; anything else English)."""
        return self.name_ru if lang == "ru" else self.name_en

    def keys(self) -> tuple[str, ...]:
        """Every text that identifies this country on input, before folding."""
        return tuple(
            t for t in (self.iso3, self.iso2, self.name_en, self.name_ru, *self.aliases) if t
        )


@dataclass(frozen=True, slots=True)
class _Index:
    countries: tuple[Country, ...]
    by_iso3: dict[str, Country]
    by_key: dict[str, Country]


@functools.cache
def _index() -> _Index:
    text = files("dozor.reference").joinpath("countries.csv").read_text(encoding="utf-8")
    countries: list[Country] = []
    for row in csv.DictReader(io.StringIO(text)):
        aliases = tuple(a for a in row["aliases"].split(";") if a)
        countries.append(
            Country(
                iso3=row["iso3"],
                iso2=row["iso2"],
                name_en=row["name_en"],
                name_ru=row["name_ru"],
                nationality_only=row["nationality_only"] == "1",
                aliases=aliases,
            )
        )
    by_iso3: dict[str, Country] = {}
    by_key: dict[str, Country] = {}
    for country in countries:
        if country.iso3 in by_iso3:
            raise ValueError(f"countries.csv: duplicate {country.iso3}")
        by_iso3[country.iso3] = country
        for key_text in country.keys():
            other = by_key.setdefault(fold(key_text), country)
            if other is not country:
                raise ValueError(
                    f"countries.csv: {key_text!r} names both {other.iso3} and {country.iso3}"
                )
    return _Index(tuple(countries), by_iso3, by_key)


@functools.lru_cache(maxsize=4096)
def lookup_country(text: str, *, allow_nationality_codes: bool = False) -> Country | None:
    """The country named by ``text`` (alpha-2, alpha-3, English/Russian name or alias).

    ICAO nationality codes (XXA stateless, XXB/XXC refugee, XXX unspecified) and their names
    («без гражданства») are accepted only with ``allow_nationality_codes``, i.e. for a
    nationality and never for a country field.
    """
    country = _index().by_key.get(fold(text))
    if country is None or (country.nationality_only and not allow_nationality_codes):
        return None
    return country


def get_country(iso3: str) -> Country:
    """The country with exactly this alpha-3 code (nationality codes included); KeyError."""
    try:
        return _index().by_iso3[iso3]
    except KeyError:
        raise KeyError(f"unknown country code {iso3!r}") from None


def all_countries() -> list[Country]:
    """All ISO 3166-1 countries followed by the ICAO nationality-only codes."""
    return list(_index().countries)


def suggest_countries(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` alpha-3 codes whose names are closest to ``text`` ("did you mean")."""
    key = fold(text)
    if not key or n <= 0:
        return []
    by_key = _index().by_key
    out: list[str] = []
    for match in difflib.get_close_matches(key, by_key, n=n * 4, cutoff=0.6):
        iso3 = by_key[match].iso3
        if iso3 not in out:
            out.append(iso3)
    return out[:n]
