"""Hit/no-hit selectors and their digests (DATA.md §2.8): what may be published, and as what.

Validated and released nominal objects are published as digests
``hex(HMAC-SHA256(network_key_vN, "v1|" + type + "|" + canonical))`` of their selectors:

- persons: passport numbers (``passport``), valid phone numbers (``phone``), and name plus a
  day-precision date of birth (``name_dob``);
- conveyances: the normalised plate (``plate``) and the VIN (``vin``).

Nothing is published for an object that is TLP:RED, ``org``, erased, has ``hit_publish=false``
or a data-subject category of ``DOZOR_HIT_EXCLUDED_CATEGORIES`` (witness, victim), or that is
linked to no validated or released seizure which is itself neither RED nor ``org``.

The index of these digests is kept by `dozor.access.hit_index`; queries against it are
answered by `dozor.access.hit_query`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, select

from dozor.access.keys import NetworkKey
from dozor.access.policy import row_filter
from dozor.domain.errors import InvalidValue
from dozor.domain.selectors import (
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_vin,
)
from dozor.domain.translit import person_name_key
from dozor.settings import Settings
from dozor.store.schema import (
    conveyance,
    identity_document,
    person,
    person_phone,
    seizure,
    seizure_conveyance,
    seizure_person,
)

DIGEST_SCHEME = "v1"
PERSON_SELECTORS = ("passport", "phone", "name_dob")
CONVEYANCE_SELECTORS = ("plate", "vin")
SELECTOR_TYPES = (*PERSON_SELECTORS, *CONVEYANCE_SELECTORS)
SHARED_STATUSES = ("validated", "released")
DAY_PRECISIONS = ("day", "minute")


# -- digests ----------------------------------------------------------------------------------


def digest(key: NetworkKey, selector_type: str, canonical: str) -> str:
    """``hex(HMAC-SHA256(key, "v1|" + type + "|" + canonical))``."""
    message = f"{DIGEST_SCHEME}|{selector_type}|{canonical}".encode()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def name_dob_canonical(surname: str, given_name: str | None, born: date) -> str:
    """``<sorted match keys of surname and first given name>|YYYY-MM-DD``."""
    return f"{person_name_key(surname, given_name)}|{born.isoformat()}"


def _parse_day(text: str) -> date:
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        day, month, year = (int(p) for p in value.split("."))
        return date(year, month, day)
    except ValueError:
        raise InvalidValue("invalid_date", "the date of birth is YYYY-MM-DD") from None


def _split_country(value: str, code: str) -> tuple[str, str]:
    country, sep, rest = value.partition(":")
    if not sep or not rest.strip():
        raise InvalidValue(code, "give the country first, as ISO3:VALUE (KAZ:N1234567)")
    return country, rest


def canonical_selector(
    selector_type: str,
    value: str,
    *,
    country: str | None = None,
    phone_region: str | None = None,
) -> str:
    """The canonical value of a selector as typed by a user (DATA.md §2.8).

    ``passport`` and ``plate`` need the issuing country: ``KAZ:N1234567`` or ``country=``.
    ``phone`` takes ``+CC…`` (or a national number of ``phone_region``) and must be valid.
    ``name_dob`` is ``SURNAME GIVEN|YYYY-MM-DD`` (or ``SURNAME,GIVEN|…``; order does not
    matter). Raises `InvalidValue` for anything that cannot be a selector.
    """
    text = value.strip()
    if selector_type == "passport":
        iso3, number = (country, text) if country else _split_country(text, "invalid_document")
        return normalise_passport(number, iso3)
    if selector_type == "plate":
        iso3, plate = (country, text) if country else _split_country(text, "invalid_plate")
        return normalise_plate(plate, iso3)
    if selector_type == "vin":
        return normalise_vin(text)
    if selector_type == "phone":
        phone = normalise_phone(text, phone_region)
        if not phone.valid or phone.e164 is None:
            raise InvalidValue("invalid_phone", "not a valid phone number")
        return phone.e164
    if selector_type == "name_dob":
        name, sep, born = text.rpartition("|")
        if not sep or not name.strip():
            raise InvalidValue("invalid_value", "name_dob is 'SURNAME GIVEN|YYYY-MM-DD'")
        if "," in name:
            surname, _, given = name.partition(",")
        else:
            surname, _, given = name.strip().partition(" ")
        if not surname.strip():
            raise InvalidValue("invalid_value", "name_dob needs a surname")
        return name_dob_canonical(surname, given.strip() or None, _parse_day(born))
    raise InvalidValue(
        "unknown_code",
        f"unknown selector type {selector_type!r}",
        allowed=", ".join(SELECTOR_TYPES),
    )


def parse_selector(text: str) -> tuple[str, str]:
    """``TYPE:VALUE`` → (type, value); e.g. ``passport:KAZ:N1234567``."""
    kind, sep, value = text.strip().partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in SELECTOR_TYPES:
        raise InvalidValue(
            "unknown_code", "a selector is TYPE:VALUE", allowed=", ".join(SELECTOR_TYPES)
        )
    return kind, value


# -- which objects, which selectors -----------------------------------------------------------


def excluded_categories(settings: Settings) -> tuple[str, ...]:
    """Data-subject categories never published (``DOZOR_HIT_EXCLUDED_CATEGORIES``)."""
    return tuple(c.strip() for c in settings.hit_excluded_categories.split(",") if c.strip())


def _linked_to_shared_seizure(
    table: Table, link: Table, column: str, scope: Select[Any] | None = None
) -> ColumnElement[bool]:
    # An uncorrelated IN: the link tables are indexed by seizure, not by person or vehicle,
    # so a correlated EXISTS would scan the links once per object. With a ``scope`` (the
    # objects of one seizure) the inner set is limited to them too: without it, every release
    # would walk the links of all shared seizures, a cost that grows with the node.
    shared_seizure = and_(
        seizure.c.status.in_(SHARED_STATUSES),
        seizure.c.tlp != "RED",
        seizure.c.distribution != "org",
    )
    shared = select(link.c[column]).join(seizure, link.c.seizure_id == seizure.c.id)
    if scope is None:
        return table.c.id.in_(shared.where(shared_seizure))
    # Start from the few links of the scope, not from every shared seizure's status entry.
    return table.c.id.in_(shared.where(link.c[column].in_(scope), row_filter(shared_seizure)))


def eligible_persons(
    settings: Settings, scope: Select[Any] | None = None
) -> list[ColumnElement[bool]]:
    """Conditions over ``person``: its digests may be published (of ``scope``'s ids, if given)."""
    where = [
        person.c.erased_at.is_(None),
        person.c.hit_publish.is_(True),
        person.c.tlp != "RED",
        person.c.distribution != "org",
        person.c.data_subject_category.not_in(excluded_categories(settings)),
        _linked_to_shared_seizure(person, seizure_person, "person_id", scope),
    ]
    if scope is not None:
        where.append(person.c.id.in_(scope))
    return where


def eligible_conveyances(scope: Select[Any] | None = None) -> list[ColumnElement[bool]]:
    """Conditions over ``conveyance``: its digests may be published (of ``scope``, if given)."""
    where = [
        conveyance.c.tlp != "RED",
        conveyance.c.distribution != "org",
        _linked_to_shared_seizure(conveyance, seizure_conveyance, "conveyance_id", scope),
    ]
    if scope is not None:
        where.append(conveyance.c.id.in_(scope))
    return where


@dataclass(slots=True)
class EligibleObject:
    """An eligible person or conveyance: its owner and its canonical selectors."""

    owner_agency_id: str
    owner_country: str | None
    selectors: set[tuple[str, str]] = field(default_factory=set)


ObjectKey = tuple[str, str]  # (object_type, object_id)


def linked_object_ids(kind: str, seizure_id: str | None) -> Select[Any] | None:
    """Ids of the persons or conveyances (``kind``) linked to a seizure; None for no seizure."""
    if seizure_id is None:
        return None
    if kind == "person":
        return select(seizure_person.c.person_id).where(seizure_person.c.seizure_id == seizure_id)
    return select(seizure_conveyance.c.conveyance_id).where(
        seizure_conveyance.c.seizure_id == seizure_id
    )


def _person_selectors(
    conn: Connection, settings: Settings, seizure_id: str | None
) -> dict[ObjectKey, EligibleObject]:
    where = eligible_persons(settings, linked_object_ids("person", seizure_id))
    found: dict[ObjectKey, EligibleObject] = {}
    rows = conn.execute(
        select(
            person.c.id,
            person.c.owner_agency_id,
            person.c.owner_country,
            person.c.surname,
            person.c.given_name,
            person.c.date_of_birth,
            person.c.dob_precision,
        ).where(*where)
    )
    for row in rows:
        item = found[("person", row.id)] = EligibleObject(row.owner_agency_id, row.owner_country)
        if row.date_of_birth is not None and row.dob_precision in DAY_PRECISIONS:
            born = row.date_of_birth
            born = born.date() if isinstance(born, datetime) else born
            canonical = name_dob_canonical(row.surname, row.given_name, born)
            if not canonical.startswith("|"):
                item.selectors.add(("name_dob", canonical))
    ids = select(person.c.id).where(*where)
    for phone in conn.execute(
        select(person_phone.c.person_id, person_phone.c.e164).where(
            person_phone.c.person_id.in_(ids),
            person_phone.c.valid.is_(True),
            person_phone.c.e164.is_not(None),
        )
    ):
        found[("person", phone.person_id)].selectors.add(("phone", phone.e164))
    for doc in conn.execute(
        select(
            identity_document.c.person_id,
            identity_document.c.issuing_country,
            identity_document.c.number,
            identity_document.c.number_norm,
        ).where(identity_document.c.person_id.in_(ids), identity_document.c.doc_type == "passport")
    ):
        passport = _passport_canonical(doc.number, doc.issuing_country, doc.number_norm)
        if passport:
            found[("person", doc.person_id)].selectors.add(("passport", passport))
    return found


def _passport_canonical(number: str, country: str, number_norm: str) -> str | None:
    for raw in (number, number_norm.partition(":")[2] if ":" in number_norm else number_norm):
        try:
            return normalise_passport(raw, country)
        except InvalidValue:
            continue
    return None


def _conveyance_selectors(
    conn: Connection, seizure_id: str | None
) -> dict[ObjectKey, EligibleObject]:
    where = eligible_conveyances(linked_object_ids("conveyance", seizure_id))
    found: dict[ObjectKey, EligibleObject] = {}
    rows = conn.execute(
        select(
            conveyance.c.id,
            conveyance.c.owner_agency_id,
            conveyance.c.owner_country,
            conveyance.c.plate,
            conveyance.c.plate_country,
            conveyance.c.plate_norm,
            conveyance.c.vin,
        ).where(*where)
    )
    for row in rows:
        item = found[("conveyance", row.id)] = EligibleObject(
            row.owner_agency_id, row.owner_country
        )
        plate = _plate_canonical(row.plate, row.plate_country, row.plate_norm)
        if plate:
            item.selectors.add(("plate", plate))
        if row.vin:
            try:
                item.selectors.add(("vin", normalise_vin(row.vin)))
            except InvalidValue:
                pass
    return found


def _plate_canonical(plate: str | None, country: str | None, norm: str | None) -> str | None:
    if plate and country:
        try:
            return normalise_plate(plate, country)
        except InvalidValue:
            pass
    return norm if norm and ":" in norm else None


def eligible_objects(
    conn: Connection, settings: Settings, seizure_id: str | None
) -> dict[ObjectKey, EligibleObject]:
    """The eligible persons and conveyances (those of one seizure, if given), with selectors."""
    return {
        **_person_selectors(conn, settings, seizure_id),
        **_conveyance_selectors(conn, seizure_id),
    }
