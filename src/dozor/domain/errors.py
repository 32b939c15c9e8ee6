"""The one exception type that pure normalisers raise for a bad value.

`code` is one of the import error codes of DATA.md §6.3 (e.g. ``invalid_date``); `params`
fill the translated message template of that code. Callers add file, row and column.
"""

from __future__ import annotations

from typing import Any


class InvalidValue(ValueError):
    """A value that a normaliser rejects, with a stable error code."""

    def __init__(self, code: str, message: str = "", **params: Any) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.params = params
