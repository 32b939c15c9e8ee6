"""Reading seizures through the policy: lists, counts, details shaped per viewer.

Nothing here loads a record and then decides in Python: every query carries the policy's
predicate, and nominal parts are fetched with their own predicate, so what is not visible is
absent (not blanked) from the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, or_, select

from dozor.access import audit
from dozor.access.policy import Viewer, narrative_visible, nominal_visible, seizure_visible
from dozor.store.schema import (
    agency,
    conveyance,
    identity_document,
    person,
    person_phone,
    route_leg,
    seizure,
    seizure_conveyance,
    seizure_item,
    seizure_person,
    seizure_version,
    seizure_workflow,
)

SORTABLE = {"seized_date", "local_ref", "total_kg_eq", "updated_at", "reporting_country"}
SUMMARY_COLUMNS = (
    "id",
    "local_ref",
    "status",
    "version",
    "reporting_country",
    "owner_country",
    "seized_local",
    "seized_date",
    "seized_precision",
    "location_type",
    "bcp_code",
    "settlement",
    "mode_of_transport",
    "distribution",
    "tlp",
    "handling",
    "item_count",
    "total_kg_eq",
    "updated_at",
)


@dataclass(slots=True)
class SeizureFilter:
    """Filters of the seizure list (all optional)."""

    country: str | None = None
    agency: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    drug: str | None = None
    drug_group: str | None = None
    bcp: str | None = None
    q: str | None = None
    ids: Sequence[str] = field(default_factory=tuple)


def _conditions(viewer: Viewer, filters: SeizureFilter, now: datetime) -> list[Any]:
    return [seizure_visible(viewer, now=now), *_filter_conditions(viewer, filters, now)]


def _filter_conditions(viewer: Viewer, filters: SeizureFilter, now: datetime) -> list[Any]:
    """The user's filters alone (``dozor bench access`` times them without the policy)."""
    where: list[Any] = []
    if filters.country:
        where.append(seizure.c.reporting_country == filters.country.upper())
    if filters.agency:
        code = select(agency.c.id).where(agency.c.code == filters.agency).scalar_subquery()
        where.append(seizure.c.owner_agency_id == code)
    if filters.status:
        where.append(seizure.c.status == filters.status)
    if filters.date_from:
        where.append(seizure.c.seized_date >= filters.date_from)
    if filters.date_to:
        where.append(seizure.c.seized_date <= filters.date_to)
    if filters.bcp:
        where.append(seizure.c.bcp_code == filters.bcp)
    if filters.drug or filters.drug_group:
        item_match = [seizure_item.c.seizure_id == seizure.c.id]
        if filters.drug:
            item_match.append(seizure_item.c.substance_code == filters.drug)
        if filters.drug_group:
            item_match.append(seizure_item.c.drug_group == filters.drug_group)
        where.append(exists().where(*item_match))
    if filters.ids:
        where.append(seizure.c.id.in_(list(filters.ids)))
    if filters.q:
        pattern = f"%{filters.q.strip().lower()}%"
        text_match: list[ColumnElement[bool]] = [
            func.lower(seizure.c.local_ref).like(pattern),
            func.lower(func.coalesce(seizure.c.settlement, "")).like(pattern),
            func.lower(func.coalesce(seizure.c.bcp_code, "")).like(pattern),
            # The narrative is nominal: it may only match where the viewer may read it.
            and_(
                func.lower(func.coalesce(seizure.c.narrative, "")).like(pattern),
                narrative_visible(viewer, now=now),
            ),
        ]
        where.append(or_(*text_match))
    return where


def list_query(viewer: Viewer, filters: SeizureFilter, now: datetime | None = None) -> Select[Any]:
    """The policy-filtered SELECT of seizure summaries (for lists and exports)."""
    moment = now or datetime.now(UTC)
    columns = [seizure.c[name] for name in SUMMARY_COLUMNS]
    return (
        select(*columns, agency.c.code.label("owner_agency"))
        .join(agency, agency.c.id == seizure.c.owner_agency_id)
        .where(*_conditions(viewer, filters, moment))
    )


def count_seizures(conn: Connection, viewer: Viewer, filters: SeizureFilter) -> int:
    """How many seizures the viewer may read under ``filters``."""
    where = _conditions(viewer, filters, datetime.now(UTC))
    query = select(func.count()).select_from(seizure).where(*where)
    return int(conn.execute(query).scalar_one())


def list_seizures(
    conn: Connection,
    viewer: Viewer,
    filters: SeizureFilter,
    *,
    sort: str = "-seized_date",
    limit: int = 50,
    offset: int = 0,
    total: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """A page of seizure summaries and the total the viewer may read.

    ``total``, when the caller has it already (``analytics.counts.list_total``), saves the
    SQL count.
    """
    name = sort.lstrip("-")
    if name not in SORTABLE:
        raise ValueError(f"cannot sort by {name}")
    column = seizure.c[name]
    order = column.desc() if sort.startswith("-") else column.asc()
    query = list_query(viewer, filters).order_by(order, seizure.c.id).limit(limit).offset(offset)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    return rows, total if total is not None else count_seizures(conn, viewer, filters)


def get_seizure(
    conn: Connection, viewer: Viewer, seizure_id: str, *, node: str, channel: str = "api"
) -> dict[str, Any] | None:
    """One seizure as the viewer may see it, or None. Nominal parts appear only if visible.

    Returns nominal data only after writing a ``read_nominal`` audit entry (ids, not content)
    in the caller's transaction.
    """
    now = datetime.now(UTC)
    row = (
        conn.execute(
            select(
                seizure,
                agency.c.code.label("owner_agency"),
                narrative_visible(viewer, now=now).label("narrative_ok"),
            )
            .join(agency, agency.c.id == seizure.c.owner_agency_id)
            .where(seizure.c.id == seizure_id, seizure_visible(viewer, now=now))
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    record = {k: v for k, v in row.items() if k not in _HIDDEN}
    if not row["narrative_ok"]:
        for key in ("narrative", "narrative_distribution", "narrative_tlp"):
            record.pop(key, None)
    record["items"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(seizure_item)
            .where(seizure_item.c.seizure_id == seizure_id)
            .order_by(seizure_item.c.line_no)
        )
    ]
    record["route_legs"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(route_leg.c.seq, route_leg.c.role, route_leg.c.country, route_leg.c.place)
            .where(route_leg.c.seizure_id == seizure_id)
            .order_by(route_leg.c.seq)
        )
    ]
    record["history"] = _history(conn, seizure_id)
    persons = _persons(conn, viewer, seizure_id, now)
    vehicles = _vehicles(conn, viewer, seizure_id, now)
    if persons:
        record["persons"] = persons
    if vehicles:
        record["conveyances"] = vehicles
    nominal_ids = [p["id"] for p in persons] + [v["id"] for v in vehicles]
    if nominal_ids or "narrative" in record and record.get("narrative"):
        audit.record(
            conn,
            node=node,
            action="read_nominal",
            channel=channel,
            actor_user_id=getattr(viewer, "user_id", None),
            actor_agency_id=viewer.agency_id,
            object_type="seizure",
            object_ids=[seizure_id, *nominal_ids],
        )
    return record


_HIDDEN = {"content_hash", "import_job_id", "narrative_ok"}


def _history(conn: Connection, seizure_id: str) -> list[dict[str, Any]]:
    versions = conn.execute(
        select(
            seizure_version.c.version, seizure_version.c.changed_at, seizure_version.c.change_note
        )
        .where(seizure_version.c.seizure_id == seizure_id)
        .order_by(seizure_version.c.version)
    ).all()
    steps = conn.execute(
        select(
            seizure_workflow.c.version,
            seizure_workflow.c.action,
            seizure_workflow.c.from_status,
            seizure_workflow.c.to_status,
            seizure_workflow.c.at,
            seizure_workflow.c.detail,
        )
        .where(seizure_workflow.c.seizure_id == seizure_id)
        .order_by(seizure_workflow.c.id)
    ).all()
    history: list[dict[str, Any]] = [
        {"kind": "version", "version": v.version, "at": v.changed_at, "note": v.change_note}
        for v in versions
    ]
    history.extend(
        {
            "kind": "workflow",
            "version": s.version,
            "action": s.action,
            "from": s.from_status,
            "to": s.to_status,
            "at": s.at,
            "note": s.detail,
        }
        for s in steps
    )
    return history


def _persons(
    conn: Connection, viewer: Viewer, seizure_id: str, now: datetime
) -> list[dict[str, Any]]:
    visible = nominal_visible(viewer, person, seizure_person, "person_id", now=now)
    rows = (
        conn.execute(
            select(
                person.c.id,
                person.c.surname,
                person.c.given_name,
                person.c.patronymic,
                person.c.script,
                person.c.name_latin,
                person.c.sex,
                person.c.date_of_birth,
                person.c.dob_precision,
                person.c.nationality,
                person.c.data_subject_category,
                person.c.distribution,
                person.c.tlp,
                person.c.handling,
                seizure_person.c.role,
            )
            .join(seizure_person, seizure_person.c.person_id == person.c.id)
            .where(seizure_person.c.seizure_id == seizure_id, person.c.erased_at.is_(None), visible)
            .order_by(seizure_person.c.row_no)
        )
        .mappings()
        .all()
    )
    result = []
    for row in rows:
        entry = dict(row)
        entry["phones"] = [
            dict(r._mapping)
            for r in conn.execute(
                select(person_phone.c.raw, person_phone.c.e164, person_phone.c.valid).where(
                    person_phone.c.person_id == row["id"]
                )
            )
        ]
        entry["documents"] = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    identity_document.c.doc_type,
                    identity_document.c.issuing_country,
                    identity_document.c.number,
                    identity_document.c.number_norm,
                ).where(identity_document.c.person_id == row["id"])
            )
        ]
        result.append(entry)
    return result


def _vehicles(
    conn: Connection, viewer: Viewer, seizure_id: str, now: datetime
) -> list[dict[str, Any]]:
    visible = nominal_visible(viewer, conveyance, seizure_conveyance, "conveyance_id", now=now)
    rows = (
        conn.execute(
            select(
                conveyance.c.id,
                conveyance.c.kind,
                conveyance.c.vehicle_type,
                conveyance.c.plate,
                conveyance.c.plate_country,
                conveyance.c.plate_norm,
                conveyance.c.vin,
                conveyance.c.distribution,
                conveyance.c.tlp,
                conveyance.c.handling,
                seizure_conveyance.c.role,
            )
            .join(seizure_conveyance, seizure_conveyance.c.conveyance_id == conveyance.c.id)
            .where(seizure_conveyance.c.seizure_id == seizure_id, visible)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def totals_by_country(
    conn: Connection, viewer: Viewer, filters: SeizureFilter
) -> list[dict[str, Any]]:
    """Seizure counts and kg-equivalents by reporting country, over what the viewer may read.

    The smallest aggregate behind the dashboards; the analytics engine builds on the same
    predicate so that a chart never counts a record its viewer could not open.
    """
    where = _conditions(viewer, filters, datetime.now(UTC))
    query = (
        select(
            seizure.c.reporting_country,
            func.count().label("count"),
            func.coalesce(func.sum(seizure.c.total_kg_eq), 0.0).label("kg_eq"),
        )
        .where(*where)
        .group_by(seizure.c.reporting_country)
        .order_by(seizure.c.reporting_country)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
