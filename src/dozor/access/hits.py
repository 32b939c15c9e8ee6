"""Hit/no-hit (DATA.md §2.8): selector digests, their publication and withdrawal, queries.

Validated and released nominal objects are published as digests
``hex(HMAC-SHA256(network_key_vN, "v1|" + type + "|" + canonical))`` of their selectors:

- persons: passport numbers (``passport``), valid phone numbers (``phone``), and name plus a
  day-precision date of birth (``name_dob``);
- conveyances: the normalised plate (``plate``) and the VIN (``vin``).

Nothing is published for an object that is TLP:RED, ``org``, erased, has ``hit_publish=false``
or a data-subject category of ``DOZOR_HIT_EXCLUDED_CATEGORIES`` (witness, victim), or that is
linked to no validated or released seizure which is itself neither RED nor ``org``.

The index (``hit_digest``) holds only the digest, type, key version, owner agency and
country, an opaque random ``hit_ref`` and dates. A query answers ``{"hit": false}`` or the
owner agencies with a ``hit_ref`` each: never ids, names or content. Publication happens on
release (a ``workflow.after_release`` hook), withdrawal on retraction or narrowing
(``workflow.after_withdrawal``, and the release hook itself), and ``dozor hits publish``
re-synchronises everything (after a key rotation, for instance).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from dozor.access import audit, workflow
from dozor.access.keys import KeyStoreError, NetworkKey, load_keys
from dozor.access.policy import Viewer
from dozor.access.workflow import WorkflowError
from dozor.domain.errors import InvalidValue
from dozor.domain.selectors import (
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_vin,
)
from dozor.domain.translit import person_name_key
from dozor.settings import Settings, load_settings
from dozor.store.schema import (
    agency,
    audit_log,
    conveyance,
    event_outbox,
    hit_digest,
    identity_document,
    person,
    person_phone,
    seizure,
    seizure_conveyance,
    seizure_person,
)

log = logging.getLogger(__name__)

DIGEST_SCHEME = "v1"
PERSON_SELECTORS = ("passport", "phone", "name_dob")
CONVEYANCE_SELECTORS = ("plate", "vin")
SELECTOR_TYPES = (*PERSON_SELECTORS, *CONVEYANCE_SELECTORS)
QUERY_ROLES = frozenset({"analyst", "officer", "supervisor"})
SHARED_STATUSES = ("validated", "released")
DAY_PRECISIONS = ("day", "minute")
_CHUNK = 500


class AccessError(WorkflowError):
    """A refused hit query, access request or decision (HTTP status, code, en/ru message)."""


class Caller(Viewer, Protocol):
    """A principal acting: the policy's viewer plus the user id (``Principal`` fits)."""

    @property
    def user_id(self) -> str: ...


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


def _linked_to_shared_seizure(table: Table, link: Table, column: str) -> ColumnElement[bool]:
    # An uncorrelated IN: the link tables are indexed by seizure, not by person or vehicle,
    # so a correlated EXISTS would scan the links once per object.
    return table.c.id.in_(
        select(link.c[column])
        .join(seizure, link.c.seizure_id == seizure.c.id)
        .where(
            seizure.c.status.in_(SHARED_STATUSES),
            seizure.c.tlp != "RED",
            seizure.c.distribution != "org",
        )
    )


def eligible_persons(settings: Settings) -> list[ColumnElement[bool]]:
    """Conditions over ``person``: its digests may be published."""
    return [
        person.c.erased_at.is_(None),
        person.c.hit_publish.is_(True),
        person.c.tlp != "RED",
        person.c.distribution != "org",
        person.c.data_subject_category.not_in(excluded_categories(settings)),
        _linked_to_shared_seizure(person, seizure_person, "person_id"),
    ]


def eligible_conveyances() -> list[ColumnElement[bool]]:
    """Conditions over ``conveyance``: its digests may be published."""
    return [
        conveyance.c.tlp != "RED",
        conveyance.c.distribution != "org",
        _linked_to_shared_seizure(conveyance, seizure_conveyance, "conveyance_id"),
    ]


@dataclass(slots=True)
class _Object:
    owner_agency_id: str
    owner_country: str | None
    selectors: set[tuple[str, str]] = field(default_factory=set)


ObjectKey = tuple[str, str]  # (object_type, object_id)


def _scope(kind: str, seizure_id: str | None) -> Select[Any] | None:
    if seizure_id is None:
        return None
    if kind == "person":
        return select(seizure_person.c.person_id).where(seizure_person.c.seizure_id == seizure_id)
    return select(seizure_conveyance.c.conveyance_id).where(
        seizure_conveyance.c.seizure_id == seizure_id
    )


def _person_selectors(
    conn: Connection, settings: Settings, seizure_id: str | None
) -> dict[ObjectKey, _Object]:
    where = eligible_persons(settings)
    scope = _scope("person", seizure_id)
    if scope is not None:
        where.append(person.c.id.in_(scope))
    found: dict[ObjectKey, _Object] = {}
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
        item = found[("person", row.id)] = _Object(row.owner_agency_id, row.owner_country)
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


def _conveyance_selectors(conn: Connection, seizure_id: str | None) -> dict[ObjectKey, _Object]:
    where = eligible_conveyances()
    scope = _scope("conveyance", seizure_id)
    if scope is not None:
        where.append(conveyance.c.id.in_(scope))
    found: dict[ObjectKey, _Object] = {}
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
        item = found[("conveyance", row.id)] = _Object(row.owner_agency_id, row.owner_country)
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


# -- publication and withdrawal ---------------------------------------------------------------


@dataclass(slots=True)
class PublishResult:
    """What one synchronisation of the index did."""

    key_version: int | None
    objects: int = 0  # eligible objects in scope
    published: int = 0  # new digests
    kept: int = 0  # digests already there
    withdrawn: int = 0  # digests deleted (object no longer eligible, selector gone, expired)
    expiring: int = 0  # old-key digests given an expiry date
    matches: int = 0  # cross-country matches notified
    withdrawn_objects: set[str] = field(default_factory=set)
    published_objects: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_version": self.key_version,
            "objects": self.objects,
            "published": self.published,
            "kept": self.kept,
            "withdrawn": self.withdrawn,
            "expiring": self.expiring,
            "matches": self.matches,
        }


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def synchronise(
    conn: Connection,
    settings: Settings,
    *,
    now: datetime | None = None,
    seizure_id: str | None = None,
    publish: bool = True,
    key: NetworkKey | None = None,
) -> PublishResult:
    """Make the index match the data: publish what is eligible, withdraw what is not.

    ``seizure_id`` limits the work to the persons and conveyances linked to that seizure
    (eligibility still looks at all their links). ``publish=False`` only withdraws. Digests of
    older key versions get ``expires_at = now + DOZOR_HIT_DIGEST_GRACE_DAYS`` and are deleted
    once expired. Without a network key nothing is published, but withdrawal still works.
    """
    moment = now or datetime.now(UTC)
    if key is None and publish:
        try:
            keys = load_keys(settings)
        except KeyStoreError as error:
            log.warning("hit/no-hit: network keys unusable (%s); nothing published", error)
            keys = {}
        key = keys[max(keys)] if keys else None
    result = PublishResult(key.version if key else None)
    desired = {
        **_person_selectors(conn, settings, seizure_id),
        **_conveyance_selectors(conn, seizure_id),
    }
    result.objects = len(desired)
    wanted: dict[ObjectKey, set[tuple[str, str]]] = {}
    if key is not None and publish:
        for object_key, item in desired.items():
            wanted[object_key] = {(t, digest(key, t, c)) for t, c in item.selectors}
    grace = moment + timedelta(days=settings.hit_digest_grace_days)
    existing = select(
        hit_digest.c.id,
        hit_digest.c.object_type,
        hit_digest.c.object_id,
        hit_digest.c.selector_type,
        hit_digest.c.digest,
        hit_digest.c.key_version,
        hit_digest.c.expires_at,
    )
    if seizure_id is not None:
        scopes = [
            and_(hit_digest.c.object_type == kind, hit_digest.c.object_id.in_(query))
            for kind in ("person", "conveyance")
            if (query := _scope(kind, seizure_id)) is not None
        ]
        existing = existing.where(or_(*scopes))
    doomed: list[int] = []
    to_expire: list[int] = []
    for row in conn.execute(existing):
        object_key = (row.object_type, row.object_id)
        expires = _aware(row.expires_at)
        if expires is not None and expires <= moment:
            doomed.append(row.id)
        elif object_key not in desired:
            doomed.append(row.id)
            result.withdrawn_objects.add(row.object_id)
        elif key is None or not publish:
            continue
        elif row.key_version == key.version:
            if (row.selector_type, row.digest) in wanted[object_key]:
                wanted[object_key].discard((row.selector_type, row.digest))
                result.kept += 1
            else:
                doomed.append(row.id)
        elif expires is None:
            to_expire.append(row.id)
    for ids in _chunks(doomed):
        conn.execute(delete(hit_digest).where(hit_digest.c.id.in_(ids)))
    for ids in _chunks(to_expire):
        conn.execute(update(hit_digest).where(hit_digest.c.id.in_(ids)).values(expires_at=grace))
    result.withdrawn = len(doomed)
    result.expiring = len(to_expire)
    rows = []
    if key is not None:
        for object_key, digests in wanted.items():
            item = desired[object_key]
            for selector_type, value in sorted(digests):
                rows.append(
                    {
                        "digest": value,
                        "selector_type": selector_type,
                        "key_version": key.version,
                        "object_type": object_key[0],
                        "object_id": object_key[1],
                        "owner_agency_id": item.owner_agency_id,
                        "owner_country": item.owner_country,
                        "hit_ref": secrets.token_urlsafe(24),
                        "published_at": moment,
                        "expires_at": None,
                    }
                )
                result.published_objects.add(object_key[1])
    if rows:
        for batch in _chunks(rows):
            conn.execute(insert(hit_digest), list(batch))
        result.matches = _notify_matches(conn, rows, moment)
    result.published = len(rows)
    return result


def _notify_matches(conn: Connection, rows: list[dict[str, Any]], now: datetime) -> int:
    """New digests equal to ones owned in another country: tell both owners (no content).

    DATA.md §2.8 "Matching": the type, the other agency and country, and the ``hit_ref``;
    one ``selector_hit`` event per owner in the outbox. Matches within one country are left
    to local search under the policy.
    """
    by_digest: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_digest.setdefault(r["digest"], []).append(r)
    codes = {r.id: r.code for r in conn.execute(select(agency.c.id, agency.c.code))}
    events: list[dict[str, Any]] = []
    seen: set[frozenset[str]] = set()
    for values in _chunks(list(by_digest)):
        others = (
            conn.execute(
                select(
                    hit_digest.c.digest,
                    hit_digest.c.selector_type,
                    hit_digest.c.hit_ref,
                    hit_digest.c.owner_agency_id,
                    hit_digest.c.owner_country,
                ).where(hit_digest.c.digest.in_(values))
            )
            .mappings()
            .all()
        )
        for other in others:
            for mine in by_digest[other["digest"]]:
                pair = frozenset((mine["hit_ref"], other["hit_ref"]))
                if other["owner_country"] == mine["owner_country"] or pair in seen:
                    continue
                seen.add(pair)
                for own, theirs in ((mine, other), (other, mine)):
                    events.append(
                        {
                            "at": now,
                            "event_type": "selector_hit",
                            "object_type": "hit",
                            "object_id": own["hit_ref"],
                            "payload": json.dumps(
                                {
                                    "owner_agency": codes.get(own["owner_agency_id"]),
                                    "selector_type": own["selector_type"],
                                    "other_agency": codes.get(theirs["owner_agency_id"]),
                                    "other_country": theirs["owner_country"],
                                    "other_hit_ref": theirs["hit_ref"],
                                }
                            ),
                        }
                    )
    if events:
        conn.execute(insert(event_outbox), events)
    return len(seen)


def publish_all(
    conn: Connection, settings: Settings, *, now: datetime | None = None, channel: str = "system"
) -> PublishResult:
    """(Re)publish everything eligible with the current key; one audit entry with counts."""
    result = synchronise(conn, settings, now=now)
    details = {"scope": "all", **result.as_dict()}
    audit.record(
        conn,
        node=settings.node_code,
        action="hit_publish",
        channel=channel,
        object_type="hit_digest",
        details=details,
    )
    return result


def _audit_sync(
    conn: Connection, settings: Settings, seizure_id: str, result: PublishResult
) -> None:
    if result.published_objects or result.kept or result.expiring:
        audit.record(
            conn,
            node=settings.node_code,
            action="hit_publish",
            object_type="seizure",
            object_ids=[seizure_id, *sorted(result.published_objects)],
            details={"scope": "seizure", **result.as_dict()},
        )
    if result.withdrawn_objects:
        audit.record(
            conn,
            node=settings.node_code,
            action="hit_withdraw",
            object_type="seizure",
            object_ids=[seizure_id, *sorted(result.withdrawn_objects)],
            details={"withdrawn": result.withdrawn},
        )


def publish_for_seizure(
    conn: Connection, seizure_id: str, now: datetime, *, settings: Settings | None = None
) -> PublishResult:
    """Publish (and withdraw where needed) the digests of one seizure's nominal objects."""
    chosen = settings or _hook_settings()
    result = synchronise(conn, chosen, now=now, seizure_id=seizure_id)
    _audit_sync(conn, chosen, seizure_id, result)
    return result


def withdraw_for_seizure(
    conn: Connection, seizure_id: str, now: datetime, *, settings: Settings | None = None
) -> PublishResult:
    """Delete the digests of this seizure's objects that no shared seizure still carries."""
    chosen = settings or _hook_settings()
    result = synchronise(conn, chosen, now=now, seizure_id=seizure_id, publish=False)
    _audit_sync(conn, chosen, seizure_id, result)
    return result


def withdraw_object(conn: Connection, object_id: str) -> int:
    """Delete every digest of one object (erasure, deletion); returns how many."""
    done = conn.execute(delete(hit_digest).where(hit_digest.c.object_id == object_id))
    return int(done.rowcount or 0)


# -- workflow hooks ---------------------------------------------------------------------------

_hook_state: dict[str, Settings] = {}


def _hook_settings() -> Settings:
    # Read afresh (not the cached get_settings) so that the environment of the moment counts.
    return _hook_state.get("settings") or load_settings()


def _release_hook(conn: Connection, seizure_id: str, now: datetime) -> None:
    publish_for_seizure(conn, seizure_id, now)


def _withdrawal_hook(conn: Connection, seizure_id: str, now: datetime) -> None:
    withdraw_for_seizure(conn, seizure_id, now)


def install_hooks(settings: Settings | None = None) -> None:
    """Publish on release and withdraw on retraction. Idempotent; the latest settings win.

    Called by ``create_app`` and the CLI (never at import time), with the node's settings:
    the hooks need them to find the network key.
    """
    if settings is not None:
        _hook_state["settings"] = settings
    if _release_hook not in workflow.after_release:
        workflow.after_release.append(_release_hook)
    if _withdrawal_hook not in workflow.after_withdrawal:
        workflow.after_withdrawal.append(_withdrawal_hook)


def uninstall_hooks() -> None:
    """Remove the hooks and forget the settings (for tests that must leave no trace)."""
    _hook_state.clear()
    for hooks, hook in (
        (workflow.after_release, _release_hook),
        (workflow.after_withdrawal, _withdrawal_hook),
    ):
        while hook in hooks:
            hooks.remove(hook)


# -- queries ----------------------------------------------------------------------------------


def queries_today(conn: Connection, user_id: str, now: datetime) -> int:
    """Hit queries of one user in the 24 hours before ``now`` (from the audit log)."""
    since = now - timedelta(days=1)
    return int(
        conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(
                audit_log.c.action == "hit_query",
                audit_log.c.actor_user_id == user_id,
                audit_log.c.at > since,
            )
        ).scalar_one()
    )


def query_selector(
    conn: Connection,
    principal: Caller,
    selector_type: str,
    value: str,
    reason: str,
    *,
    settings: Settings,
    now: datetime | None = None,
    country: str | None = None,
    channel: str = "api",
) -> dict[str, Any]:
    """Ask whether another agency holds a selector: ``{"hit": false}`` or owners and refs.

    Every query is written to the audit log (``hit_query``: selector type, digest, result
    count and reason; never the value), refused ones included: a refusal raises
    `AccessError` *after* writing its audit entry, so callers commit before reporting it.
    Refusals: a role other than analyst, officer or supervisor (403), the daily limit (429),
    no reason (422), a value that cannot be a selector (422), no network key (503).
    """
    moment = now or datetime.now(UTC)
    details: dict[str, Any] = {"selector_type": selector_type}

    def refuse(status: int, code: str, en: str, ru: str) -> AccessError:
        audit.record(
            conn,
            node=settings.node_code,
            action="hit_query",
            channel=channel,
            actor_user_id=principal.user_id,
            actor_agency_id=principal.agency_id,
            details={**details, "refused": code},
        )
        return AccessError(status, code, en, ru)

    if not principal.roles & QUERY_ROLES:
        raise refuse(
            403,
            "role",
            "hit queries need the role analyst, officer or supervisor",
            "для запросов hit/no-hit нужна роль analyst, officer или supervisor",
        )
    limit = settings.hit_query_daily_limit
    if queries_today(conn, principal.user_id, moment) >= limit:
        raise refuse(
            429,
            "rate_limited",
            f"daily limit of {limit} hit queries reached",
            f"исчерпан дневной лимит запросов hit/no-hit ({limit})",
        )
    if not reason or not reason.strip():
        raise refuse(
            422, "reason_required", "a reason is required", "нужно указать причину запроса"
        )
    details["reason"] = reason.strip()[:500]
    try:
        canonical = canonical_selector(
            selector_type, value, country=country, phone_region=principal.country
        )
    except InvalidValue as error:
        raise refuse(
            422,
            "invalid_selector",
            f"not a valid {selector_type}: {error.message}",
            f"недопустимый селектор {selector_type}: {error.message}",
        ) from None
    try:
        keys = load_keys(settings)
    except KeyStoreError:
        keys = {}
    if not keys:
        raise refuse(
            503, "no_network_key", "this node holds no network key", "на узле нет сетевого ключа"
        )
    current = keys[max(keys)]
    digests = {digest(k, selector_type, canonical) for k in keys.values()}
    details["digest"] = digest(current, selector_type, canonical)
    details["key_version"] = current.version
    rows = conn.execute(
        select(
            hit_digest.c.hit_ref,
            hit_digest.c.object_type,
            hit_digest.c.object_id,
            hit_digest.c.key_version,
            agency.c.code,
        )
        .join(agency, agency.c.id == hit_digest.c.owner_agency_id)
        .where(
            hit_digest.c.digest.in_(digests),
            hit_digest.c.selector_type == selector_type,
            or_(hit_digest.c.expires_at.is_(None), hit_digest.c.expires_at > moment),
            hit_digest.c.owner_agency_id != principal.agency_id,
        )
        .order_by(hit_digest.c.key_version.desc())
    ).all()
    best: dict[tuple[str, str], Any] = {}
    for row in rows:  # one match per object: the newest key version's reference
        best.setdefault((row.object_type, row.object_id), row)
    matches = sorted(
        (
            {"owner_agency": r.code, "hit_ref": r.hit_ref, "selector_type": selector_type}
            for r in best.values()
        ),
        key=lambda m: (m["owner_agency"], m["hit_ref"]),
    )
    details["result_count"] = len(matches)
    audit.record(
        conn,
        node=settings.node_code,
        action="hit_query",
        channel=channel,
        actor_user_id=principal.user_id,
        actor_agency_id=principal.agency_id,
        details=details,
    )
    if not matches:
        return {"hit": False}
    return {"hit": True, "matches": matches}


def resolve_hit_ref(conn: Connection, hit_ref: str, now: datetime) -> dict[str, Any] | None:
    """The index row behind a ``hit_ref`` (not expired), for access requests; else None."""
    row = (
        conn.execute(
            select(hit_digest).where(
                hit_digest.c.hit_ref == hit_ref,
                or_(hit_digest.c.expires_at.is_(None), hit_digest.c.expires_at > now),
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def digest_counts(conn: Connection) -> dict[str, int]:
    """Digests in the index by selector type (for status displays)."""
    rows = conn.execute(
        select(hit_digest.c.selector_type, func.count()).group_by(hit_digest.c.selector_type)
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def object_ids_with_digests(conn: Connection, object_ids: Iterable[str]) -> set[str]:
    """Which of ``object_ids`` have at least one digest."""
    ids = list(object_ids)
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(
            conn.execute(
                select(hit_digest.c.object_id).where(hit_digest.c.object_id.in_(chunk)).distinct()
            ).scalars()
        )
    return found
