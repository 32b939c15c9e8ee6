"""Source and information grading normalised to the 4x4 system (DATA.md §2.5, mapping v1).

The mapping is a policy, not a standard: it is versioned so that stored grades can say which
mapping produced their normalised value.
"""

from __future__ import annotations

from dataclasses import dataclass

from dozor.domain.errors import InvalidValue

MAPPING_VERSION = 1
SOURCE_4X4 = ("A", "B", "C", "X")
INFO_4X4 = ("1", "2", "3", "4")

_SOURCE_MAP = {
    "5x5x5": {"A": "A", "B": "B", "C": "C", "D": "C", "E": "X"},
    "3x5x2": {"1": "B", "2": "X", "3": "C"},
}
_INFO_MAP = {
    "5x5x5": {"1": "1", "2": "2", "3": "3", "4": "4", "5": "4"},
    "3x5x2": {"A": "2", "B": "3", "C": "4", "D": "4", "E": "4"},
}
_SUSPECTED_FALSE = {("5x5x5", "5"), ("3x5x2", "E")}


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade as given and its 4x4 value."""

    scheme: str
    code: str
    norm: str
    suspected_false: bool = False
    mapping_version: int = MAPPING_VERSION

    def text(self) -> str:
        """The grade as it would be typed in the import template."""
        return self.code if self.scheme == "4x4" else f"{self.scheme}:{self.code}"


def _parse(text: str, kind: str) -> Grade:
    raw = text.strip().upper()
    scheme, sep, code = raw.partition(":")
    mapping = _SOURCE_MAP if kind == "source" else _INFO_MAP
    plain = SOURCE_4X4 if kind == "source" else INFO_4X4
    if not sep:
        if raw in plain:
            return Grade("4x4", raw, raw)
        raise InvalidValue(
            "unknown_code",
            f"{kind} grade {text!r} is not a 4x4 code; other schemes need a prefix, e.g. 5x5x5:B",
            allowed=", ".join(plain),
        )
    scheme = scheme.strip().lower()
    code = code.strip()
    if scheme == "4x4" and code in plain:
        return Grade("4x4", code, code)
    table = mapping.get(scheme)
    if table is None:
        raise InvalidValue("unknown_code", f"unknown grading scheme {scheme!r}")
    if code not in table:
        raise InvalidValue(
            "unknown_code",
            f"{code!r} is not a {kind} code of scheme {scheme}",
            allowed=", ".join(table),
        )
    return Grade(scheme, code, table[code], (scheme, code) in _SUSPECTED_FALSE)


def parse_source_grade(text: str) -> Grade:
    """``A`` … ``X`` or ``<scheme>:<code>`` (5x5x5 letters; 3x5x2 digits grade the source)."""
    return _parse(text, "source")


def parse_info_grade(text: str) -> Grade:
    """``1`` … ``4`` or ``<scheme>:<code>`` (5x5x5 digits; 3x5x2 letters grade information)."""
    return _parse(text, "info")
