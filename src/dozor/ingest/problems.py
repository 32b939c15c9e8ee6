"""What went wrong where: one import error with file, sheet, row, column, value and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dozor.ingest.messages import render

VALUE_SHOWN = 100  # characters of a bad value kept in the report (DATA.md §6.3)


@dataclass(frozen=True, slots=True)
class Problem:
    """One error of an import job; ``row`` is the spreadsheet row (header = 1), 0 = file."""

    file: str
    sheet: str
    row: int
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self, lang: str = "en") -> str:
        """The human reason in ``lang``."""
        return render(self.code, lang, {"value": self.value, "column": self.column, **self.params})

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        """The problem as the CSV/JSON error report shows it."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "reason": self.reason(lang),
        }


def shown(value: object) -> str:
    """A value as the report shows it: text, cut to ``VALUE_SHOWN`` characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"


class ImportRejected(Exception):
    """The job was refused as a whole; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
