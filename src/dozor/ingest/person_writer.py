"""Writes the persons, documents, phones and vehicles named in an import.

A person is one Person per owner agency, found again by ``match_key`` plus date of birth
(DATA.md §6.3), so the same courier in two seizures of one agency is one record with two
links. Rows of one seizure with the same plate or VIN share one Conveyance. Each nominal part
takes the agency's nominal default marking (``national``, AMBER, H2) clipped to its seizure's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from dozor.domain.ids import uuid7
from dozor.domain.markings import Marking, clip_to_parent
from dozor.ingest.drafts import PersonDraft, SeizureDraft
from dozor.store.schema import (
    conveyance,
    identity_document,
    person,
    person_conveyance,
    person_phone,
    seizure_conveyance,
    seizure_person,
)

NOMINAL_DEFAULT = Marking("national", "AMBER", frozenset({"H2"}))


def nominal_marking(draft: SeizureDraft) -> Marking:
    """The nominal default clipped to the seizure's marking."""
    codes = frozenset(draft.handling.split(";")) if draft.handling else frozenset({"H0"})
    parent = Marking(draft.distribution, draft.tlp, codes, draft.h3_text)
    return clip_to_parent(NOMINAL_DEFAULT, parent)


class PersonWriter:
    """Finds or creates persons and conveyances and links them to seizures."""

    def __init__(self, conn: Connection, *, node: str, now: datetime, channel: str) -> None:
        self.conn = conn
        self.node = node
        self.now = now
        self.channel = channel
        self._persons: dict[tuple[str, str, date | None], str] = {}
        self._vehicles: dict[tuple[str, str], str] = {}
        # Objects whose selectors or names changed since the last `take_touched`: the
        # correlation index and blocking keys are rewritten for them in this transaction.
        self.touched_persons: set[str] = set()
        self.touched_vehicles: set[str] = set()

    def take_touched(self) -> tuple[set[str], set[str]]:
        """The persons and vehicles written since the last call (and forget them)."""
        touched = (self.touched_persons, self.touched_vehicles)
        self.touched_persons, self.touched_vehicles = set(), set()
        return touched

    def _provenance(self, agency_id: str, country: str | None, marking: Marking) -> dict[str, Any]:
        return {
            "owner_agency_id": agency_id,
            "owner_country": country,
            "origin_node": self.node,
            "version": 1,
            "source_type": "official_report",
            "reporting_channel": self.channel,
            "created_at": self.now,
            "updated_at": self.now,
            "distribution": marking.distribution,
            "tlp": marking.tlp,
            "handling": marking.handling_text(),
            "legal_basis": "import",
        }

    def replace_for_seizure(self, seizure_id: str, draft: SeizureDraft) -> int:
        """Make the seizure's persons exactly the draft's; returns how many were linked."""
        assert draft.agency is not None
        marking = nominal_marking(draft)
        self.conn.execute(delete(seizure_person).where(seizure_person.c.seizure_id == seizure_id))
        self.conn.execute(
            delete(seizure_conveyance).where(seizure_conveyance.c.seizure_id == seizure_id)
        )
        linked: set[str] = set()
        vehicles: set[str] = set()
        for draft_person in draft.persons:
            person_id = self._person(draft_person, draft, marking)
            if person_id in linked:
                continue
            linked.add(person_id)
            self.conn.execute(
                seizure_person.insert(),
                {
                    "seizure_id": seizure_id,
                    "person_id": person_id,
                    "role": draft_person.role,
                    "status": None,
                    "row_no": draft_person.row,
                },
            )
            vehicle_id = self._vehicle(draft_person, draft, marking)
            if vehicle_id is not None:
                if vehicle_id not in vehicles:
                    vehicles.add(vehicle_id)
                    self.conn.execute(
                        seizure_conveyance.insert(),
                        {
                            "seizure_id": seizure_id,
                            "conveyance_id": vehicle_id,
                            "role": "transporting",
                        },
                    )
                self._link_vehicle(person_id, vehicle_id, draft_person.role)
        return len(linked)

    def _person(self, draft: PersonDraft, seizure: SeizureDraft, marking: Marking) -> str:
        assert seizure.agency is not None
        agency_id = seizure.agency.id
        dob = draft.date_of_birth.value.date() if draft.date_of_birth else None
        key = (agency_id, draft.match_key, dob)
        person_id = self._persons.get(key)
        if person_id is None:
            found = self.conn.execute(
                select(person.c.id).where(
                    person.c.owner_agency_id == agency_id,
                    person.c.match_key == draft.match_key,
                    person.c.date_of_birth.is_(None)
                    if dob is None
                    else person.c.date_of_birth == dob,
                )
            ).first()
            person_id = found.id if found else None
        if person_id is None:
            person_id = uuid7()
            self.conn.execute(
                person.insert(),
                {
                    "id": person_id,
                    **self._provenance(agency_id, seizure.agency.country, marking),
                    "data_subject_category": draft.category,
                    "surname": draft.surname,
                    "given_name": draft.given_name,
                    "patronymic": draft.patronymic,
                    "script": draft.script,
                    "name_latin": draft.name_latin,
                    "match_key": draft.match_key,
                    "sex": draft.sex,
                    "date_of_birth": dob,
                    "dob_precision": draft.date_of_birth.precision if draft.date_of_birth else None,
                    "nationality": draft.nationality,
                    "hit_publish": True,
                    "retention_review_at": None,
                    "erased_at": None,
                },
            )
            self.touched_persons.add(person_id)
        self._persons[key] = person_id
        self._phone(person_id, draft)
        self._passport(person_id, draft)
        return person_id

    def _phone(self, person_id: str, draft: PersonDraft) -> None:
        phone = draft.phone
        if phone is None or draft.phone_raw is None:
            return
        existing = self.conn.execute(
            select(person_phone.c.id).where(
                person_phone.c.person_id == person_id, person_phone.c.raw == phone.raw
            )
        ).first()
        if existing is None:
            self.conn.execute(
                person_phone.insert(),
                {
                    "id": uuid7(),
                    "person_id": person_id,
                    "raw": phone.raw,
                    "e164": phone.e164,
                    "valid": phone.valid,
                    "country": phone.country,
                },
            )
            self.touched_persons.add(person_id)

    def _passport(self, person_id: str, draft: PersonDraft) -> None:
        if draft.passport_norm is None or draft.passport_country is None:
            return
        existing = self.conn.execute(
            select(identity_document.c.id).where(
                identity_document.c.person_id == person_id,
                identity_document.c.number_norm == draft.passport_norm,
            )
        ).first()
        if existing is None:
            self.conn.execute(
                identity_document.insert(),
                {
                    "id": uuid7(),
                    "person_id": person_id,
                    "doc_type": "passport",
                    "issuing_country": draft.passport_country,
                    "number": draft.passport_number or "",
                    "number_norm": draft.passport_norm,
                },
            )
            self.touched_persons.add(person_id)

    def _vehicle(self, draft: PersonDraft, seizure: SeizureDraft, marking: Marking) -> str | None:
        key_value = draft.plate_norm or draft.vin
        if key_value is None:
            return None
        assert seizure.agency is not None
        agency_id = seizure.agency.id
        key = (agency_id, key_value)
        vehicle_id = self._vehicles.get(key)
        if vehicle_id is None:
            column = conveyance.c.plate_norm if draft.plate_norm else conveyance.c.vin
            found = self.conn.execute(
                select(conveyance.c.id).where(
                    conveyance.c.owner_agency_id == agency_id, column == key_value
                )
            ).first()
            vehicle_id = found.id if found else None
        if vehicle_id is None:
            vehicle_id = uuid7()
            self.conn.execute(
                conveyance.insert(),
                {
                    "id": vehicle_id,
                    **self._provenance(agency_id, seizure.agency.country, marking),
                    "kind": "road_vehicle",
                    "vehicle_type": "other",
                    "plate": draft.plate,
                    "plate_country": draft.plate_country,
                    "plate_norm": draft.plate_norm,
                    "vin": draft.vin,
                    "description": None,
                },
            )
            self.touched_vehicles.add(vehicle_id)
        self._vehicles[key] = vehicle_id
        return vehicle_id

    def _link_vehicle(self, person_id: str, vehicle_id: str, role: str) -> None:
        link_role = "driver" if role == "driver" else ("owner" if role == "owner" else "passenger")
        existing = self.conn.execute(
            select(person_conveyance.c.person_id).where(
                person_conveyance.c.person_id == person_id,
                person_conveyance.c.conveyance_id == vehicle_id,
            )
        ).first()
        if existing is None:
            link = {"person_id": person_id, "conveyance_id": vehicle_id, "role": link_role}
            self.conn.execute(person_conveyance.insert(), link)
