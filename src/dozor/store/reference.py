"""Loads packaged reference data into a node's database: idempotent, so ``init`` can rerun.

Seed agencies are inserted once and then belong to the national admins (their edits are kept);
crossing points and substances follow the packaged register on every load.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select, update

from dozor.domain.codes import code_list
from dozor.domain.conversion import CURRENT_CONVERSION_VERSION
from dozor.domain.ids import uuid7
from dozor.domain.places import crossing_points, seed_agencies
from dozor.settings import Settings
from dozor.store import schema
from dozor.store.db import upgrade

REFERENCE_VERSION = "2025.1"


def _load_agencies(conn: Connection) -> int:
    existing = set(conn.execute(select(schema.agency.c.code)).scalars())
    rows = [
        {
            "id": uuid7(),
            "code": seed.code,
            "country": seed.country,
            "kind": seed.kind,
            "name_en": seed.name_en,
            "name_ru": seed.name_ru,
            "membership": seed.membership,
            "is_national_contact_point": False,
        }
        for seed in seed_agencies()
        if seed.code not in existing
    ]
    if rows:
        conn.execute(schema.agency.insert(), rows)
    return len(rows)


def _load_crossing_points(conn: Connection) -> None:
    existing = set(conn.execute(select(schema.crossing_point.c.code)).scalars())
    for point in crossing_points():
        values = {
            "name_en": point.name_en,
            "name_ru": point.name_ru,
            "country": point.country,
            "counterpart_country": point.counterpart_country,
            "counterpart_code": point.counterpart_bcp,
            "modes": ",".join(point.modes),
            "status": point.status,
            "lat": point.lat,
            "lon": point.lon,
            "coords_checked": point.coords_checked,
        }
        if point.code in existing:
            conn.execute(
                update(schema.crossing_point)
                .where(schema.crossing_point.c.code == point.code)
                .values(**values)
            )
        else:
            conn.execute(schema.crossing_point.insert(), {"code": point.code, **values})


def _load_substances(conn: Connection) -> None:
    existing = set(conn.execute(select(schema.substance.c.code)).scalars())
    for entry in code_list("substances"):
        values = {
            "name_en": entry.label_en,
            "name_ru": entry.label_ru,
            "category": str(entry.attrs.get("category", "controlled_drug")),
            "drug_group": entry.attrs.get("drug_group"),
            "status": str(entry.attrs.get("status", "active")),
        }
        if entry.code in existing:
            conn.execute(
                update(schema.substance)
                .where(schema.substance.c.code == entry.code)
                .values(**values)
            )
        else:
            conn.execute(schema.substance.insert(), {"code": entry.code, **values})


def _mark_versions(conn: Connection) -> None:
    now = datetime.now(UTC)
    for name, version in (
        ("reference", REFERENCE_VERSION),
        ("conversion", CURRENT_CONVERSION_VERSION),
    ):
        found = conn.execute(
            select(schema.reference_version.c.name).where(schema.reference_version.c.name == name)
        ).first()
        if found:
            conn.execute(
                update(schema.reference_version)
                .where(schema.reference_version.c.name == name)
                .values(version=version, loaded_at=now)
            )
        else:
            conn.execute(
                schema.reference_version.insert(),
                {"name": name, "version": version, "loaded_at": now},
            )


def _load_node(conn: Connection, settings: Settings) -> None:
    found = conn.execute(select(schema.node.c.id).where(schema.node.c.is_self.is_(True))).first()
    values = {
        "code": settings.node_code,
        "role": settings.node_role,
        "country": settings.node_country,
    }
    if found:
        conn.execute(update(schema.node).where(schema.node.c.id == found.id).values(**values))
    else:
        conn.execute(schema.node.insert(), {"id": uuid7(), "is_self": True, **values})


def load_reference(engine: Engine, settings: Settings) -> int:
    """Load or refresh reference data; returns the number of agencies added."""
    with engine.begin() as conn:
        added = _load_agencies(conn)
        _load_crossing_points(conn)
        _load_substances(conn)
        _mark_versions(conn)
        _load_node(conn, settings)
    return added


def init_database(engine: Engine, settings: Settings) -> int:
    """``dozor init``: migrate to the newest schema, then load reference data."""
    upgrade(engine)
    return load_reference(engine, settings)
