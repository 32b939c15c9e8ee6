"""Recent cross-border correlations for the dashboard: two seizures of different countries whose
persons or vehicles share a valid, non-excluded selector (phone, passport, plate, ...).

Both seizures must be readable by the viewer (``seizure_visible``) and both nominal objects too
(``matching.correlation.visible``: ``nominal_visible``, erased persons never), so the panel
reveals nothing the correlation pages would not. Only selector kinds are shown, never values;
the objects involved are still recorded as a ``read_nominal`` audit entry, as the correlation
API does. To keep the cost bounded at millions of records, the newer side is one of the
viewer's :data:`RECENT` newest visible seizures under the dashboard's filters.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from dozor.access import reads
from dozor.access.principal import Principal
from dozor.analytics.filters import StatsFilter
from dozor.matching import correlation
from dozor.store.schema import agency, seizure
from dozor.store.schema_matching import selector_entry

RECENT = 300


def recent_pairs(
    conn: Connection, principal: Principal, flt: StatsFilter, *, node: str, limit: int = 10
) -> list[dict[str, Any]]:
    """Newest first: ``{"seizure", "other", "kinds"}`` with seizure summaries on both sides."""
    now = datetime.now(UTC)
    wanted = reads.SeizureFilter(
        country=flt.country,
        date_from=flt.date_from,
        date_to=flt.date_to,
        drug_group=flt.drug_group,
        bcp=flt.bcp,
    )
    recent = (
        reads.list_query(principal, wanted, now)
        .order_by(seizure.c.seized_date.desc(), seizure.c.id)
        .limit(RECENT)
    )
    newest = {r.id: dict(r._mapping) for r in conn.execute(recent)}
    if not newest:
        return []
    seizure_ok = correlation.seizure_predicate(principal, now)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind in (correlation.PERSON, correlation.CONVEYANCE):
        link, column = kind.link, kind.link_column
        mine = (
            select(
                link.c.seizure_id,
                selector_entry.c.object_id,
                selector_entry.c.kind,
                selector_entry.c.value,
            )
            .join(link, link.c[column] == selector_entry.c.object_id)
            .join(kind.table, kind.table.c.id == selector_entry.c.object_id)
            .where(
                link.c.seizure_id.in_(list(newest)),
                selector_entry.c.object_type == kind.name,
                selector_entry.c.valid.is_(True),
                correlation.visible(kind, principal, now),
            )
        )
        values = conn.execute(mine).all()
        if not values:
            continue
        by_value: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for seizure_id, object_id, selector_kind, value in values:
            by_value.setdefault((selector_kind, value), []).append((seizure_id, object_id))
        excluded = correlation.excluded_values(conn, set(by_value))
        keys = [k for k in by_value if k not in excluded]
        if not keys:
            continue
        holders = (
            select(
                selector_entry.c.kind,
                selector_entry.c.value,
                selector_entry.c.object_id,
                seizure.c.id,
                seizure.c.local_ref,
                seizure.c.seized_date,
                seizure.c.reporting_country,
                agency.c.code.label("owner_agency"),
            )
            .join(link, link.c[column] == selector_entry.c.object_id)
            .join(kind.table, kind.table.c.id == selector_entry.c.object_id)
            .join(seizure, seizure.c.id == link.c.seizure_id)
            .join(agency, agency.c.id == seizure.c.owner_agency_id)
            .where(
                selector_entry.c.object_type == kind.name,
                selector_entry.c.valid.is_(True),
                selector_entry.c.kind.in_(sorted({k for k, _ in keys})),
                selector_entry.c.value.in_(sorted({v for _, v in keys})),
                correlation.visible(kind, principal, now),
                seizure_ok,
            )
        )
        for row in conn.execute(holders):
            for seizure_id, _object_id in by_value.get((row.kind, row.value), []):
                source = newest[seizure_id]
                if row.id == seizure_id or row.reporting_country == source["reporting_country"]:
                    continue
                pair = found.setdefault(
                    (seizure_id, row.id),
                    {
                        "seizure": source,
                        "other": {
                            "id": row.id,
                            "seizure_ref": row.local_ref,
                            "seized_date": row.seized_date,
                            "reporting_country": row.reporting_country,
                            "owner_agency": row.owner_agency,
                        },
                        "kinds": set(),
                    },
                )
                pair["kinds"].add(row.kind)
    pairs = sorted(
        found.values(),
        key=lambda p: (str(p["seizure"]["seized_date"]), p["seizure"]["id"], p["other"]["id"]),
        reverse=True,
    )[:limit]
    for pair in pairs:
        pair["kinds"] = sorted(pair["kinds"])
    if pairs:
        shown = {p["seizure"]["id"] for p in pairs} | {p["other"]["id"] for p in pairs}
        correlation.audit_read(
            conn, principal, node, "ui", "seizure", sorted(shown), view="dashboard"
        )
    return pairs
