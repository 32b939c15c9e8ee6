"""Single records from the API and the form, through the import's validation and writer.

A record posted as JSON becomes one seizure in the import template (first item row carrying the
seizure-level fields) and goes through ``import_file``: the same checks, the same error codes
and messages, the same atomic, idempotent write. Only the channel and the importer differ.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from dozor.ingest.context import Importer
from dozor.ingest.service import ImportResult, import_file
from dozor.ingest.template import ITEM_COLUMNS, PERSON_COLUMNS, SEIZURE_LEVEL_COLUMNS
from dozor.settings import Settings
from dozor.store.schema import agency, seizure


@dataclass(frozen=True, slots=True)
class Author:
    """The user writing a record."""

    user_id: str
    agency_id: str
    agency_code: str
    country: str | None
    is_national_admin: bool = False


def template_rows(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``{"seizure": {...}, "items": [...], "persons": [...]}`` → seizure and person rows."""
    head = {k: v for k, v in (body.get("seizure") or {}).items() if k in SEIZURE_LEVEL_COLUMNS}
    ref = head.get("seizure_ref")
    items = body.get("items") or [{}]
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        row = dict(head) if index == 0 else {"seizure_ref": ref}
        row.update({k: v for k, v in item.items() if k in ITEM_COLUMNS})
        rows.append(row)
    persons = []
    for entry in body.get("persons") or []:
        person = {k: v for k, v in entry.items() if k in PERSON_COLUMNS}
        person["seizure_ref"] = ref
        persons.append(person)
    return rows, persons


def save_record(
    engine: Engine,
    settings: Settings,
    author: Author,
    body: dict[str, Any],
    *,
    channel: str = "api",
    dry_run: bool = False,
) -> ImportResult:
    """Create or update one seizure (key: the author's agency + ``seizure_ref``)."""
    body = json.loads(json.dumps(body, default=str))
    seizure_part = dict(body.get("seizure") or {})
    seizure_part.setdefault("reporting_agency", author.agency_code)
    if author.country:
        seizure_part.setdefault("reporting_country", author.country)
    body["seizure"] = seizure_part
    rows, persons = template_rows(body)
    importer = Importer(
        user_id=author.user_id,
        agency_id=author.agency_id,
        country=author.country,
        is_national_admin=author.is_national_admin,
        is_node_admin=False,
    )
    with tempfile.TemporaryDirectory(prefix="dozor-record-") as folder:
        path = Path(folder) / "record.json"
        content: dict[str, Any] = {"seizures": rows}
        if persons or "persons" in body:
            content["persons"] = persons
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        return import_file(
            engine,
            settings,
            path,
            importer=importer,
            agency_code=author.agency_code,
            channel=channel,
            dry_run=dry_run,
        )


def record_id(conn: Connection, agency_code: str, seizure_ref: str) -> str | None:
    """The id of an agency's seizure by its reference."""
    query = (
        select(seizure.c.id)
        .join(agency, agency.c.id == seizure.c.owner_agency_id)
        .where(agency.c.code == agency_code, seizure.c.local_ref == seizure_ref)
    )
    found = conn.execute(query).scalar()
    return str(found) if found is not None else None
