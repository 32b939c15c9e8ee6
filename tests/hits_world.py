"""A small world for the hit/no-hit, access-request and retention tests.

Seizures and persons come in through the real import path (CSV files of the template);
users are inserted directly (no password: these tests never log in with one) and acted out as
real ``Principal`` objects; seizures go through the real release workflow, so the
``after_release``/``after_withdrawal`` hooks run as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from builders import person_row, seizure_row, write_csv
from dozor.access import hit_index, hit_query, hits, workflow
from dozor.access.keys import generate_key
from dozor.access.principal import Principal, load_principal
from dozor.access.tokens import TokenScope, create_token
from dozor.domain.ids import uuid7
from dozor.ingest.service import import_file
from dozor.settings import Settings
from dozor.store.schema import agency, app_user, person, seizure

REF = "KAZ-CUSTOMS/2024/000001"
PASSPORT = "N1234567"
PHONE = "+7 701 123 45 67"
KAZ_PERSON = {
    "seizure_ref": REF,
    "role": "courier",
    "surname": "Ахметов",
    "given_name": "Ерлан",
    "date_of_birth": "12.03.1985",
    "nationality": "KAZ",
    "passport_country": "KAZ",
    "passport_number": PASSPORT,
    "phone": PHONE,
    "vehicle_plate": "123 АВС 02",  # Cyrillic look-alikes
    "vehicle_country": "KAZ",
    "vin": "",
}


@pytest.fixture(autouse=True)
def hooks() -> Iterator[None]:
    """Remove the hooks `make_world` installs, so that no other test in this worker runs them."""
    yield
    hit_index.uninstall_hooks()


def add_user(engine: Engine, username: str, agency_code: str, *roles: str) -> Principal:
    """An active user of ``agency_code`` with ``roles``, as the principal the web would build."""
    with engine.begin() as conn:
        agency_id = conn.execute(select(agency.c.id).where(agency.c.code == agency_code)).scalar()
        assert agency_id is not None, agency_code
        user_id = uuid7()
        conn.execute(
            app_user.insert(),
            {
                "id": user_id,
                "username": username,
                "display_name": username,
                "agency_id": agency_id,
                "roles": ",".join(sorted(roles)),
                "ui_lang": "en",
                "status": "active",
                "password_hash": None,
                "failed_logins": 0,
                "created_at": datetime.now(UTC),
            },
        )
        principal = load_principal(conn, user_id, "session")
    assert principal is not None
    return principal


def token_for(engine: Engine, principal: Principal, scope: TokenScope = "write") -> dict[str, str]:
    """``Authorization`` header of a fresh API token of ``principal``."""
    with engine.begin() as conn:
        issued = create_token(
            conn, user_id=principal.user_id, scope=scope, days=1, now=datetime.now(UTC)
        )
    return {"Authorization": f"Bearer {issued.token}"}


@dataclass
class World:
    """Users of three agencies and the ids of what was imported."""

    engine: Engine
    settings: Settings
    kaz_officer: Principal
    kaz_supervisor: Principal
    kaz_analyst: Principal
    kaz_police: Principal
    kgz_analyst: Principal
    kgz_supervisor: Principal

    def seizure_id(self, ref: str = REF) -> str:
        with self.engine.connect() as conn:
            found = conn.execute(select(seizure.c.id).where(seizure.c.local_ref == ref)).scalar()
        assert found is not None, ref
        return str(found)

    def person_id(self, surname: str) -> str:
        with self.engine.connect() as conn:
            found = conn.execute(select(person.c.id).where(person.c.surname == surname)).scalar()
        assert found is not None, surname
        return str(found)

    def set_person(self, surname: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(person).where(person.c.surname == surname).values(**values))

    def release(self, ref: str = REF, distribution: str = "national") -> str:
        """draft → submitted → validated → released through the workflow (hooks run)."""
        seizure_id = self.seizure_id(ref)
        officer = workflow.Actor(self.kaz_officer.user_id, self.kaz_officer)
        supervisor = workflow.Actor(self.kaz_supervisor.user_id, self.kaz_supervisor)
        node = self.settings.node_code
        with self.engine.begin() as conn:
            workflow.submit(conn, officer, seizure_id, node=node)
            workflow.validate(conn, supervisor, seizure_id, node=node)
            workflow.release(conn, supervisor, seizure_id, distribution, node=node)
        return seizure_id

    def retract(self, ref: str = REF) -> None:
        supervisor = workflow.Actor(self.kaz_supervisor.user_id, self.kaz_supervisor)
        with self.engine.begin() as conn:
            workflow.retract(
                conn, supervisor, self.seizure_id(ref), "wrong", node=self.settings.node_code
            )

    def query(self, who: Principal, selector: str, reason: str = "case 42") -> dict[str, Any]:
        kind, value = hits.parse_selector(selector)
        with self.engine.begin() as conn:
            return hit_query.query_selector(conn, who, kind, value, reason, settings=self.settings)


def import_rows(
    engine: Engine,
    settings: Settings,
    folder: Path,
    seizures: list[dict[str, Any]],
    persons: list[dict[str, Any]],
    name: str = "job",
) -> None:
    result = import_file(
        engine,
        settings,
        write_csv(folder / f"{name}-seizures.csv", seizures),
        write_csv(folder / f"{name}-persons.csv", persons),
    )
    assert result.errors == [], [p.as_dict() for p in result.errors]
    assert result.committed


def make_world(
    engine: Engine,
    settings: Settings,
    folder: Path,
    persons: list[dict[str, Any]] | None = None,
    seizures: list[dict[str, Any]] | None = None,
    key: bool = True,
) -> World:
    """A KAZ-CUSTOMS seizure with one courier (passport, phone, plate), users, a network key."""
    import_rows(
        engine,
        settings,
        folder,
        seizures or [seizure_row(seizure_ref=REF)],
        persons if persons is not None else [person_row(**KAZ_PERSON)],
    )
    if key:
        generate_key(settings)
    hit_index.install_hooks(settings)  # as create_app and the CLI do
    return World(
        engine=engine,
        settings=settings,
        kaz_officer=add_user(engine, "kaz.officer", "KAZ-CUSTOMS", "officer"),
        kaz_supervisor=add_user(engine, "kaz.supervisor", "KAZ-CUSTOMS", "supervisor"),
        kaz_analyst=add_user(engine, "kaz.analyst", "KAZ-CUSTOMS", "analyst"),
        kaz_police=add_user(engine, "kaz.police", "KAZ-POLICE", "analyst", "supervisor"),
        kgz_analyst=add_user(engine, "kgz.analyst", "KGZ-CUSTOMS", "analyst"),
        kgz_supervisor=add_user(engine, "kgz.supervisor", "KGZ-CUSTOMS", "supervisor"),
    )
