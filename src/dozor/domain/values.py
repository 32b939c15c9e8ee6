"""Parsing of import cell values: partial dates, decimals, percentages, integers (DATA.md §1, §6).

These run for every cell of large imports, so the patterns are compiled once and each string
parser keeps an LRU cache of its results, failures included. A cached failure is re-raised as a
fresh `InvalidValue` each time, so exceptions never share a traceback. Values are never floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from dozor.domain.errors import InvalidValue

Precision = Literal["year", "month", "day", "minute"]

_CACHE_SIZE = 65536
DATE_FORMATS = "YYYY-MM-DD or DD.MM.YYYY (optionally HH:MM), YYYY-MM, MM.YYYY or YYYY"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to a precision: `value` is the naive local start of the period."""

    value: datetime
    precision: Precision

    def iso(self) -> str:
        """ISO 8601 text cut to the precision: 2021, 2021-03, 2021-03-05, 2021-03-05T14:30."""
        v = self.value
        if self.precision == "year":
            return f"{v.year:04d}"
        if self.precision == "month":
            return f"{v.year:04d}-{v.month:02d}"
        if self.precision == "day":
            return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}"


@dataclass(frozen=True, slots=True)
class _Failure:
    """A cached parse failure, turned into a new InvalidValue on every call."""

    code: str
    message: str
    params: tuple[tuple[str, Any], ...] = ()

    def error(self) -> InvalidValue:
        return InvalidValue(self.code, self.message, **dict(self.params))


# --- dates ---------------------------------------------------------------------------------

_TIME = r"(?:(?:[ \t]+|[Tt])(?P<hh>[0-9]{1,2}):(?P<mi>[0-9]{2}))?"
_ISO_DAY = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})" + _TIME)
_DOT_DAY = re.compile(r"(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})" + _TIME)
_ISO_MONTH = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})")
_DOT_MONTH = re.compile(r"(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})")
_YEAR = re.compile(r"[0-9]{4}")
_SLASH = re.compile(r"[0-9]{1,4}(?:/[0-9]{1,4}){1,2}(?:(?:[ \t]+|[Tt])[0-9]{1,2}:[0-9]{2})?")

_INVALID_DATE = _Failure("invalid_date", "Not a valid date", (("expected", DATE_FORMATS),))
_AMBIGUOUS_DATE = _Failure(
    "ambiguous_date",
    "Slash dates are ambiguous (day/month or month/day)",
    (("expected", DATE_FORMATS),),
)


def _make_date(y: str, m: str, d: str, hh: str | None, mi: str | None) -> PartialDate | _Failure:
    try:
        if hh is None or mi is None:
            return PartialDate(datetime(int(y), int(m), int(d)), "day")
        value = datetime(int(y), int(m), int(d), int(hh), int(mi))
    except ValueError:
        return _INVALID_DATE
    return PartialDate(value, "minute")


def _make_month(y: str, m: str) -> PartialDate | _Failure:
    try:
        return PartialDate(datetime(int(y), int(m), 1), "month")
    except ValueError:
        return _INVALID_DATE


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_date(text: str) -> PartialDate | _Failure:
    t = text.strip()
    if (m := _ISO_DAY.fullmatch(t)) or (m := _DOT_DAY.fullmatch(t)):
        return _make_date(m["y"], m["m"], m["d"], m["hh"], m["mi"])
    if (m := _ISO_MONTH.fullmatch(t)) or (m := _DOT_MONTH.fullmatch(t)):
        return _make_month(m["y"], m["m"])
    if _YEAR.fullmatch(t):
        year = int(t)
        if year < 1:
            return _INVALID_DATE
        return PartialDate(datetime(year, 1, 1), "year")
    if _SLASH.fullmatch(t):
        return _AMBIGUOUS_DATE
    return _INVALID_DATE


def parse_date(text: str) -> PartialDate:
    """Parse a date cell (DATA.md §6 value rules) into a partial date.

    Accepted: ``YYYY-MM-DD`` and ``DD.MM.YYYY`` (also ``D.M.YYYY``), each optionally followed by
    `` HH:MM`` or ``THH:MM`` (minute precision); ``YYYY-MM`` and ``MM.YYYY`` (month);
    ``YYYY`` (year). Slash dates raise ``ambiguous_date``; anything else, or a date that does
    not exist, raises ``invalid_date``.
    """
    result = _parse_date(text)
    if isinstance(result, _Failure):
        raise result.error()
    return result


def partial_date_from_native(value: date | datetime) -> PartialDate:
    """A partial date from a native XLSX cell.

    A `date`, or a `datetime` at 00:00, has day precision; any other `datetime` has minute
    precision (seconds are dropped). Time-zone information, if any, is dropped: cell values are
    local wall time.
    """
    if isinstance(value, datetime):
        minute = value.replace(second=0, microsecond=0, tzinfo=None)
        if minute.hour == 0 and minute.minute == 0:
            return PartialDate(minute, "day")
        return PartialDate(minute, "minute")
    return PartialDate(datetime(value.year, value.month, value.day), "day")


# --- numbers -------------------------------------------------------------------------------

# Thousands may be separated by a space, NBSP (U+00A0), thin space (U+2009) or narrow NBSP
# (U+202F). Only ASCII digits are accepted.
_GROUP_SEP = " \u00a0\u2009\u202f"
_NUMBER = re.compile(
    rf"(?P<sign>[+-]?)"
    rf"(?P<int>[0-9]{{1,3}}(?:[{_GROUP_SEP}][0-9]{{3}})+|[0-9]*)"
    rf"(?:[.,](?P<frac>[0-9]+))?"
)
# Several equal marks in thousands positions ("1.000.000", "1,000,000"): readable as grouping.
_MARK_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3}){2,}|[+-]?[0-9]{1,3}(?:,[0-9]{3}){2,}")
_SPACES = re.compile(f"[{_GROUP_SEP}]")
_DIGITS = re.compile(r"\+?[0-9]+")

_NUMBER_EXPECTED = (("expected", "a decimal with '.' or ',' as the decimal mark"),)
_INVALID_NUMBER = _Failure("invalid_number", "Not a valid number", _NUMBER_EXPECTED)
_AMBIGUOUS_BOTH = _Failure(
    "ambiguous_number",
    "Both ',' and '.' are used: the decimal mark is ambiguous",
    _NUMBER_EXPECTED,
)
_AMBIGUOUS_GROUPED = _Failure(
    "ambiguous_number",
    "Repeated '.' or ',' may be thousands separators: the value is ambiguous",
    (("expected", "thousands separated by spaces, e.g. 1 000 000,5"),),
)
_INVALID_INT = _Failure(
    "invalid_number", "Not a whole number of zero or more", (("expected", "integer >= 0"),)
)


def _decimal(text: str) -> Decimal | _Failure:
    t = text.strip()
    has_comma = "," in t
    has_dot = "." in t
    if has_comma and has_dot:
        return _AMBIGUOUS_BOTH
    if t.count(",") > 1 or t.count(".") > 1:
        if _MARK_GROUPED.fullmatch(t):
            return _AMBIGUOUS_GROUPED
        return _INVALID_NUMBER
    m = _NUMBER.fullmatch(t)
    if m is None:
        return _INVALID_NUMBER
    int_part = m["int"]
    frac = m["frac"]
    if not int_part and frac is None:
        return _INVALID_NUMBER
    digits = _SPACES.sub("", int_part) or "0"
    literal = f"{m['sign']}{digits}.{frac}" if frac is not None else f"{m['sign']}{digits}"
    return Decimal(literal)


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_decimal(text: str) -> Decimal | _Failure:
    return _decimal(text)


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_percent(text: str) -> Decimal | _Failure:
    t = text.strip()
    if t.endswith("%"):
        t = t[:-1].rstrip()
    return _decimal(t)


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_int(text: str) -> int | _Failure:
    t = text.strip()
    if _DIGITS.fullmatch(t) is None:
        return _INVALID_INT
    return int(t)


def parse_decimal(text: str) -> Decimal:
    """Parse a decimal cell: ``.`` or ``,`` as the decimal mark, spaces between thousands.

    ``"1 000,5"`` → ``Decimal("1000.5")``. A leading ``+`` or ``-`` is allowed (range checks
    belong to the caller). Both ``,`` and ``.`` present, or a mark repeated in thousands
    positions (``"1.000.000"``), raise ``ambiguous_number``; anything else that is not a plain
    decimal (``"1,5,3"``, ``"1e5"``, ``"NaN"``) raises ``invalid_number``.
    """
    result = _parse_decimal(text)
    if isinstance(result, _Failure):
        raise result.error()
    return result


def parse_percent(text: str) -> Decimal:
    """Like `parse_decimal`, with an optional trailing ``%`` (``"12,5 %"`` → 12.5)."""
    result = _parse_percent(text)
    if isinstance(result, _Failure):
        raise result.error()
    return result


def parse_int(text: str) -> int:
    """Parse a whole number ≥ 0 (``"3"``, ``" 3 "``, ``"+3"``); else ``invalid_number``."""
    result = _parse_int(text)
    if isinstance(result, _Failure):
        raise result.error()
    return result
