"""Exports of seizures (template columns plus derived ones) and of official annual totals.

A seizure export writes one row per item in the import template's columns, with each value as
it was reported (drug name and quantity as written), so importing the export into an empty
database gives the same records; derived columns follow and are ignored by the importer.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, select, true

from dozor.access.policy import Viewer, narrative_visible, seizure_visible
from dozor.ingest.template import DERIVED_COLUMNS, SEIZURE_COLUMNS, UNODC_COLUMNS, UNODC_TITLE
from dozor.ingest.unodc import kilograms_decimal
from dozor.store.schema import agency, official_annual_total, route_leg, seizure, seizure_item

EXPORT_COLUMNS: tuple[str, ...] = (*SEIZURE_COLUMNS, *DERIVED_COLUMNS)
FORMATS = ("csv", "jsonl", "xlsx")


def _date_text(local: str) -> str:
    return local.replace("T", " ")


def _float_text(value: float | None) -> str:
    if value is None:
        return ""
    return repr(value) if not float(value).is_integer() else str(int(value))


def seizure_rows(
    conn: Connection, batch: int = 2000, viewer: Viewer | None = None
) -> Iterator[dict[str, str]]:
    """Every item of every seizure the viewer may read as an export row, in a stable order.

    With ``viewer=None`` this is the node operator's full export (the CLI acts as the node's
    administrator). With a viewer, the policy filters the seizures in the query and the
    narrative (nominal) is exported only where the viewer may read it. The caller audits.
    """
    visible = seizure_visible(viewer) if viewer is not None else true()
    narrative_ok = narrative_visible(viewer) if viewer is not None else true()
    agencies = dict(conn.execute(select(agency.c.id, agency.c.code)).all())
    last_id = ""
    while True:
        heads = (
            conn.execute(
                select(seizure, narrative_ok.label("narrative_ok"))
                .where(seizure.c.id > last_id, visible)
                .order_by(seizure.c.id)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not heads:
            return
        ids = [h["id"] for h in heads]
        last_id = ids[-1]
        items: dict[str, list[Any]] = {}
        for item in conn.execute(
            select(seizure_item)
            .where(seizure_item.c.seizure_id.in_(ids))
            .order_by(seizure_item.c.line_no)
        ).mappings():
            items.setdefault(item["seizure_id"], []).append(item)
        legs: dict[str, list[Any]] = {}
        for leg in conn.execute(
            select(route_leg).where(route_leg.c.seizure_id.in_(ids)).order_by(route_leg.c.seq)
        ).mappings():
            legs.setdefault(leg["seizure_id"], []).append(leg)
        for head in heads:
            yield from _rows_of(head, items.get(head["id"], []), legs.get(head["id"], []), agencies)


def _rows_of(
    head: Any, items: list[Any], legs: list[Any], agencies: dict[str, str]
) -> Iterator[dict[str, str]]:
    by_role: dict[str, list[str]] = {}
    for leg in legs:
        by_role.setdefault(leg["role"], []).append(leg["country"])
    handling = head["handling"]
    if head["h3_text"]:
        handling = ";".join(
            f"H3:{head['h3_text']}" if c == "H3" else c for c in handling.split(";")
        )
    common = {
        "seizure_ref": head["local_ref"],
        "reporting_country": head["reporting_country"],
        "reporting_agency": agencies.get(head["owner_agency_id"], ""),
        "seizure_date": _date_text(head["seized_local"]),
        "location_type": head["location_type"],
        "bcp": head["bcp_code"] or "",
        "admin_region": head["admin_region"] or "",
        "settlement": head["settlement"] or "",
        "latitude": _float_text(head["lat"]),
        "longitude": _float_text(head["lon"]),
        "mode_of_transport": head["mode_of_transport"],
        "conveyance_type": head["conveyance_type"],
        "direction": head["direction"],
        "concealment": head["concealment"] or "",
        "origin_country": ";".join(by_role.get("origin", [])),
        "departure_country": ";".join(by_role.get("departure", [])),
        "destination_country": ";".join(by_role.get("destination", [])),
        "transit_countries": ";".join(by_role.get("transit", [])),
        "persons_arrested": ""
        if head["persons_arrested"] is None
        else str(head["persons_arrested"]),
        "tlp": head["tlp"],
        "distribution": head["distribution"],
        "handling_code": handling,
        "source_grade": head["source_grade"] or "",
        "info_grade": head["info_grade"] or "",
        "narrative": (head["narrative"] or "") if head["narrative_ok"] else "",
    }
    for item in items:
        yield {
            **common,
            "drug": item["reported_name"],
            "quantity": item["quantity_text"],
            "unit": item["unit_reported"],
            "form": item["form"] or "",
            "purity_pct": item["purity_pct"] or "",
            "drug_code": item["substance_code"],
            "drug_group": item["drug_group"] or "",
            "quantity_kg_eq": _float_text(item["quantity_kg_eq"]),
            "factor_version": item["conversion_table_version"] or "",
        }


def write_seizures(
    conn: Connection, fmt: str, out: TextIO | Path, viewer: Viewer | None = None
) -> int:
    """Write the seizure export (as ``viewer`` may see it); returns the number of item rows."""
    rows = seizure_rows(conn, viewer=viewer)
    if fmt == "xlsx":
        assert isinstance(out, Path)
        return _write_xlsx(
            out, "seizures", None, EXPORT_COLUMNS, ([r[c] for c in EXPORT_COLUMNS] for r in rows)
        )
    return _write_text(out, fmt, EXPORT_COLUMNS, rows)


def _write_text(
    out: TextIO | Path, fmt: str, columns: tuple[str, ...], rows: Iterator[dict[str, Any]]
) -> int:
    handle = out.open("w", encoding="utf-8", newline="") if isinstance(out, Path) else out
    count = 0
    try:
        if fmt == "jsonl":
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        else:
            writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                count += 1
    finally:
        if isinstance(out, Path):
            handle.close()
    return count


def _write_xlsx(
    path: Path, sheet: str, title: str | None, columns: tuple[str, ...], rows: Iterator[list[Any]]
) -> int:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)

    def cell(value: Any) -> Any:
        # Text starting with "=" would become a formula (its text lost on reading); an
        # ExactNumber is written as its own digits, not openpyxl's 16-digit "%.16g".
        if isinstance(value, ExactNumber):
            written = WriteOnlyCell(worksheet, value=value.text)
            written.data_type = "n"
            return written
        if isinstance(value, str) and value.startswith("="):
            written = WriteOnlyCell(worksheet, value=value)
            written.data_type = "s"
            return written
        return value

    if title is not None:
        worksheet.append([title])
    worksheet.append(list(columns))
    count = 0
    for row in rows:
        worksheet.append([cell(v) for v in row])
        count += 1
    workbook.save(path)
    return count


class ExactNumber:
    """A number for an XLSX cell, written with all the digits of its shortest exact text."""

    __slots__ = ("text",)

    def __init__(self, value: int | float) -> None:
        self.text = str(value) if isinstance(value, int) else repr(value)


def _kilograms_value(text: str | None) -> int | float | None:
    """The stored exact text as the number UNODC's workbook holds (int, or float if it has a
    fraction or exponent); the text may use a decimal comma or spaces if it came from a CSV."""
    if text is None:
        return None
    number = kilograms_decimal(text)
    if any(ch in text for ch in ".,eE"):
        return float(number)
    return int(number)


def annual_rows(conn: Connection) -> Iterator[list[Any]]:
    """Official annual totals in the UNODC layout, in the order they were imported."""
    query = select(official_annual_total).order_by(
        official_annual_total.c.import_job_id, official_annual_total.c.row_no
    )
    for row in conn.execute(query).mappings():
        yield [
            row["region"],
            row["subregion"],
            row["country_name"],
            row["drug_group_name"],
            row["drug_subgroup_name"],
            row["drug_name"],
            row["year"],
            _kilograms_value(row["kilograms"]),
            row["country"],
        ]


def _exact(row: list[Any]) -> list[Any]:
    kilograms = row[7]
    return [*row[:7], None if kilograms is None else ExactNumber(kilograms), row[8]]


def write_annual(conn: Connection, fmt: str, out: TextIO | Path) -> int:
    """Write the annual totals back in UNODC's layout (XLSX keeps UNODC's title row)."""
    if fmt == "xlsx":
        assert isinstance(out, Path)
        return _write_xlsx(
            out, "Export", UNODC_TITLE, UNODC_COLUMNS, (_exact(r) for r in annual_rows(conn))
        )
    handle = out.open("w", encoding="utf-8", newline="") if isinstance(out, Path) else out
    count = 0
    try:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(UNODC_COLUMNS)
        for row in annual_rows(conn):
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    finally:
        if isinstance(out, Path):
            handle.close()
    return count


def template_view(
    record: dict[str, Any],
) -> tuple[dict[str, str], list[dict[str, str]], list[dict[str, str]]]:
    """A record as read through the policy, back in template form: head, items, persons."""
    legs = record.get("route_legs", [])
    items = record.get("items", [])
    head_source = {**record, "narrative_ok": "narrative" in record}
    rows = list(
        _rows_of(head_source, items, legs, {record["owner_agency_id"]: record["owner_agency"]})
    )
    level = set(SEIZURE_COLUMNS) - {"drug", "quantity", "unit", "form", "purity_pct"}
    head = {k: v for k, v in rows[0].items() if k in level and v != ""} if rows else {}
    item_rows = [
        {k: r[k] for k in ("drug", "quantity", "unit", "form", "purity_pct") if r[k]} for r in rows
    ]
    persons = []
    for entry in record.get("persons", []):
        person = {
            "role": entry["role"],
            "surname": entry["surname"],
            "given_name": entry.get("given_name") or "",
            "patronymic": entry.get("patronymic") or "",
            "sex": entry.get("sex") or "",
            "nationality": entry.get("nationality") or "",
        }
        if entry.get("date_of_birth"):
            person["date_of_birth"] = str(entry["date_of_birth"])
        if entry.get("phones"):
            person["phone"] = entry["phones"][0]["raw"]
        if entry.get("documents"):
            person["passport_country"] = entry["documents"][0]["issuing_country"]
            person["passport_number"] = entry["documents"][0]["number"]
        persons.append({k: v for k, v in person.items() if v})
    return head, item_rows, persons
