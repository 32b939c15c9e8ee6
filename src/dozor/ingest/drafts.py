"""Validated records on their way into the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from dozor.domain.selectors import PhoneNumber
from dozor.domain.values import PartialDate
from dozor.ingest.context import AgencyRef


@dataclass(slots=True)
class ItemDraft:
    """One seizure item (a row of the seizures sheet)."""

    row: int
    substance_code: str
    drug_group: str | None
    reported_name: str
    identification: str
    quantity: Decimal
    quantity_text: str
    unit: str
    form: str | None
    purity_pct: Decimal | None
    kg_eq: Decimal | None = None
    factor: Decimal | None = None
    rule_id: str | None = None
    table_version: str | None = None
    pure_kg: Decimal | None = None
    heroin_eq_kg: Decimal | None = None


@dataclass(slots=True)
class PersonDraft:
    """One person row, with its conveyance if a plate or VIN is given."""

    row: int
    seizure_ref: str
    role: str
    category: str
    surname: str
    given_name: str | None
    patronymic: str | None
    script: str
    name_latin: str
    match_key: str
    date_of_birth: PartialDate | None
    sex: str | None
    nationality: str | None
    passport_country: str | None = None
    passport_number: str | None = None
    passport_norm: str | None = None
    phone_raw: str | None = None
    phone: PhoneNumber | None = None
    plate: str | None = None
    plate_country: str | None = None
    plate_norm: str | None = None
    vin: str | None = None


@dataclass(slots=True)
class SeizureDraft:
    """A seizure assembled from its rows; ``values`` holds parsed seizure-level cells."""

    ref: str
    first_row: int
    agency: AgencyRef | None = None
    values: dict[str, Any] = field(default_factory=dict)
    items: list[ItemDraft] = field(default_factory=list)
    persons: list[PersonDraft] = field(default_factory=list)
    # A persons sheet came with the file: its rows (maybe none) are this seizure's persons.
    persons_given: bool = False
    rows: list[int] = field(default_factory=list)
    invalid: bool = False
    seized: PartialDate | None = None
    seized_at: datetime | None = None
    tz: str = "UTC"
    legs: list[tuple[str, str]] = field(default_factory=list)
    tlp: str = "AMBER"
    distribution: str = "national"
    handling: str = "H0"
    h3_text: str | None = None
