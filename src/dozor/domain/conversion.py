"""Versioned unit conversion tables (DATA.md §1 "Quantities", §4.6).

A rule maps (substance | drug group | ``*``, unit, form | ``*``, country | ``*``) to kg per unit.
The ``substance`` field of a rule holds a substance code, a drug-group code or ``*``; the two
code spaces are disjoint (a test checks it), so a rule's level follows from what it matched.

The most specific rule wins: substance before group before ``*``, then country, then form. When
no rule applies, :meth:`ConversionTable.find` returns None and the item is counted in units.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dozor.domain.codes import load_yaml

__all__ = [
    "ANY",
    "CURRENT_CONVERSION_VERSION",
    "ConversionRule",
    "ConversionTable",
    "load_conversion_table",
]

ANY = "*"
CURRENT_CONVERSION_VERSION = "2025.1"
_MEMO_LIMIT = 100_000
_Args = tuple[str, str | None, str, str | None, str | None]


@dataclass(frozen=True, slots=True)
class ConversionRule:
    """kg per unit for (substance | group | ``*``, unit, form | ``*``, country | ``*``)."""

    id: str
    substance: str
    unit: str
    form: str
    country: str
    kg_per_unit: Decimal


class ConversionTable:
    """One version of the conversion table, with a memoised rule search."""

    __slots__ = ("version", "heroin_eq_opium_factor", "rules", "_by_unit", "_memo")

    def __init__(
        self,
        version: str,
        heroin_eq_opium_factor: Decimal,
        rules: Iterable[ConversionRule],
    ) -> None:
        self.version = version
        self.heroin_eq_opium_factor = heroin_eq_opium_factor
        self.rules: tuple[ConversionRule, ...] = tuple(rules)
        self._by_unit: dict[str, list[ConversionRule]] = {}
        self._memo: dict[_Args, ConversionRule | None] = {}
        ids: set[str] = set()
        keys: set[tuple[str, str, str, str]] = set()
        for rule in self.rules:
            key = (rule.substance, rule.unit, rule.form, rule.country)
            if rule.id in ids or key in keys:
                raise ValueError(f"conversion table {version}: duplicate rule {rule.id!r}")
            if rule.kg_per_unit <= 0:
                raise ValueError(f"conversion table {version}: rule {rule.id!r} factor <= 0")
            ids.add(rule.id)
            keys.add(key)
            self._by_unit.setdefault(rule.unit, []).append(rule)

    def find(
        self,
        substance: str,
        drug_group: str | None,
        unit: str,
        form: str | None,
        country: str | None,
    ) -> ConversionRule | None:
        """The most specific rule for an item, or None when the item stays in units.

        Called once per imported row, so results are memoised per argument tuple.
        """
        args = (substance, drug_group, unit, form, country)
        try:
            return self._memo[args]
        except KeyError:
            pass
        found = self._search(*args)
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[args] = found
        return found

    def _search(
        self,
        substance: str,
        drug_group: str | None,
        unit: str,
        form: str | None,
        country: str | None,
    ) -> ConversionRule | None:
        best: ConversionRule | None = None
        best_rank: tuple[int, int, int] = (-1, -1, -1)
        for rule in self._by_unit.get(unit, ()):
            if rule.substance == substance:
                level = 2
            elif drug_group is not None and rule.substance == drug_group:
                level = 1
            elif rule.substance == ANY:
                level = 0
            else:
                continue
            if rule.country != ANY and rule.country != country:
                continue
            if rule.form != ANY and rule.form != form:
                continue
            rank = (level, int(rule.country != ANY), int(rule.form != ANY))
            if rank > best_rank:
                best, best_rank = rule, rank
        return best

    def __repr__(self) -> str:
        return f"ConversionTable({self.version!r}, rules={len(self.rules)})"


def _decimal(value: object, where: str) -> Decimal:
    # Floats from YAML would carry binary rounding into statistics; only strings and ints load.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{where}: write the factor as a quoted decimal string, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: not a decimal: {value!r}") from None


def load_conversion_table(version: str = CURRENT_CONVERSION_VERSION) -> ConversionTable:
    """The packaged conversion table ``version`` (``reference/conversion/<version>.yaml``).

    Cached: every call with the same version returns the same table (and its memo).
    """
    return _load(version)


@functools.cache
def _load(version: str) -> ConversionTable:
    doc = load_yaml("conversion", f"{version}.yaml")
    if str(doc["version"]) != version:
        raise ValueError(f"conversion table file {version} declares {doc['version']!r}")
    rules = [
        ConversionRule(
            id=str(raw["id"]),
            substance=str(raw.get("substance", ANY)),
            unit=str(raw["unit"]),
            form=str(raw.get("form", ANY)),
            country=str(raw.get("country", ANY)),
            kg_per_unit=_decimal(raw["kg_per_unit"], f"rule {raw.get('id')!r}"),
        )
        for raw in doc["rules"]
    ]
    factor = _decimal(doc["heroin_eq_opium_factor"], "heroin_eq_opium_factor")
    return ConversionTable(version, factor, rules)
