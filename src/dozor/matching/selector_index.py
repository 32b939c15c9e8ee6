"""The exact-correlation index: (selector kind, canonical value) → nominal objects.

One ``selector_entry`` row per distinct (kind, value, object). It is rewritten for the objects a
write touched, in the writer's own transaction (`reindex`), so the index never disagrees with
committed data; `rebuild` redoes it from scratch (``dozor correlate rebuild``) and `drift`
compares it with what it should hold.

Values are canonical as in DATA.md §2.8 (`dozor.domain.selectors`). A value that does not
normalise is **kept as written and flagged** (``valid = false``, ``flag`` = the normaliser's
error code) and never correlates: an invalid phone is "never used as a selector" (DATA.md §1),
and the other kinds follow the same rule. A VIN whose ISO 3779 check digit does not hold stays
valid with ``flag = vin_check_digit``: most VINs built outside North America do not use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select

from dozor.domain.errors import InvalidValue
from dozor.domain.selectors import (
    normalise_container,
    normalise_imei,
    normalise_national_id,
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_vin,
    vin_check_digit_ok,
)
from dozor.store.bulk import insert_rows
from dozor.store.schema import conveyance, identity_document, person, person_phone
from dozor.store.schema_matching import selector_entry

# The kind of each selector, and the table of the objects that carry it.
KIND_OBJECT = {
    "phone": "person",
    "passport": "person",
    "national_id": "person",
    "document": "person",  # driving licences, residence permits and other documents
    "plate": "conveyance",
    "vin": "conveyance",
    "container": "conveyance",
    "imei": "device",
    "company_registration": "organisation",
}
KINDS = tuple(KIND_OBJECT)
# Kinds that some stored column feeds today; the others are accepted by `canonical` (for
# exclusions and look-ups) but no table of DATA.md's model holds them yet.
INDEXED_KINDS = ("phone", "passport", "national_id", "document", "plate", "vin")
NATIONAL_ID_TYPES = {"KAZ": "iin", "UZB": "pinfl"}
VALUE_LENGTH = 120
_CHUNK = 500
_REGISTRATION = re.compile(r"[A-Z0-9]{3,30}")
_REGISTRATION_DROP = str.maketrans({" ": None, "-": None, ".": None, "/": None})


@dataclass(frozen=True, slots=True)
class Selector:
    """A selector value: canonical when ``valid``, else as written with the reason in ``flag``."""

    kind: str
    value: str
    valid: bool
    flag: str | None = None


def _as_written(kind: str, raw: str, code: str) -> Selector:
    return Selector(kind, " ".join(raw.split())[:VALUE_LENGTH], False, code)


def canonical(kind: str, raw: str, country: str | None = None) -> Selector:
    """The selector of ``raw``; a value that does not normalise comes back flagged, not raised.

    ``country`` is the issuing country (ISO3) of documents, plates, national ids and company
    registrations, and the default region of a phone number without ``+``. An unknown
    ``kind`` raises `InvalidValue` (``unknown_code``).
    """
    text = raw.strip()
    try:
        if kind == "phone":
            phone = normalise_phone(text, country)
            if phone.valid and phone.e164:
                return Selector(kind, phone.e164, True)
            return _as_written(kind, raw, "invalid_phone")
        if kind in ("passport", "document"):
            return Selector(kind, normalise_passport(text, country or ""), True)
        if kind == "national_id":
            iso3 = (country or "").strip().upper()
            id_type = NATIONAL_ID_TYPES.get(iso3, "nid")
            return Selector(kind, normalise_national_id(text, iso3, id_type), True)
        if kind == "plate":
            return Selector(kind, normalise_plate(text, country or ""), True)
        if kind == "vin":
            vin = normalise_vin(text)
            return Selector(kind, vin, True, None if vin_check_digit_ok(vin) else "vin_check_digit")
        if kind == "imei":
            return Selector(kind, normalise_imei(text), True)
        if kind == "container":
            return Selector(kind, normalise_container(text), True)
        if kind == "company_registration":
            iso3 = (country or "").strip().upper()
            number = " ".join(text.upper().split()).translate(_REGISTRATION_DROP)
            if len(iso3) == 3 and iso3.isalpha() and _REGISTRATION.fullmatch(number):
                return Selector(kind, f"{iso3}:{number}", True)
            return _as_written(kind, raw, "invalid_registration")
    except InvalidValue as error:
        return _as_written(kind, raw, error.code)
    raise InvalidValue("unknown_code", f"unknown selector kind {kind!r}", allowed=", ".join(KINDS))


# -- what an object holds -----------------------------------------------------------------------


def _document_kind(doc_type: str) -> str:
    if doc_type == "passport":
        return "passport"
    if doc_type in ("national_id_card", "national_id"):
        return "national_id"
    return "document"


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


Row = tuple[str, str, bool, str | None, str, str, str]  # kind, value, valid, flag, type, id, owner


def person_entries(conn: Connection, ids: Sequence[str]) -> list[Row]:
    """Index rows of these persons, from their phones and documents (erased persons: none)."""
    rows: list[Row] = []
    for chunk in _chunks(ids):
        owners = {
            r.id: r.owner_agency_id
            for r in conn.execute(
                select(person.c.id, person.c.owner_agency_id).where(
                    person.c.id.in_(chunk), person.c.erased_at.is_(None)
                )
            )
        }
        if not owners:
            continue
        alive = list(owners)
        found: list[tuple[str, Selector]] = []
        for phone in conn.execute(
            select(
                person_phone.c.person_id,
                person_phone.c.raw,
                person_phone.c.e164,
                person_phone.c.valid,
            ).where(person_phone.c.person_id.in_(alive))
        ):
            if phone.valid and phone.e164:
                found.append((phone.person_id, Selector("phone", phone.e164, True)))
            else:
                found.append((phone.person_id, _as_written("phone", phone.raw, "invalid_phone")))
        for doc in conn.execute(
            select(
                identity_document.c.person_id,
                identity_document.c.doc_type,
                identity_document.c.issuing_country,
                identity_document.c.number,
                identity_document.c.number_norm,
            ).where(identity_document.c.person_id.in_(alive))
        ):
            number = doc.number or doc.number_norm.partition(":")[2] or doc.number_norm
            kind = _document_kind(doc.doc_type)
            found.append((doc.person_id, canonical(kind, number, doc.issuing_country)))
        rows.extend(
            (s.kind, s.value, s.valid, s.flag, "person", pid, owners[pid]) for pid, s in found
        )
    return rows


def conveyance_entries(conn: Connection, ids: Sequence[str]) -> list[Row]:
    """Index rows of these conveyances, from their plates and VINs."""
    rows: list[Row] = []
    for chunk in _chunks(ids):
        for v in conn.execute(
            select(
                conveyance.c.id,
                conveyance.c.owner_agency_id,
                conveyance.c.plate,
                conveyance.c.plate_country,
                conveyance.c.plate_norm,
                conveyance.c.vin,
            ).where(conveyance.c.id.in_(chunk))
        ):
            found: list[Selector] = []
            if v.plate or v.plate_norm:
                plate = v.plate or v.plate_norm.partition(":")[2]
                found.append(canonical("plate", plate, v.plate_country))
            if v.vin:
                found.append(canonical("vin", v.vin))
            rows.extend(
                (s.kind, s.value, s.valid, s.flag, "conveyance", v.id, v.owner_agency_id)
                for s in found
            )
    return rows


_COLUMNS = ("kind", "value", "valid", "flag", "object_type", "object_id", "owner_agency_id")


def _insert(conn: Connection, rows: Iterable[Row]) -> int:
    unique: dict[tuple[str, str, str], Row] = {}
    for row in rows:
        unique.setdefault((row[0], row[1], row[5]), row)
    insert_rows(conn, selector_entry, _COLUMNS, list(unique.values()))
    return len(unique)


def reindex(
    conn: Connection, *, persons: Iterable[str] = (), conveyances: Iterable[str] = ()
) -> int:
    """Rewrite the index rows of these objects from their stored selectors; returns rows written.

    Call it in the transaction that changed the objects' phones, documents, plates or VINs (or
    deleted them): the import writer and retention do.
    """
    person_ids = sorted(set(persons))
    vehicle_ids = sorted(set(conveyances))
    for chunk in _chunks(person_ids + vehicle_ids):
        conn.execute(delete(selector_entry).where(selector_entry.c.object_id.in_(chunk)))
    rows = person_entries(conn, person_ids) + conveyance_entries(conn, vehicle_ids)
    return _insert(conn, rows)


@dataclass(slots=True)
class RebuildResult:
    """What a rebuild wrote."""

    persons: int = 0
    conveyances: int = 0
    entries: int = 0
    invalid: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "persons": self.persons,
            "conveyances": self.conveyances,
            "entries": self.entries,
            "invalid": self.invalid,
        }


def object_counts(conn: Connection) -> tuple[int, int]:
    """How many persons and conveyances a rebuild walks (for a progress bar)."""
    persons = conn.execute(select(func.count()).select_from(person)).scalar_one()
    vehicles = conn.execute(select(func.count()).select_from(conveyance)).scalar_one()
    return int(persons), int(vehicles)


def _all_ids(conn: Connection, table: Any) -> list[str]:
    return list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars())


def rebuild(
    conn: Connection, *, advance: Callable[[int], None] | None = None, batch: int = 2000
) -> RebuildResult:
    """Empty the index and write it again from every person and conveyance."""
    result = RebuildResult()
    conn.execute(delete(selector_entry))
    for table, entries in ((person, person_entries), (conveyance, conveyance_entries)):
        ids = _all_ids(conn, table)
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            rows = entries(conn, chunk)
            result.entries += _insert(conn, rows)
            result.invalid += sum(1 for r in rows if not r[2])
            if advance is not None:
                advance(len(chunk))
        if table is person:
            result.persons = len(ids)
        else:
            result.conveyances = len(ids)
    return result


def drift(conn: Connection) -> tuple[set[Row], set[Row]]:
    """(rows missing from the index, rows in it that should not be); both empty when right."""
    expected = set(
        person_entries(conn, _all_ids(conn, person))
        + conveyance_entries(conn, _all_ids(conn, conveyance))
    )
    stored = {
        (r.kind, r.value, bool(r.valid), r.flag, r.object_type, r.object_id, r.owner_agency_id)
        for r in conn.execute(select(*(selector_entry.c[c] for c in _COLUMNS)))
    }
    return expected - stored, stored - expected
