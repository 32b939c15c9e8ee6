"""An independent oracle of the read rule (DATA.md §2.2, §2.6, §2.7, §2.9, §3.1, §3.2).

Written from the specification alone, as plain Python over plain dataclasses, so that the
property tests can compare every read path of the implementation (SQL predicates) against a
second, deliberately naive reading of the rules. It must not import ``dozor.access``.

Where DATA.md needs interpretation, the product decisions are:

- Roles that read content: ``officer``, ``analyst``, ``supervisor``, ``ew_officer`` (§3.1).
  ``national_admin``, ``hub_admin`` and ``auditor`` read no content; a user holding several
  roles reads content if any one of them does. ``public`` (the anonymous portal) reads only
  ``public`` objects, and a seizure is never public, so anonymous reads no seizure at all.
- Status (§3.2, §2.2): ``draft``, ``submitted`` and ``retracted`` are visible to the owner
  agency only. ``validated`` is visible to the audience of its marking, except that a
  ``region`` or ``public`` distribution is capped to ``national`` until release. ``released``
  is visible to the audience of its marking.
- ``national`` for an owner without a country (a hub agency) means all hub agencies, i.e. all
  agencies with no country. For a country agency it means every agency of that country,
  whatever its membership.
- ``listed`` = the owner + the listed agencies (whatever their membership) + the *member*
  agencies of the listed countries; an observer is reached only by listing it by name.
  Lists are read only when the distribution is ``listed`` (§2.1: "only with listed").
- ``region`` = every agency with membership ``member``, the hub included; never observers.
- ``public`` = every agency (anonymous still reads no seizure: see above).
- An active grant (``revoked_at`` unset and ``expires_at`` in the future) adds the grantee
  agency to the audience of the object it names (§2.9). It does not lift the status rule: a
  draft stays owner-only. A grant on a seizure covers the seizure (its non-nominal part); the
  narrative is nominal (§2.6), so a grant on the seizure does not open the narrative.
- The narrative has its own distribution (``narrative_distribution``; a ``listed`` narrative
  uses the seizure's lists, the only lists stored for it). It is visible iff the seizure is
  visible AND the viewer's agency is the owner or in the narrative's own audience. A narrative
  without a distribution takes the §2.6 default, ``national``.
- A person or vehicle (nominal, own marking) is visible iff the viewer's agency is in its own
  audience (owner, its distribution, or an active grant on it) AND the viewer may read at
  least one seizure linked to it (§2.7: own audience ∩ union of the links' audiences). In a
  seizure's detail read, it is shown iff it is linked to that (visible) seizure and visible.
- The owner agency always sees its own seizures and nominal parts, whatever their status.
- Erased persons (``erased_at`` set) are never returned by the detail read.
- TLP, handling codes and grading never change who may read (they constrain dissemination).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

CONTENT_ROLES = frozenset({"officer", "analyst", "supervisor", "ew_officer"})
NO_CONTENT_ROLES = frozenset({"national_admin", "hub_admin", "auditor", "public"})
ALL_ROLES = CONTENT_ROLES | NO_CONTENT_ROLES
OWNER_ONLY_STATUSES = frozenset({"draft", "submitted", "retracted"})
STATUSES = ("draft", "submitted", "validated", "released", "retracted")
DISTRIBUTIONS = ("org", "national", "listed", "region", "public")
TLPS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")


@dataclass(frozen=True)
class Agency:
    id: str
    code: str
    country: str | None  # None: a hub agency
    membership: str  # member | observer


@dataclass(frozen=True)
class Viewer:
    """A principal as the policy sees it (fields of ``dozor.access.policy.Viewer``)."""

    agency_id: str | None
    country: str | None
    is_hub: bool
    membership: str
    roles: frozenset[str]
    label: str = ""
    user_id: str | None = None

    @classmethod
    def of(cls, agency: Agency, roles: Iterable[str]) -> Viewer:
        role_set = frozenset(roles)
        return cls(
            agency_id=agency.id,
            country=agency.country,
            is_hub=agency.country is None,
            membership=agency.membership,
            roles=role_set,
            label=f"{agency.code}:{'+'.join(sorted(role_set)) or '-'}",
        )


ANONYMOUS = Viewer(None, None, False, "public", frozenset(), label="anonymous")


@dataclass(frozen=True)
class Marking:
    distribution: str
    tlp: str = "AMBER"
    listed_agencies: frozenset[str] = frozenset()  # agency ids
    listed_countries: frozenset[str] = frozenset()  # ISO3


@dataclass
class Seizure:
    id: str
    ref: str
    owner_agency_id: str
    status: str
    marking: Marking
    reporting_country: str
    settlement: str | None = None
    narrative: str | None = None
    narrative_distribution: str | None = None
    total_kg_eq: float | None = None
    item_count: int = 1


@dataclass
class Nominal:
    """A person or a vehicle (conveyance): its own marking and the seizures it is linked to."""

    id: str
    kind: str  # person | conveyance
    owner_agency_id: str
    marking: Marking
    seizure_ids: tuple[str, ...]
    erased_at: datetime | None = None


@dataclass
class Grant:
    id: str
    grantee_agency_id: str
    object_type: str  # seizure | person | conveyance
    object_id: str
    expires_at: datetime
    revoked_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


@dataclass
class World:
    agencies: dict[str, Agency] = field(default_factory=dict)
    seizures: dict[str, Seizure] = field(default_factory=dict)
    nominals: dict[str, Nominal] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)

    def persons(self) -> list[Nominal]:
        return [n for n in self.nominals.values() if n.kind == "person"]

    def vehicles(self) -> list[Nominal]:
        return [n for n in self.nominals.values() if n.kind == "conveyance"]

    def linked(self, seizure_id: str, kind: str) -> list[Nominal]:
        return [n for n in self.nominals.values() if n.kind == kind and seizure_id in n.seizure_ids]


# -- audiences ---------------------------------------------------------------------------------


def reads_content(viewer: Viewer) -> bool:
    """§3.1: only officer, analyst, supervisor and ew_officer read content; anonymous never."""
    return viewer.agency_id is not None and bool(viewer.roles & CONTENT_ROLES)


def audience(world: World, owner_id: str, distribution: str, marking: Marking) -> set[str]:
    """§2.2: the agencies of one distribution level (lists taken from ``marking``)."""
    owner = world.agencies[owner_id]
    everyone = world.agencies.values()
    if distribution == "org":
        return {owner_id}
    if distribution == "national":
        # For a hub agency (no country): all hub agencies.
        return {a.id for a in everyone if a.country == owner.country} | {owner_id}
    if distribution == "listed":
        members_of_listed = {
            a.id
            for a in everyone
            if a.country is not None
            and a.country in marking.listed_countries
            and a.membership == "member"
        }
        named = {a for a in marking.listed_agencies if a in world.agencies}
        return {owner_id} | named | members_of_listed
    if distribution == "region":
        return {a.id for a in everyone if a.membership == "member"} | {owner_id}
    if distribution == "public":
        return {a.id for a in everyone}
    raise ValueError(f"unknown distribution {distribution!r}")


def grantees(world: World, object_id: str, now: datetime) -> set[str]:
    """§2.9: agencies holding an active grant on the object."""
    return {g.grantee_agency_id for g in world.grants if g.object_id == object_id and g.active(now)}


def seizure_audience(world: World, s: Seizure, now: datetime) -> set[str]:
    """The seizure's effective audience, status included (§3.2 and the decisions above)."""
    if s.status not in ("validated", "released"):
        return {s.owner_agency_id}  # draft, submitted, retracted (and anything unknown)
    distribution = s.marking.distribution
    if s.status == "validated" and distribution in ("region", "public"):
        distribution = "national"  # capped until release
    return audience(world, s.owner_agency_id, distribution, s.marking) | grantees(world, s.id, now)


def seizure_visible(world: World, viewer: Viewer, s: Seizure, now: datetime) -> bool:
    if not reads_content(viewer):
        return False
    if viewer.agency_id == s.owner_agency_id:
        return True
    return viewer.agency_id in seizure_audience(world, s, now)


def narrative_visible(world: World, viewer: Viewer, s: Seizure, now: datetime) -> bool:
    """The narrative: the seizure is visible AND the viewer is in the narrative's audience."""
    if not seizure_visible(world, viewer, s, now):
        return False
    if viewer.agency_id == s.owner_agency_id:
        return True
    distribution = s.narrative_distribution or "national"  # §2.6 default for nominal parts
    return viewer.agency_id in audience(world, s.owner_agency_id, distribution, s.marking)


def nominal_own_audience(world: World, n: Nominal, now: datetime) -> set[str]:
    own = audience(world, n.owner_agency_id, n.marking.distribution, n.marking)
    return own | {n.owner_agency_id} | grantees(world, n.id, now)


def nominal_visible(world: World, viewer: Viewer, n: Nominal, now: datetime) -> bool:
    """A person or vehicle: own audience ∩ the union of its seizures' audiences (§2.7)."""
    if not reads_content(viewer):
        return False
    if viewer.agency_id not in nominal_own_audience(world, n, now):
        return False
    return any(
        seizure_visible(world, viewer, world.seizures[sid], now)
        for sid in n.seizure_ids
        if sid in world.seizures
    )


def nominal_in_detail(
    world: World, viewer: Viewer, n: Nominal, seizure_id: str, now: datetime
) -> bool:
    """Whether ``n`` appears in the detail read of seizure ``seizure_id``."""
    if seizure_id not in n.seizure_ids:
        return False
    if n.kind == "person" and n.erased_at is not None:
        return False
    s = world.seizures[seizure_id]
    return seizure_visible(world, viewer, s, now) and nominal_visible(world, viewer, n, now)


# -- what each read path should return ---------------------------------------------------------


def visible_seizures(world: World, viewer: Viewer, now: datetime) -> set[str]:
    return {s.id for s in world.seizures.values() if seizure_visible(world, viewer, s, now)}


def totals_by_country(world: World, viewer: Viewer, now: datetime) -> dict[str, tuple[int, float]]:
    totals: dict[str, tuple[int, float]] = {}
    for sid in visible_seizures(world, viewer, now):
        s = world.seizures[sid]
        count, kg = totals.get(s.reporting_country, (0, 0.0))
        totals[s.reporting_country] = (count + 1, kg + (s.total_kg_eq or 0.0))
    return totals


def search(world: World, viewer: Viewer, word: str, now: datetime) -> set[str]:
    """Free-text search: ref or settlement match on a visible seizure, or a visible narrative."""
    needle = word.strip().lower()
    found = set()
    for s in world.seizures.values():
        if not seizure_visible(world, viewer, s, now):
            continue
        if needle in s.ref.lower() or needle in (s.settlement or "").lower():
            found.add(s.id)
        elif needle in (s.narrative or "").lower() and narrative_visible(world, viewer, s, now):
            found.add(s.id)
    return found


def detail(
    world: World, viewer: Viewer, seizure_id: str, now: datetime
) -> dict[str, object] | None:
    """What a detail read must hold: None, or the visible narrative flag and nominal ids."""
    s = world.seizures[seizure_id]
    if not seizure_visible(world, viewer, s, now):
        return None
    return {
        "narrative": narrative_visible(world, viewer, s, now),
        "persons": {
            n.id
            for n in world.linked(seizure_id, "person")
            if nominal_in_detail(world, viewer, n, seizure_id, now)
        },
        "conveyances": {
            n.id
            for n in world.linked(seizure_id, "conveyance")
            if nominal_in_detail(world, viewer, n, seizure_id, now)
        },
    }
