"""Worlds for the access-policy tests: rows in the database and the same world for the oracle.

``WorldBuilder`` inserts agencies, seizures (with items), persons, vehicles, listed audiences
and access grants with plain SQLAlchemy Core inserts (every NOT NULL column filled), and keeps
the matching ``oracle`` dataclasses. ``random_world`` fills a builder from a ``random.Random``;
``WorldBuilder.clear`` deletes every row the builder inserted, so that one database can hold
many worlds one after the other.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select

from dozor.store.schema import (
    access_grant,
    agency,
    audit_log,
    conveyance,
    listed_audience,
    person,
    seizure,
    seizure_conveyance,
    seizure_item,
    seizure_person,
    substance,
)
from oracle import (
    ALL_ROLES,
    ANONYMOUS,
    CONTENT_ROLES,
    STATUSES,
    Agency,
    Grant,
    Marking,
    Nominal,
    Seizure,
    Viewer,
    World,
)

COUNTRIES = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
SEARCH_WORD = "opiumtrail"  # never part of a generated ref, agency code or uuid
NODE = "test-node"

# §2.3: the distributions each TLP allows (``public`` is never generated for seizures).
TLP_ALLOWS = {
    "RED": ("org", "listed"),
    "AMBER+STRICT": ("org", "listed"),
    "AMBER": ("org", "national", "listed"),
    "GREEN": ("org", "national", "listed", "region"),
    "CLEAR": ("org", "national", "listed", "region"),
}


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class WorldBuilder:
    """Inserts rows and records them in ``world``; ``clear`` removes them again."""

    conn: Connection
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    world: World = field(default_factory=World)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6].upper())
    new_agency_ids: list[str] = field(default_factory=list)
    substances: list[tuple[str, str | None]] = field(default_factory=list)
    _refs: int = 0

    def __post_init__(self) -> None:
        for row in self.conn.execute(
            select(agency.c.id, agency.c.code, agency.c.country, agency.c.membership)
        ):
            self.world.agencies[row.id] = Agency(row.id, row.code, row.country, row.membership)
        self.substances = [
            (r.code, r.drug_group)
            for r in self.conn.execute(
                select(substance.c.code, substance.c.drug_group).order_by(substance.c.code)
            )
        ][:20]
        assert self.substances, "the reference data holds no substances"

    # -- lookups -------------------------------------------------------------------------------

    def agency(self, code: str) -> Agency:
        for a in self.world.agencies.values():
            if a.code == code:
                return a
        raise KeyError(code)

    def viewer(self, code: str, *roles: str) -> Viewer:
        return Viewer.of(self.agency(code), roles or ("analyst",))

    # -- inserts -------------------------------------------------------------------------------

    def add_agency(self, code: str, country: str | None, membership: str = "member") -> Agency:
        row = {
            "id": _new_id(),
            "code": code,
            "country": country,
            "kind": "regional_hub" if country is None else "police",
            "name_en": f"Test agency {code}",
            "name_ru": f"Тестовое ведомство {code}",
            "membership": membership,
            "node_code": None,
            "is_national_contact_point": False,
            "duty_phone": None,
            "duty_email": None,
        }
        self.conn.execute(agency.insert(), row)
        found = Agency(row["id"], code, country, membership)
        self.world.agencies[found.id] = found
        self.new_agency_ids.append(found.id)
        return found

    def _provenance(self, owner: Agency) -> dict[str, Any]:
        return {
            "owner_agency_id": owner.id,
            "owner_country": owner.country,
            "origin_node": NODE,
            "version": 1,
            "source_type": "official_report",
            "reporting_channel": "api",
            "created_at": self.now,
            "created_by": None,
            "updated_at": self.now,
            "updated_by": None,
        }

    def _lists(self, object_id: str, marking: Marking) -> None:
        rows = [
            {"object_id": object_id, "agency_id": a, "country": None}
            for a in sorted(marking.listed_agencies)
        ]
        rows += [
            {"object_id": object_id, "agency_id": None, "country": c}
            for c in sorted(marking.listed_countries)
        ]
        if rows:
            self.conn.execute(listed_audience.insert(), rows)

    def add_seizure(
        self,
        owner: str | Agency,
        status: str = "released",
        distribution: str = "region",
        *,
        tlp: str = "GREEN",
        listed_agencies: tuple[str, ...] = (),
        listed_countries: tuple[str, ...] = (),
        narrative: str | None = None,
        narrative_distribution: str | None = None,
        settlement: str | None = None,
        reporting_country: str | None = None,
        kg: tuple[float | None, ...] = (1.5,),
        seized: date | None = None,
        ref: str | None = None,
    ) -> Seizure:
        """One seizure with ``len(kg)`` items; agency lists are given as agency codes."""
        owner_agency = owner if isinstance(owner, Agency) else self.agency(owner)
        self._refs += 1
        ref = ref or f"P{self.tag}-{self._refs:04d}"
        marking = Marking(
            distribution,
            tlp,
            frozenset(self.agency(c).id for c in listed_agencies),
            frozenset(listed_countries),
        )
        country = reporting_country or owner_agency.country or "KAZ"
        day = seized or date(2024, 5, 14)
        known = [k for k in kg if k is not None]
        total = sum(known) if known else None
        if narrative is not None and narrative_distribution is None:
            narrative_distribution = "national"
        row = {
            "id": _new_id(),
            **self._provenance(owner_agency),
            "distribution": distribution,
            "tlp": tlp,
            "handling": "H0",
            "legal_basis": None,
            "local_ref": ref,
            "status": status,
            "reporting_country": country,
            "country_of_seizure": country,
            "seized_at": datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC),
            "seized_local": f"{day.isoformat()}T09:30",
            "seized_date": day,
            "seized_precision": "minute",
            "tz": "Asia/Almaty",
            "location_type": "inland_road",
            "bcp_code": None,
            "admin_region": None,
            "settlement": settlement,
            "lat": None,
            "lon": None,
            "geo_source": None,
            "mode_of_transport": "road",
            "conveyance_type": "unknown",
            "direction": "unknown",
            "concealment": None,
            "detection": None,
            "persons_arrested": None,
            "h3_text": None,
            "source_grade": None,
            "source_grade_norm": None,
            "info_grade": None,
            "info_grade_norm": None,
            "suspected_false": False,
            "grading_version": None,
            "release_summary": None,
            "narrative": narrative,
            "narrative_distribution": narrative_distribution,
            "narrative_tlp": "AMBER" if narrative is not None else None,
            "item_count": len(kg),
            "total_kg_eq": total,
            "content_hash": uuid.uuid4().hex + uuid.uuid4().hex,
            "import_job_id": None,
            "submitted_by": None,
            "validated_by": None,
            "released_by": None,
            "released_at": self.now if status == "released" else None,
            "retracted_reason": "test" if status == "retracted" else None,
        }
        self.conn.execute(seizure.insert(), row)
        items = []
        for line_no, value in enumerate(kg, start=1):
            code, group = self.substances[(self._refs + line_no) % len(self.substances)]
            items.append(
                {
                    "id": _new_id(),
                    "seizure_id": row["id"],
                    "line_no": line_no,
                    "substance_code": code,
                    "drug_group": group,
                    "reported_name": code,
                    "identification": "presumptive",
                    "quantity_reported": "1",
                    "unit_reported": "kg",
                    "quantity_text": "1",
                    "form": None,
                    "purity_pct": None,
                    "quantity_kg_eq": value,
                    "conversion_factor": None,
                    "conversion_rule_id": None,
                    "conversion_table_version": None,
                    "pure_kg": None,
                    "heroin_eq_kg": None,
                }
            )
        self.conn.execute(seizure_item.insert(), items)
        self._lists(row["id"], marking)
        found = Seizure(
            id=row["id"],
            ref=ref,
            owner_agency_id=owner_agency.id,
            status=status,
            marking=marking,
            reporting_country=country,
            settlement=settlement,
            narrative=narrative,
            narrative_distribution=narrative_distribution,
            total_kg_eq=total,
            item_count=len(kg),
        )
        self.world.seizures[found.id] = found
        return found

    def _nominal_owner(self, seizures: tuple[Seizure, ...], owner: str | None) -> Agency:
        if owner is not None:
            return self.agency(owner)
        return self.world.agencies[seizures[0].owner_agency_id]

    def add_person(
        self,
        *seizures: Seizure,
        distribution: str = "national",
        listed_agencies: tuple[str, ...] = (),
        listed_countries: tuple[str, ...] = (),
        erased: bool = False,
        owner: str | None = None,
    ) -> Nominal:
        owner_agency = self._nominal_owner(seizures, owner)
        marking = Marking(
            distribution,
            "AMBER",
            frozenset(self.agency(c).id for c in listed_agencies),
            frozenset(listed_countries),
        )
        row = {
            "id": _new_id(),
            **self._provenance(owner_agency),
            "distribution": distribution,
            "tlp": "AMBER",
            "handling": "H2",
            "legal_basis": "test",
            "data_subject_category": "suspect",
            "surname": "IVANOV",
            "given_name": "IVAN",
            "patronymic": None,
            "script": "latn",
            "name_latin": "IVANOV IVAN",
            "match_key": "ivan ivanov",
            "sex": "m",
            "date_of_birth": date(1980, 1, 2),
            "dob_precision": "day",
            "nationality": owner_agency.country or "KAZ",
            "hit_publish": True,
            "retention_review_at": None,
            "erased_at": self.now - timedelta(days=1) if erased else None,
        }
        self.conn.execute(person.insert(), row)
        self.conn.execute(
            seizure_person.insert(),
            [
                {
                    "seizure_id": s.id,
                    "person_id": row["id"],
                    "role": "suspect",
                    "status": None,
                    "row_no": n,
                }
                for n, s in enumerate(seizures, start=1)
            ],
        )
        self._lists(row["id"], marking)
        found = Nominal(
            row["id"],
            "person",
            owner_agency.id,
            marking,
            tuple(s.id for s in seizures),
            row["erased_at"],
        )
        self.world.nominals[found.id] = found
        return found

    def add_vehicle(
        self,
        *seizures: Seizure,
        distribution: str = "national",
        listed_agencies: tuple[str, ...] = (),
        listed_countries: tuple[str, ...] = (),
        owner: str | None = None,
    ) -> Nominal:
        owner_agency = self._nominal_owner(seizures, owner)
        marking = Marking(
            distribution,
            "AMBER",
            frozenset(self.agency(c).id for c in listed_agencies),
            frozenset(listed_countries),
        )
        row = {
            "id": _new_id(),
            **self._provenance(owner_agency),
            "distribution": distribution,
            "tlp": "AMBER",
            "handling": "H2",
            "legal_basis": "test",
            "kind": "vehicle",
            "vehicle_type": "truck",
            "plate": "123ABC02",
            "plate_country": owner_agency.country or "KAZ",
            "plate_norm": "KAZ:123ABC02",
            "vin": None,
            "description": None,
        }
        self.conn.execute(conveyance.insert(), row)
        self.conn.execute(
            seizure_conveyance.insert(),
            [{"seizure_id": s.id, "conveyance_id": row["id"], "role": "used"} for s in seizures],
        )
        self._lists(row["id"], marking)
        found = Nominal(
            row["id"], "conveyance", owner_agency.id, marking, tuple(s.id for s in seizures)
        )
        self.world.nominals[found.id] = found
        return found

    def add_grant(
        self,
        grantee: str | Agency,
        target: Seizure | Nominal,
        *,
        state: str = "active",
    ) -> Grant:
        """A grant on ``target``; ``state`` is ``active``, ``expired`` or ``revoked``."""
        grantee_agency = grantee if isinstance(grantee, Agency) else self.agency(grantee)
        object_type = "seizure" if isinstance(target, Seizure) else target.kind
        expires = self.now + (timedelta(days=-1) if state == "expired" else timedelta(days=30))
        revoked = self.now - timedelta(hours=1) if state == "revoked" else None
        row = {
            "id": _new_id(),
            "request_id": None,
            "grantee_agency_id": grantee_agency.id,
            "object_type": object_type,
            "object_id": target.id,
            "scope": "read",
            "handling": "H2",
            "tlp": "AMBER",
            "created_at": self.now - timedelta(days=2),
            "expires_at": expires,
            "revoked_at": revoked,
        }
        self.conn.execute(access_grant.insert(), row)
        found = Grant(row["id"], grantee_agency.id, object_type, target.id, expires, revoked)
        self.world.grants.append(found)
        return found

    def expire(self, grant: Grant) -> None:
        grant.expires_at = self.now - timedelta(minutes=1)
        self.conn.execute(
            access_grant.update()
            .where(access_grant.c.id == grant.id)
            .values(expires_at=grant.expires_at)
        )

    def revoke(self, grant: Grant) -> None:
        grant.revoked_at = self.now - timedelta(minutes=1)
        self.conn.execute(
            access_grant.update()
            .where(access_grant.c.id == grant.id)
            .values(revoked_at=grant.revoked_at)
        )

    def clear(self) -> None:
        """Delete every row this builder inserted (and the audit entries of the reads)."""
        seizure_ids = list(self.world.seizures)
        nominal_ids = list(self.world.nominals)
        person_ids = [n.id for n in self.world.persons()]
        vehicle_ids = [n.id for n in self.world.vehicles()]
        c = self.conn
        c.execute(
            delete(access_grant).where(access_grant.c.id.in_([g.id for g in self.world.grants]))
        )
        c.execute(
            delete(listed_audience).where(
                listed_audience.c.object_id.in_(seizure_ids + nominal_ids)
            )
        )
        c.execute(delete(seizure_person).where(seizure_person.c.person_id.in_(person_ids)))
        c.execute(
            delete(seizure_conveyance).where(seizure_conveyance.c.conveyance_id.in_(vehicle_ids))
        )
        c.execute(delete(person).where(person.c.id.in_(person_ids)))
        c.execute(delete(conveyance).where(conveyance.c.id.in_(vehicle_ids)))
        c.execute(delete(seizure_item).where(seizure_item.c.seizure_id.in_(seizure_ids)))
        c.execute(delete(seizure).where(seizure.c.id.in_(seizure_ids)))
        c.execute(delete(audit_log))
        c.execute(delete(agency).where(agency.c.id.in_(self.new_agency_ids)))


# -- random worlds ------------------------------------------------------------------------------


def _role_set(rng: random.Random) -> frozenset[str]:
    roll = rng.random()
    if roll < 0.6:
        return frozenset({rng.choice(sorted(CONTENT_ROLES))})
    if roll < 0.75:
        return frozenset({rng.choice(["national_admin", "hub_admin", "auditor", "public"])})
    if roll < 0.95:
        return frozenset(rng.sample(sorted(ALL_ROLES), rng.randint(2, 3)))
    return frozenset()


def random_world(
    builder: WorldBuilder,
    rng: random.Random,
    *,
    n_seizures: int = 40,
    n_viewers: int = 25,
    n_persons: int = 16,
    n_vehicles: int = 10,
    n_grants: int = 30,
) -> list[Viewer]:
    """Fill ``builder`` with a random world; returns the viewers to check (anonymous included)."""
    tag = builder.tag
    for country in (*COUNTRIES, None):
        for k in range(rng.randint(1 if country is None else 0, 2)):
            membership = "observer" if rng.random() < 0.4 else "member"
            builder.add_agency(f"X{tag}-{country or 'HUB'}-{k}", country, membership)
    agencies = sorted(builder.world.agencies.values(), key=lambda a: a.code)
    codes = [a.code for a in agencies]

    seizures: list[Seizure] = []
    hub = [a for a in agencies if a.country is None]
    for _ in range(n_seizures):
        owner = rng.choice(hub) if rng.random() < 0.15 else rng.choice(agencies)
        status = rng.choices(STATUSES, weights=(1, 1, 2, 5, 1))[0]
        distribution = rng.choices(("org", "national", "listed", "region"), (1, 2, 2, 3))[0]
        if rng.random() < 0.7:
            tlp = rng.choice([t for t, allowed in TLP_ALLOWS.items() if distribution in allowed])
        else:
            tlp = rng.choice(tuple(TLP_ALLOWS))
        listed_a: tuple[str, ...] = ()
        listed_c: tuple[str, ...] = ()
        if distribution == "listed" or rng.random() < 0.1:  # 10%: stray lists, to be ignored
            listed_a = tuple(rng.sample(codes, rng.randint(0, 3)))
            listed_c = tuple(rng.sample(COUNTRIES, rng.randint(0, 2)))
            if distribution == "listed" and not listed_a and not listed_c:
                listed_c = (rng.choice(COUNTRIES),)
        narrative = narrative_distribution = None
        if rng.random() < 0.8:
            words = ["Seized at the post", "in a hidden compartment"]
            if rng.random() < 0.5:
                words.insert(1, rng.choice((SEARCH_WORD, SEARCH_WORD.upper(), "Opiumtrail")))
            narrative = " ".join(words)
            choices = ["org", "national", "region"] + (
                ["listed"] if distribution == "listed" else []
            )
            narrative_distribution = rng.choice(choices)
        settlement = rng.choice((None, None, "Almaty", f"{SEARCH_WORD.title()} village"))
        reporting_country = owner.country or rng.choice(COUNTRIES)
        kg = tuple(
            rng.choice((None, 0.25, 1.5, 12.5, 100.0, 0.001)) for _ in range(rng.randint(1, 3))
        )
        seized = date(2024, 1, 1) + timedelta(days=rng.randint(0, 20))
        ref = None
        if rng.random() < 0.05:
            builder._refs += 1
            ref = f"P{tag}-{builder._refs:04d}-{SEARCH_WORD.upper()}"
        seizures.append(
            builder.add_seizure(
                owner,
                status,
                distribution,
                tlp=tlp,
                listed_agencies=listed_a,
                listed_countries=listed_c,
                narrative=narrative,
                narrative_distribution=narrative_distribution,
                settlement=settlement,
                reporting_country=reporting_country,
                kg=kg,
                seized=seized,
                ref=ref,
            )
        )

    by_owner: dict[str, list[Seizure]] = {}
    for s in seizures:
        by_owner.setdefault(s.owner_agency_id, []).append(s)

    def linked() -> tuple[Seizure, ...]:
        first = rng.choice(seizures)
        # Mostly seizures of one owner; sometimes (10%) another owner's seizure too.
        same = by_owner[first.owner_agency_id] if rng.random() < 0.9 else seizures
        more = rng.sample(same, min(len(same), rng.randint(0, 2)))
        return tuple({s.id: s for s in [first, *more]}.values())

    def nominal_marking() -> dict[str, Any]:
        distribution = rng.choice(("org", "national", "national", "listed", "region"))
        lists: dict[str, Any] = {"distribution": distribution}
        if distribution == "listed":
            lists["listed_agencies"] = tuple(rng.sample(codes, rng.randint(0, 3)))
            lists["listed_countries"] = tuple(rng.sample(COUNTRIES, rng.randint(0, 2)))
            if not lists["listed_agencies"] and not lists["listed_countries"]:
                lists["listed_countries"] = (rng.choice(COUNTRIES),)
        return lists

    nominals: list[Nominal] = []
    for _ in range(n_persons):
        nominals.append(
            builder.add_person(*linked(), erased=rng.random() < 0.1, **nominal_marking())
        )
    for _ in range(n_vehicles):
        nominals.append(builder.add_vehicle(*linked(), **nominal_marking()))

    # Grants: on seizures and (more often) on nominal parts; a grant on a nominal part of a
    # widely released seizure often goes to an agency outside the part's own audience.
    released = [
        n
        for n in nominals
        if any(
            builder.world.seizures[sid].status == "released"
            and builder.world.seizures[sid].marking.distribution == "region"
            for sid in n.seizure_ids
        )
    ]
    members = [a for a in agencies if a.membership == "member"]
    for _ in range(n_grants):
        state = rng.choices(("active", "expired", "revoked"), weights=(3, 1, 1))[0]
        roll = rng.random()
        if roll < 0.4:
            target: Seizure | Nominal = rng.choice(seizures)
        elif roll < 0.7 and released:
            target = rng.choice(released)
        else:
            target = rng.choice(nominals)
        grantee = rng.choice(members) if rng.random() < 0.6 else rng.choice(agencies)
        builder.add_grant(grantee, target, state=state)

    viewers = [ANONYMOUS]
    # Every added agency (observers and hub agencies among them) once, then seizure owners
    # (they exercise the owner rules) and anyone.
    for agency_id in builder.new_agency_ids[: n_viewers - 1]:
        viewers.append(Viewer.of(builder.world.agencies[agency_id], _role_set(rng)))
    while len(viewers) < n_viewers:
        source = rng.choice(seizures) if rng.random() < 0.3 else None
        chosen = builder.world.agencies[source.owner_agency_id] if source else rng.choice(agencies)
        viewers.append(Viewer.of(chosen, _role_set(rng)))
    return viewers
