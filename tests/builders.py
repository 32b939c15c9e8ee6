"""Builders of import files for the tests: template rows as dicts, written as CSV, XLSX or JSON.

``seizure_row()`` and ``person_row()`` return a complete, valid row of the DATA.md §6 template
that uses codes of the shipped reference data (KAZ-CUSTOMS at the Zhibek Zholy road post, 12,5 kg
of «героин»); keyword arguments override single cells, and ``None`` removes a cell entirely so
that a file can lack a column. The writers take such dicts and write them exactly as a user's
spreadsheet program would, including the encodings and delimiters the importer must detect.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from dozor.ingest.template import PERSON_COLUMNS, SEIZURE_COLUMNS
from dozor.store.schema import (
    audit_log,
    conveyance,
    import_job,
    person,
    route_leg,
    seizure,
    seizure_item,
    seizure_pending,
    seizure_person,
    seizure_version,
)

Row = Mapping[str, Any]
SEIZURE_HEADER: tuple[str, ...] = SEIZURE_COLUMNS
PERSON_HEADER: tuple[str, ...] = PERSON_COLUMNS

SEIZURE_DEFAULTS: dict[str, Any] = {
    "seizure_ref": "KAZ-CUSTOMS/2024/000001",
    "reporting_country": "KAZ",
    "reporting_agency": "KAZ-CUSTOMS",
    "seizure_date": "14.05.2024 09:30",
    "location_type": "bcp_road",
    "bcp": "zhibek_zholy",
    "admin_region": "",
    "settlement": "",
    "latitude": "",
    "longitude": "",
    "drug": "героин",
    "quantity": "12,5",
    "unit": "кг",
    "form": "порошок",
    "purity_pct": "",
    "mode_of_transport": "road",
    "conveyance_type": "truck",
    "direction": "import",
    "concealment": "vehicle_built_compartment",
    "origin_country": "AFG",
    "departure_country": "",
    "destination_country": "RUS",
    "transit_countries": "TJK;UZB",
    "persons_arrested": "1",
    "tlp": "AMBER",
    "distribution": "national",
    "handling_code": "H0",
    "source_grade": "",
    "info_grade": "",
    "narrative": "",
}

PERSON_DEFAULTS: dict[str, Any] = {
    "seizure_ref": "KAZ-CUSTOMS/2024/000001",
    "role": "driver",
    "surname": "Юсупов",
    "given_name": "Бахтиёр",
    "patronymic": "",
    "date_of_birth": "12.03.1985",
    "sex": "M",
    "nationality": "UZB",
    "passport_country": "UZB",
    "passport_number": "AB1234567",
    "phone": "+998 90 123 45 67",
    "vehicle_plate": "01 A 123 BC",
    "vehicle_country": "UZB",
    "vin": "",
}

# The seizure-level columns: blank on the second and later rows of a multi-item seizure.
ITEM_COLUMNS = ("drug", "quantity", "unit", "form", "purity_pct")
SEIZURE_LEVEL = tuple(c for c in SEIZURE_COLUMNS if c not in ITEM_COLUMNS and c != "seizure_ref")


def _merge(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(defaults)
    for key, value in overrides.items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    return row


def seizure_row(**overrides: Any) -> dict[str, Any]:
    """A complete valid seizures-sheet row; ``name=None`` drops the column."""
    return _merge(SEIZURE_DEFAULTS, overrides)


def person_row(**overrides: Any) -> dict[str, Any]:
    """A complete valid persons-sheet row; ``name=None`` drops the column."""
    return _merge(PERSON_DEFAULTS, overrides)


def item_row(ref: str, **item: Any) -> dict[str, Any]:
    """A further item row of seizure ``ref``: every seizure-level cell blank."""
    row = seizure_row(seizure_ref=ref, **item)
    for name in SEIZURE_LEVEL:
        if name not in item:
            row[name] = ""
    return row


def columns_of(rows: Iterable[Row]) -> list[str]:
    """Every key of the rows, in first-seen order."""
    names: list[str] = []
    for row in rows:
        for key in row:
            if key not in names:
                names.append(key)
    return names


def csv_bytes(
    rows: Sequence[Row],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    columns: Sequence[str] | None = None,
) -> bytes:
    """The bytes of a CSV file holding ``rows`` (header = ``columns`` or the rows' keys)."""
    header = list(columns) if columns is not None else columns_of(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in header])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def write_csv(
    path: Path,
    rows: Sequence[Row],
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    columns: Sequence[str] | None = None,
) -> Path:
    """Write ``rows`` as a CSV file; returns ``path``."""
    path.write_bytes(
        csv_bytes(rows, delimiter=delimiter, encoding=encoding, bom=bom, columns=columns)
    )
    return path


def write_xlsx(
    path: Path,
    seizures: Sequence[Row],
    persons: Sequence[Row] | None = None,
    *,
    columns: Sequence[str] | None = None,
    person_columns: Sequence[str] | None = None,
) -> Path:
    """A workbook with a ``seizures`` sheet (and a ``persons`` sheet); values are written as
    given, so ``date``/``datetime``/``int``/``float``/``Decimal`` become native cells."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "seizures"
    tables: list[tuple[Any, Sequence[Row], Sequence[str] | None]] = [(sheet, seizures, columns)]
    if persons is not None:
        tables.append((workbook.create_sheet("persons"), persons, person_columns))
    for worksheet, rows, names in tables:
        header = list(names) if names is not None else columns_of(rows)
        worksheet.append(header)
        for row in rows:
            worksheet.append([None if row.get(c) in (None, "") else row.get(c) for c in header])
    workbook.save(path)
    return path


def write_json(path: Path, seizures: Sequence[Row], persons: Sequence[Row] | None = None) -> Path:
    """``{"seizures": [...], "persons": [...]}`` in UTF-8."""
    data: dict[str, Any] = {"seizures": [dict(r) for r in seizures]}
    if persons is not None:
        data["persons"] = [dict(r) for r in persons]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


COUNTED_TABLES = {
    "seizure": seizure,
    "seizure_item": seizure_item,
    "route_leg": route_leg,
    "person": person,
    "seizure_person": seizure_person,
    "conveyance": conveyance,
    "seizure_version": seizure_version,
    "seizure_pending": seizure_pending,
    "import_job": import_job,
    "audit_log": audit_log,
}


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts of the tables an import writes to."""
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in COUNTED_TABLES.items()
        }


def query(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of a SQL query as dicts (plain SQL so that tests read like the schema)."""
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(text(sql), params).mappings()]


def utc(value: Any) -> Any:
    """A stored ``DateTime(timezone=True)`` as an aware UTC datetime (SQLite gives naive)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
