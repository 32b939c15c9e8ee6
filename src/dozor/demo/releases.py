"""Walk the demo's seizures through the workflow, as officers and supervisors would.

An import only ever writes drafts (DATA.md §7.1), so a freshly loaded node shares nothing
across borders. The demo stands for a node in use: most records older than two weeks have been
submitted by an officer, validated and released by a supervisor of the owner agency, with the
distribution the record's marking asks for; some are still waiting at each step. Every step goes
through :mod:`dozor.access.workflow`, with its four-eyes rule, audit entries and hooks.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, Engine, select

from dozor.access import workflow
from dozor.access.hit_index import publication_deferred
from dozor.access.identity import create_user, user_exists
from dozor.access.principal import load_principal
from dozor.access.workflow import Actor
from dozor.settings import Settings
from dozor.store.schema import agency, app_user, seizure

RECENT_DAYS = 14
# Of the older records: how far each got through the workflow (cumulative thresholds).
RELEASED_SHARE = 0.80
VALIDATED_SHARE = 0.88
SUBMITTED_SHARE = 0.94
CHUNK = 500


@dataclass(frozen=True, slots=True)
class ReleaseCounts:
    submitted: int
    validated: int
    released: int


def workflow_users(agency_code: str) -> tuple[str, str]:
    """The officer and supervisor who move an agency's demo records along."""
    prefix = agency_code.lower()
    return f"{prefix}.officer", f"{prefix}.supervisor"


def _ensure_actors(conn: Connection, password_hash: str) -> dict[str, tuple[Actor, Actor]]:
    """An (officer, supervisor) pair per agency owning seizures, created when missing."""
    codes = conn.execute(
        select(agency.c.code, agency.c.id)
        .where(agency.c.id.in_(select(seizure.c.owner_agency_id).distinct()))
        .order_by(agency.c.code)
    ).all()
    actors: dict[str, tuple[Actor, Actor]] = {}
    for code, agency_id in codes:
        pair: list[Actor] = []
        for username, role in zip(workflow_users(code), ("officer", "supervisor"), strict=True):
            existing = conn.execute(
                select(app_user.c.id).where(app_user.c.username == username)
            ).scalar()
            if existing is None and not user_exists(conn, username):
                existing = create_user(
                    conn,
                    username=username,
                    agency_code=code,
                    roles=[role],
                    password_hash=password_hash,
                )
            principal = load_principal(conn, str(existing), "session")
            assert principal is not None
            pair.append(Actor(user_id=principal.user_id, viewer=principal))
        actors[agency_id] = (pair[0], pair[1])
    return actors


def _candidates(conn: Connection, before: date) -> Iterator[tuple[str, str, str]]:
    rows = conn.execute(
        select(seizure.c.id, seizure.c.owner_agency_id, seizure.c.distribution)
        .where(seizure.c.status == "draft", seizure.c.seized_date < before)
        .order_by(seizure.c.id)
    ).all()
    for row in rows:
        yield row.id, row.owner_agency_id, row.distribution


def release_demo_records(
    engine: Engine,
    settings: Settings,
    password_hash: str,
    *,
    seed: int,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> ReleaseCounts:
    """Move older drafts along the workflow; returns how many reached each step."""
    rng = random.Random(seed)
    with publication_deferred(engine, settings):
        return _walk(engine, password_hash, rng, today, settings.node_code, progress)


def _walk(
    engine: Engine,
    password_hash: str,
    rng: random.Random,
    today: date,
    node: str,
    progress: Callable[[int], None] | None,
) -> ReleaseCounts:
    with engine.begin() as conn:
        actors = _ensure_actors(conn, password_hash)
        todo = list(_candidates(conn, today - timedelta(days=RECENT_DAYS)))
    submitted = validated = released = 0
    for start in range(0, len(todo), CHUNK):
        with engine.begin() as conn:
            for seizure_id, owner, distribution in todo[start : start + CHUNK]:
                k = rng.random()
                if k >= SUBMITTED_SHARE:
                    continue
                officer, supervisor = actors[owner]
                workflow.submit(conn, officer, seizure_id, node=node)
                submitted += 1
                if k >= VALIDATED_SHARE:
                    continue
                workflow.validate(conn, supervisor, seizure_id, node=node)
                validated += 1
                if k >= RELEASED_SHARE:
                    continue
                workflow.release(conn, supervisor, seizure_id, distribution, node=node)
                released += 1
        if progress is not None:
            progress(min(CHUNK, len(todo) - start))
    return ReleaseCounts(submitted=submitted, validated=validated, released=released)
