"""Writes validated seizures in the caller's transaction: create, update or leave unchanged.

Idempotent on (reporting agency, seizure_ref): an unchanged seizure (same content hash) is a
no-op; a changed one becomes a new version, its items replaced as a set while keeping item ids
where (drug, unit, form) match in order; the superseded version is kept in ``seizure_version``.
A change to a validated or released seizure waits in ``seizure_pending`` for re-validation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, select

from dozor.domain.ids import uuid7
from dozor.ingest.drafts import ItemDraft, SeizureDraft
from dozor.ingest.person_writer import PersonWriter
from dozor.matching.maintain import objects_changed
from dozor.store.bulk import insert_rows
from dozor.store.change_feed import record_changes
from dozor.store.schema import (
    event_outbox,
    route_leg,
    seizure,
    seizure_item,
    seizure_pending,
)
from dozor.store.versions import json_default, replace_version

BATCH = 1000
LOCKED_STATUSES = frozenset({"validated", "released"})


@dataclass(slots=True)
class WriteCounts:
    """What a job did to the store."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pending: int = 0
    items: int = 0
    persons: int = 0


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _same(value: Any) -> Any:
    return value


def _by_code(value: Any) -> Any:
    return value.code


def _by_iso3(value: Any) -> Any:
    return value.iso3


# How a parsed cell is stored: code-list entries by code, countries by ISO3.
_STORED = {
    "reporting_country": _by_iso3,
    "origin_country": _by_iso3,
    "departure_country": _by_iso3,
    "destination_country": _by_iso3,
    "location_type": _by_code,
    "bcp": _by_code,
    "mode_of_transport": _by_code,
    "conveyance_type": _by_code,
    "direction": _by_code,
}


def _grading_version(source: Any, info: Any) -> int | None:
    grade = source or info
    return int(grade.mapping_version) if grade is not None else None


def seizure_content(draft: SeizureDraft) -> dict[str, Any]:
    """The columns of a seizure row that come from the file."""
    v = {name: _STORED.get(name, _same)(cell[0]) for name, cell in draft.values.items()}
    seized = draft.seized
    assert seized is not None and draft.seized_at is not None and draft.agency is not None
    source = draft.values["source_grade"][0] if "source_grade" in draft.values else None
    info = draft.values["info_grade"][0] if "info_grade" in draft.values else None
    country = v["reporting_country"]
    narrative = v.get("narrative")
    return {
        "local_ref": draft.ref,
        "reporting_country": country,
        "country_of_seizure": country,
        "seized_at": draft.seized_at,
        "seized_local": seized.iso(),
        "seized_date": seized.value.date(),
        "seized_precision": seized.precision,
        "tz": draft.tz,
        "location_type": v["location_type"],
        "bcp_code": v.get("bcp"),
        "admin_region": v.get("admin_region"),
        "settlement": v.get("settlement"),
        "lat": v.get("latitude"),
        "lon": v.get("longitude"),
        "geo_source": "map" if v.get("latitude") is not None else None,
        "mode_of_transport": v["mode_of_transport"],
        "conveyance_type": v.get("conveyance_type") or "unknown",
        "direction": v.get("direction") or "unknown",
        "concealment": ";".join(v.get("concealment") or ()) or None,
        "persons_arrested": v.get("persons_arrested"),
        "distribution": draft.distribution,
        "tlp": draft.tlp,
        "handling": draft.handling,
        "h3_text": draft.h3_text,
        "source_grade": source.text() if source else None,
        "source_grade_norm": source.norm if source else None,
        "info_grade": info.text() if info else None,
        "info_grade_norm": info.norm if info else None,
        "suspected_false": bool(
            (source and source.suspected_false) or (info and info.suspected_false)
        ),
        "grading_version": _grading_version(source, info),
        "narrative": narrative,
        "narrative_distribution": "national" if narrative else None,
        "narrative_tlp": ("AMBER" if draft.tlp in ("CLEAR", "GREEN") else draft.tlp)
        if narrative
        else None,
        "item_count": len(draft.items),
        "total_kg_eq": _num(sum((i.kg_eq for i in draft.items if i.kg_eq is not None), Decimal(0)))
        if any(i.kg_eq is not None for i in draft.items)
        else None,
    }


def item_content(item: ItemDraft, line_no: int) -> dict[str, Any]:
    """The columns of an item row."""
    return {
        "line_no": line_no,
        "substance_code": item.substance_code,
        "drug_group": item.drug_group,
        "reported_name": item.reported_name,
        "identification": item.identification,
        "quantity_reported": _dec(item.quantity),
        "unit_reported": item.unit,
        "quantity_text": item.quantity_text,
        "form": item.form,
        "purity_pct": _dec(item.purity_pct),
        "quantity_kg_eq": _num(item.kg_eq),
        "conversion_factor": _dec(item.factor),
        "conversion_rule_id": item.rule_id,
        "conversion_table_version": item.table_version,
        "pure_kg": _num(item.pure_kg),
        "heroin_eq_kg": _num(item.heroin_eq_kg),
    }


# Derived from other columns (seized_local + tz, quantity × factor), so left out of the hash.
_DERIVED = frozenset(
    {"seized_at", "seized_date", "total_kg_eq", "quantity_kg_eq", "pure_kg", "heroin_eq_kg"}
)


def content_hash(row: dict[str, Any], items: list[dict[str, Any]], legs: list[Any]) -> str:
    """Hash of everything a file says about a seizure (not ids, times or status).

    The dicts are built with a fixed key order and hold only text, numbers and None once the
    derived columns are left out, so joining their ``str`` is stable and cheap.
    """
    parts = [str(v) for k, v in row.items() if k not in _DERIVED]
    for item in items:
        parts.append("\x1e")
        parts.extend(str(v) for k, v in item.items() if k not in _DERIVED)
    for leg in legs:
        parts.append("\x1e")
        parts.extend(str(v) for v in leg.values())
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _insert_dicts(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Bulk-insert rows that all have the keys of the first one."""
    if rows:
        columns = tuple(rows[0])
        insert_rows(conn, table, columns, [tuple(r[c] for c in columns) for r in rows])


class SeizureWriter:
    """Buffers drafts and writes them in batches inside one transaction."""

    def __init__(
        self, conn: Connection, *, job_id: str, node: str, now: datetime, channel: str
    ) -> None:
        self.conn = conn
        self.job_id = job_id
        self.node = node
        self.now = now
        self.channel = channel
        self.counts = WriteCounts()
        self.user_id: str | None = None  # the importing user, recorded as creator/updater
        self.persons = PersonWriter(conn, node=node, now=now, channel=channel)
        self._buffer: list[SeizureDraft] = []
        self.written_ids: dict[tuple[str, str], str] = {}

    def add(self, draft: SeizureDraft) -> None:
        self._buffer.append(draft)
        if len(self._buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered."""
        if not self._buffer:
            return
        drafts, self._buffer = self._buffer, []
        existing = self._existing(drafts)
        new_seizures: list[dict[str, Any]] = []
        new_items: list[dict[str, Any]] = []
        new_legs: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for draft in drafts:
            assert draft.agency is not None
            content = seizure_content(draft)
            items = [item_content(item, n) for n, item in enumerate(draft.items, start=1)]
            legs = [{"seq": n, "role": r, "country": c} for n, (r, c) in enumerate(draft.legs, 1)]
            digest = content_hash(content, items, legs)
            found = existing.get((draft.agency.id, draft.ref))
            if found is None:
                seizure_id = uuid7()
                new_seizures.append(self._new_row(draft, content, digest, seizure_id))
                new_items.extend({"id": uuid7(), "seizure_id": seizure_id, **i} for i in items)
                new_legs.extend({"id": uuid7(), "seizure_id": seizure_id, **leg} for leg in legs)
                self.counts.created += 1
                self.counts.items += len(items)
            else:
                seizure_id = found["id"]
                if found["content_hash"] == digest:
                    self.counts.unchanged += 1
                elif found["status"] in LOCKED_STATUSES:
                    self._pending(seizure_id, content, items, legs, digest)
                else:
                    self._update(found, content, items, legs, digest)
                    events.append(self._event("seizure_updated", seizure_id))
            self.written_ids[(draft.agency.id, draft.ref)] = seizure_id
        _insert_dicts(self.conn, seizure, new_seizures)
        _insert_dicts(self.conn, seizure_item, new_items)
        _insert_dicts(self.conn, route_leg, new_legs)
        _insert_dicts(self.conn, event_outbox, events)
        record_changes(self.conn, (row["id"] for row in new_seizures), "created", self.now)
        for draft in drafts:
            if draft.persons or draft.persons_given:
                assert draft.agency is not None
                seizure_id = self.written_ids[(draft.agency.id, draft.ref)]
                self.counts.persons += self.persons.replace_for_seizure(seizure_id, draft)
        persons, vehicles = self.persons.take_touched()
        if persons or vehicles:
            objects_changed(self.conn, persons=persons, conveyances=vehicles)

    def _existing(self, drafts: list[SeizureDraft]) -> dict[tuple[str, str], dict[str, Any]]:
        by_agency: dict[str, list[str]] = {}
        for draft in drafts:
            assert draft.agency is not None
            by_agency.setdefault(draft.agency.id, []).append(draft.ref)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        columns = [
            seizure.c[name]
            for name in ("id", "owner_agency_id", "local_ref", "content_hash", "version", "status")
        ]
        for agency_id, refs in by_agency.items():
            query = select(*columns).where(
                seizure.c.owner_agency_id == agency_id, seizure.c.local_ref.in_(refs)
            )
            for row in self.conn.execute(query).mappings():
                found[(row["owner_agency_id"], row["local_ref"])] = dict(row)
        return found

    def _new_row(
        self, draft: SeizureDraft, content: dict[str, Any], digest: str, seizure_id: str
    ) -> dict[str, Any]:
        assert draft.agency is not None
        return {
            "id": seizure_id,
            "owner_agency_id": draft.agency.id,
            "owner_country": draft.agency.country,
            "origin_node": self.node,
            "version": 1,
            "source_type": "official_report",
            "reporting_channel": self.channel,
            "created_at": self.now,
            "created_by": self.user_id,
            "updated_at": self.now,
            "updated_by": self.user_id,
            "legal_basis": None,
            "status": "draft",
            "content_hash": digest,
            "import_job_id": self.job_id,
            "release_summary": None,
            "released_at": None,
            "retracted_reason": None,
            "detection": None,
            **content,
        }

    def _event(self, kind: str, seizure_id: str) -> dict[str, Any]:
        return {
            "at": self.now,
            "event_type": kind,
            "object_type": "seizure",
            "object_id": seizure_id,
            "payload": None,
        }

    def _update(
        self,
        found: dict[str, Any],
        content: dict[str, Any],
        items: list[dict[str, Any]],
        legs: list[dict[str, Any]],
        digest: str,
    ) -> None:
        replace_version(
            self.conn,
            seizure_id=found["id"],
            version=found["version"],
            content=content,
            items=items,
            legs=legs,
            digest=digest,
            now=self.now,
            user_id=self.user_id,
            job_id=self.job_id,
        )
        self.counts.updated += 1
        self.counts.items += len(items)

    def _pending(
        self,
        seizure_id: str,
        content: dict[str, Any],
        items: list[dict[str, Any]],
        legs: list[dict[str, Any]],
        digest: str,
    ) -> None:
        already = self.conn.execute(
            select(seizure_pending.c.seizure_id).where(
                seizure_pending.c.seizure_id == seizure_id,
                seizure_pending.c.content_hash == digest,
            )
        ).first()
        if already is not None:
            self.counts.unchanged += 1
            return
        if already is None:
            snapshot = json.dumps(
                {"seizure": content, "items": items, "route_legs": legs},
                sort_keys=True,
                default=json_default,
                ensure_ascii=False,
            )
            self.conn.execute(
                seizure_pending.insert(),
                {
                    "seizure_id": seizure_id,
                    "snapshot": snapshot,
                    "content_hash": digest,
                    "import_job_id": self.job_id,
                    "created_at": self.now,
                },
            )
        self.counts.pending += 1
