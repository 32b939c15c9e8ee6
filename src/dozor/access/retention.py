"""Retention of nominal data (DATA.md §2.1 ``retention_review_at``, §2.8 withdrawal).

Rules in ``retention_rule`` give, per country and data-subject category, how many years after
its last update a person is due for review and after how many years its nominal part is
erased. Defaults (``DOZOR_RETENTION_YEARS`` = 5, ``DOZOR_RETENTION_ERASE_YEARS`` = 10) are
seeded for the five countries and every category when the table is empty.

Erasure keeps the non-nominal facts: the seizure, its items and the link with its role stay;
the person becomes a tombstone (surname ``[erased]``, other name parts, date of birth and
nationality cleared, ``erased_at`` set), its phones and documents are deleted, its digests are
withdrawn, and a vehicle it was linked to goes too when no other person still refers to it.
Each erasure writes one ``retention_erase`` audit entry holding ids only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from dozor.access import audit
from dozor.access.hit_index import withdraw_object
from dozor.matching.maintain import objects_changed
from dozor.settings import Settings
from dozor.store.schema import (
    conveyance,
    identity_document,
    person,
    person_conveyance,
    person_phone,
    retention_rule,
    seizure_conveyance,
)

COUNTRIES = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
CATEGORIES = (
    "suspect",
    "arrested",
    "accused",
    "convicted",
    "person_of_interest",
    "contact_associate",
    "witness",
    "victim",
)
TOMBSTONE_SURNAME = "[erased]"


class RetentionError(ValueError):
    """A rule that cannot be stored."""


@dataclass(frozen=True, slots=True)
class Rule:
    """Review and erasure periods of one country and category."""

    review_years: int
    erase_after_years: int


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def seed_rules(conn: Connection, settings: Settings) -> int:
    """Insert the default rules (five countries × eight categories) if there are none."""
    if conn.execute(select(func.count()).select_from(retention_rule)).scalar_one():
        return 0
    rows = [
        {
            "country": c,
            "data_subject_category": k,
            "review_years": settings.retention_years,
            "erase_after_years": settings.retention_erase_years,
        }
        for c in COUNTRIES
        for k in CATEGORIES
    ]
    conn.execute(insert(retention_rule), rows)
    return len(rows)


def load_rules(conn: Connection) -> dict[tuple[str, str], Rule]:
    """Every rule by (country, category)."""
    return {
        (r.country, r.data_subject_category): Rule(r.review_years, r.erase_after_years)
        for r in conn.execute(select(retention_rule))
    }


def set_rule(
    conn: Connection,
    settings: Settings,
    country: str,
    category: str,
    review_years: int,
    erase_years: int,
    *,
    actor_user_id: str | None = None,
    channel: str = "system",
) -> None:
    """Create or change one rule (the defaults are seeded first); audited as admin_change."""
    iso3 = country.strip().upper()
    if len(iso3) != 3 or not iso3.isalpha():
        raise RetentionError("the country is an ISO 3166-1 alpha-3 code")
    if category not in CATEGORIES:
        raise RetentionError(f"the category is one of {', '.join(CATEGORIES)}")
    if not 1 <= review_years <= 100 or not 1 <= erase_years <= 100:
        raise RetentionError("years are 1 to 100")
    if erase_years < review_years:
        raise RetentionError("erasure cannot come before the review")
    seed_rules(conn, settings)
    key = (retention_rule.c.country == iso3, retention_rule.c.data_subject_category == category)
    values = {"review_years": review_years, "erase_after_years": erase_years}
    if conn.execute(select(retention_rule.c.country).where(*key)).first() is None:
        conn.execute(
            insert(retention_rule), {"country": iso3, "data_subject_category": category, **values}
        )
    else:
        conn.execute(update(retention_rule).where(*key).values(**values))
    audit.record(
        conn,
        node=settings.node_code,
        action="admin_change",
        channel=channel,
        actor_user_id=actor_user_id,
        object_type="retention_rule",
        object_ids=[f"{iso3}:{category}"],
        details={"change": "retention_rule", **values},
    )


@dataclass(slots=True)
class RetentionReport:
    """Persons due for review and persons erased (or to be erased, in a dry run)."""

    dry_run: bool
    seeded: int = 0
    due_review: list[dict[str, Any]] = field(default_factory=list)
    erased: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "seeded_rules": self.seeded,
            "due_review": self.due_review,
            "erased": self.erased,
        }


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is None else value.astimezone(UTC)
        return moment.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def run(
    conn: Connection,
    settings: Settings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    actor_user_id: str | None = None,
    channel: str = "system",
) -> RetentionReport:
    """Seed rules if needed, list persons due for review, erase those past the deadline.

    Review is due at ``retention_review_at`` when set, else at the last update plus the
    rule's review years; erasure at the last update plus its erase years.
    """
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    report = RetentionReport(dry_run=dry_run)
    report.seeded = 0 if dry_run else seed_rules(conn, settings)
    rules = load_rules(conn)
    default = Rule(settings.retention_years, settings.retention_erase_years)
    rows = conn.execute(
        select(
            person.c.id,
            person.c.owner_country,
            person.c.data_subject_category,
            person.c.updated_at,
            person.c.retention_review_at,
        )
        .where(person.c.erased_at.is_(None))
        .order_by(person.c.id)
    ).all()
    for row in rows:
        rule = rules.get((row.owner_country or "", row.data_subject_category), default)
        updated = _day(row.updated_at)
        erase_at = add_years(updated, rule.erase_after_years)
        review_at = (
            _day(row.retention_review_at)
            if row.retention_review_at
            else add_years(updated, rule.review_years)
        )
        if erase_at <= today:
            entry: dict[str, Any] = {"person_id": row.id, "erase_at": erase_at.isoformat()}
            if not dry_run:
                entry["conveyance_ids"] = erase_person(
                    conn, settings, row.id, now=now, actor_user_id=actor_user_id, channel=channel
                )
            report.erased.append(entry)
        elif review_at <= today:
            report.due_review.append({"person_id": row.id, "review_at": review_at.isoformat()})
    return report


def erase_person(
    conn: Connection,
    settings: Settings,
    person_id: str,
    *,
    now: datetime | None = None,
    actor_user_id: str | None = None,
    channel: str = "system",
) -> list[str]:
    """Erase one person's nominal part; returns the ids of vehicles erased with it."""
    moment = now or datetime.now(UTC)
    conn.execute(delete(person_phone).where(person_phone.c.person_id == person_id))
    conn.execute(delete(identity_document).where(identity_document.c.person_id == person_id))
    conn.execute(
        update(person)
        .where(person.c.id == person_id)
        .values(
            surname=TOMBSTONE_SURNAME,
            given_name=None,
            patronymic=None,
            name_latin=None,
            match_key="",
            date_of_birth=None,
            dob_precision=None,
            nationality=None,
            retention_review_at=None,
            erased_at=moment,
            updated_at=moment,
            version=person.c.version + 1,
        )
    )
    digests = withdraw_object(conn, person_id)
    vehicles = list(
        conn.execute(
            select(person_conveyance.c.conveyance_id).where(
                person_conveyance.c.person_id == person_id
            )
        ).scalars()
    )
    conn.execute(delete(person_conveyance).where(person_conveyance.c.person_id == person_id))
    erased_vehicles = []
    for vehicle_id in vehicles:
        still_used = conn.execute(
            select(person_conveyance.c.person_id)
            .join(person, person.c.id == person_conveyance.c.person_id)
            .where(person_conveyance.c.conveyance_id == vehicle_id, person.c.erased_at.is_(None))
        ).first()
        if still_used is not None:
            continue
        digests += withdraw_object(conn, vehicle_id)
        conn.execute(
            delete(person_conveyance).where(person_conveyance.c.conveyance_id == vehicle_id)
        )
        conn.execute(
            delete(seizure_conveyance).where(seizure_conveyance.c.conveyance_id == vehicle_id)
        )
        conn.execute(delete(conveyance).where(conveyance.c.id == vehicle_id))
        erased_vehicles.append(vehicle_id)
    objects_changed(conn, persons=[person_id], conveyances=vehicles)
    audit.record(
        conn,
        node=settings.node_code,
        action="retention_erase",
        channel=channel,
        actor_user_id=actor_user_id,
        object_type="person",
        object_ids=[person_id, *erased_vehicles],
        details={"conveyance_ids": erased_vehicles, "digests_withdrawn": digests},
    )
    return erased_vehicles
