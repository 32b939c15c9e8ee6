"""Readers for import files: CSV (UTF-8 or Windows-1251, `,` `;` or tab), XLSX and JSON.

A reader yields sheets; each sheet has a header and rows of cell values with their
spreadsheet row numbers (the header is row 1). Cells are strings, except XLSX date and number
cells, which keep their native type so that nothing is lost in a round trip through text.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dozor.ingest.problems import Problem
from dozor.ingest.template import PERSON_REQUIRED

Cell = str | int | float | date | datetime | None
SEIZURE_MARKERS = {"seizure_ref", "drug", "quantity"}
PERSON_MARKERS = {"seizure_ref", "surname", "role"}
_TEXT_BYTES = bytes([9, 10, 13, *range(0x20, 0x100)])
UNODC_MARKERS = {"region", "subregion", "country", "drugname", "reference year", "kilograms"}


@dataclass(slots=True)
class Sheet:
    """One table of an import file."""

    file: str
    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    kind: str = ""  # seizures | persons | annual | "" (unrecognised)
    notes: list[str] = field(default_factory=list)

    def problem(self, row: int, column: str, value: str, code: str, **params: Any) -> Problem:
        """A problem located in this sheet."""
        return Problem(self.file, self.name, row, column, value, code, params)


def recognise(header: list[str]) -> str:
    """Which template a header belongs to: ``seizures``, ``persons``, ``annual`` or ``""``."""
    names = {h.strip().lower() for h in header if h}
    if UNODC_MARKERS <= names:
        return "annual"
    if SEIZURE_MARKERS <= names:
        return "seizures"
    if PERSON_MARKERS <= names:
        return "persons"
    return ""


def _plausible_cp1251(data: bytes) -> bool:
    # 0x98 is undefined in Windows-1251; control bytes other than tab/newline mean binary.
    if b"\x98" in data or b"\x00" in data:
        return False
    return not data.translate(None, _TEXT_BYTES)


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a CSV header line: the most frequent of tab, `;` and `,`."""
    counts = {d: first_line.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class BrokenEncoding(ValueError):
    """UTF-8 text with an invalid byte: a damaged or truncated file, not Windows-1251."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the file decodes as UTF-8, else ``cp1251`` if plausible.

    Windows-1251 Cyrillic practically never forms valid UTF-8 sequences, so a file that has
    valid multi-byte UTF-8 before its first bad byte is reported as broken (``BrokenEncoding``
    with the line), not silently re-read as Windows-1251. Decodes incrementally so a large
    file is never held in memory twice.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 1
    saw_multibyte = False
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                # Valid multi-byte UTF-8 earlier in this same chunk counts too.
                if saw_multibyte or not chunk or not chunk[: error.start].isascii():
                    line = lines + chunk[: error.start].count(b"\n")
                    raise BrokenEncoding(line, str(error)) from None
                break
            lines += text.count("\n")
            saw_multibyte = saw_multibyte or not text.isascii()
            if not chunk:
                return "utf-8-sig"
        handle.seek(0)
        while chunk := handle.read(1 << 20):
            if not _plausible_cp1251(chunk):
                raise BrokenEncoding(0, "neither UTF-8 nor Windows-1251 text")
    return "cp1251"


def read_csv(path: Path, encoding: str) -> Sheet:
    """One sheet from a CSV file, streamed."""
    handle = path.open("r", encoding=encoding, newline="")
    first_line = handle.readline()
    handle.seek(0)
    if encoding == "utf-8-sig" and first_line.startswith("\ufeff"):
        first_line = first_line[1:]
    reader = csv.reader(handle, delimiter=sniff_delimiter(first_line))
    header = next(reader, [])

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        for number, row in enumerate(reader, start=2):
            if any(cell.strip() for cell in row):
                yield number, list(row)

    sheet = Sheet(path.name, path.stem, [h.strip() for h in header], rows())
    sheet.kind = recognise(sheet.header)
    if encoding != "utf-8-sig":
        sheet.notes.append("decoded as Windows-1251")
    return sheet


def read_xlsx(path: Path) -> list[Sheet]:
    """Sheets of a workbook; a title row above the header (UNODC exports) is skipped."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = []
    for worksheet in workbook.worksheets:
        iterator = enumerate(worksheet.iter_rows(values_only=True), start=1)
        header: list[str] = []
        for _number, values in iterator:
            cells = ["" if v is None else str(v).strip() for v in values]
            if recognise(cells) or sum(1 for c in cells if c) > 2:
                header = cells
                break
        while header and not header[-1]:
            header.pop()
        width = len(header)

        def rows(
            it: Iterator[tuple[int, tuple[Any, ...]]] = iterator, width: int = width
        ) -> Iterator[tuple[int, list[Cell]]]:
            for number, values in it:
                cells = list(values[:width])
                if any(c is not None and str(c).strip() for c in cells):
                    yield number, cells

        sheet = Sheet(path.name, worksheet.title, header, rows())
        sheet.kind = recognise(header)
        sheets.append(sheet)
    return sheets


def read_json(path: Path, text: str) -> list[Sheet]:
    """``[{...}, ...]`` (kind from the keys) or ``{"seizures": [...], "persons": [...]}``.

    The row number of a JSON object is its position in its list plus one, so that row 2 is
    the first object, as in a spreadsheet with a header.
    """
    if path.suffix.lower() == ".jsonl":  # one object per line, as ``dozor export`` writes
        data: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        data = json.loads(text)
    tables: dict[str, list[Any]] = {}
    if isinstance(data, list):
        tables[""] = data
    elif isinstance(data, dict):
        tables = {k: v for k, v in data.items() if isinstance(v, list)}
    sheets = []
    for name, objects in tables.items():
        header: list[str] = []
        for obj in objects:
            for key in obj if isinstance(obj, dict) else ():
                if key not in header:
                    header.append(str(key))

        def rows(
            objs: list[Any] = objects, cols: list[str] = header
        ) -> Iterator[tuple[int, list[Cell]]]:
            for number, obj in enumerate(objs, start=2):
                if isinstance(obj, dict):
                    yield number, [_json_cell(obj.get(c)) for c in cols]

        if not objects and name == "persons":
            # "persons": [] says "no persons" (an edit removing the last one): an empty sheet
            # with the template's columns, not a sheet missing its required columns.
            header = sorted(PERSON_REQUIRED)
        sheet = Sheet(path.name, name or path.stem, header, rows())
        sheet.kind = recognise(header) if name not in ("seizures", "persons") else name
        sheets.append(sheet)
    return sheets


def _json_cell(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def open_sheets(path: Path) -> list[Sheet]:
    """All sheets of an import file, by its extension (CSV for anything not XLSX/JSON)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    encoding = detect_encoding(path)
    if suffix in (".json", ".jsonl"):
        return read_json(path, path.read_text(encoding=encoding))
    return [read_csv(path, encoding)]
