"""The filters every statistic takes, their checks, and their SQL over ``facts`` (alias ``f``)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from dozor.domain.codes import code_list

GRANULARITIES = ("day", "week", "month", "quarter", "year")
MEASURES = ("count", "kg_eq")
DIMENSIONS = {
    "country": "f.country_of_seizure",
    "agency": "f.agency",
    "bcp": "f.bcp",
    "drug_group": "f.drug_group",
    "drug": "f.drug",
    "mode_of_transport": "f.mode",
    "concealment": "concealment",  # unnested: one seizure may use several methods
}
_ISO3 = re.compile(r"^[A-Z]{3}$")
_CODE = re.compile(r"^[a-z0-9_]{1,64}$")
_AGENCY = re.compile(r"^[A-Z0-9_-]{1,32}$")


class StatsError(ValueError):
    """A bad filter or parameter: which field, what value, why (English and Russian)."""

    def __init__(self, field: str, value: object, reason_en: str, reason_ru: str) -> None:
        super().__init__(f"{field}={value!r}: {reason_en}")
        self.field = field
        self.value = value
        self.reason_en = reason_en
        self.reason_ru = reason_ru

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        reason = self.reason_ru if lang == "ru" else self.reason_en
        return {"field": self.field, "value": str(self.value), "message": reason}


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """Which seizures a statistic counts (besides the access policy)."""

    date_from: date | None = None
    date_to: date | None = None
    country: str | None = None  # country of seizure, ISO3
    agency: str | None = None  # owner agency code
    bcp: str | None = None  # crossing point code
    drug_group: str | None = None
    drug: str | None = None  # substance code
    mode_of_transport: str | None = None

    def checked(self) -> StatsFilter:
        """Self, normalised; raises :class:`StatsError` naming the first bad field."""
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise StatsError(
                "date_from",
                self.date_from,
                f"is after date_to {self.date_to}",
                f"позже date_to {self.date_to}",
            )
        country = self.country.strip().upper() if self.country else None
        if country and not _ISO3.match(country):
            raise StatsError("country", self.country, "expected an ISO3 code", "ожидался код ISO3")
        agency = self.agency.strip().upper() if self.agency else None
        if agency and not _AGENCY.match(agency):
            raise StatsError("agency", self.agency, "not an agency code", "не код ведомства")
        bcp = self.bcp.strip().lower() if self.bcp else None
        if bcp and not _CODE.match(bcp):
            raise StatsError("bcp", self.bcp, "not a crossing point code", "не код пункта пропуска")
        return StatsFilter(
            date_from=self.date_from,
            date_to=self.date_to,
            country=country,
            agency=agency,
            bcp=bcp,
            drug_group=_known("drug_group", "drug_groups", self.drug_group),
            drug=_known("drug", "substances", self.drug),
            mode_of_transport=_known(
                "mode_of_transport", "transport_modes", self.mode_of_transport
            ),
        )

    def applied(self) -> dict[str, Any]:
        """The filters as given back in every answer (dates as ISO text, unset as null)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}

    def where(self, *, period: bool = True) -> tuple[list[str], list[Any]]:
        """SQL conditions over ``f`` and their parameters."""
        conditions: list[str] = []
        params: list[Any] = []
        if period and self.date_from:
            conditions.append("f.seized_date >= ?")
            params.append(self.date_from)
        if period and self.date_to:
            conditions.append("f.seized_date <= ?")
            params.append(self.date_to)
        for name, column in (
            ("country", "f.country_of_seizure"),
            ("agency", "f.agency"),
            ("bcp", "f.bcp"),
            ("drug_group", "f.drug_group"),
            ("drug", "f.drug"),
            ("mode_of_transport", "f.mode"),
        ):
            value = getattr(self, name)
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        return conditions, params

    def count_flag(self, group: str | None = None) -> str:
        """The column marking one row per counted seizure (see docs/analytics.md, "Counting")."""
        if self.drug is not None or group == "drug":
            return "f.first_drug"
        if self.drug_group is not None or group == "drug_group":
            return "f.first_group"
        return "f.first_item"


def _known(field: str, list_name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    codes = code_list(list_name)
    try:
        return codes.get(value.strip()).code
    except KeyError:
        found = codes.lookup(value)
        if found is not None:
            return found.code
        hint = ", ".join(codes.suggest(value)) or "-"
        raise StatsError(
            field,
            value,
            f"unknown code; did you mean: {hint}",
            f"неизвестный код; возможно: {hint}",
        ) from None


def check_choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``; else a :class:`StatsError`."""
    if value not in allowed:
        options = ", ".join(allowed)
        raise StatsError(field, value, f"expected one of {options}", f"ожидалось одно из {options}")
    return value
