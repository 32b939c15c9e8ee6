"""Cross-border exchanges in the demo: a hit, an access request, its approval.

Persons and vehicles are never released to the region (DATA.md §2), so a node fresh from the
workflow shows no analyst another country's courier. Officers get there as the programme
intends: an analyst asks the hit/no-hit index about a phone of their own case, finds that an
agency of another country holds it, and requests access; that agency's supervisor approves.
The demo files a few such requests for each country's analyst and approves them through
:mod:`dozor.access.hit_query`, :mod:`dozor.access.requests` and :mod:`dozor.access.grants`,
so the dashboard's cross-border correlations and the correlation pages have something real
to show. Nothing is filed twice: a rerun finds the requests of the first run.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import aliased

from dozor.access import grants, requests
from dozor.access.hit_query import query_selector
from dozor.access.principal import Principal, load_principal
from dozor.demo.releases import workflow_users
from dozor.settings import Settings
from dozor.store.schema import agency, app_user, seizure, seizure_person
from dozor.store.schema_access import access_request
from dozor.store.schema_matching import selector_entry

PURPOSE = "Demo: a phone of our case is held by a neighbouring country"
PER_ANALYST = 6


def exchange_demo_requests(engine: Engine, settings: Settings, analysts: dict[str, str]) -> int:
    """File and approve access requests for each analyst (username → agency code).

    Returns how many were approved; 0 when a previous run already filed them.
    """
    with engine.begin() as conn:
        if conn.execute(
            select(func.count())
            .select_from(access_request)
            .where(access_request.c.purpose == PURPOSE)
        ).scalar_one():
            return 0
        approved = 0
        for username, agency_code in analysts.items():
            asker = _principal(conn, username)
            if asker is not None:
                approved += _exchange_for(conn, settings, asker, agency_code)
    return approved


def _exchange_for(conn: Connection, settings: Settings, asker: Principal, agency_code: str) -> int:
    """Up to ``PER_ANALYST`` approved requests for phones the asker's agency shares abroad."""
    approved = 0
    asked: set[str] = set()
    for phone in _shared_phones(conn, agency_code):
        if approved >= PER_ANALYST:
            break
        answer = query_selector(
            conn, asker, "phone", phone, "demo: checking a courier's phone", settings=settings
        )
        for match in answer.get("matches", []):
            if match["hit_ref"] in asked or match["owner_agency"] == agency_code:
                continue
            asked.add(match["hit_ref"])
            supervisor = _principal(conn, workflow_users(match["owner_agency"])[1])
            if supervisor is None:
                continue
            request_id = requests.request_access(
                conn,
                asker,
                match["hit_ref"],
                PURPOSE,
                "The same phone was found with a courier we detained; we need to know who used it.",
                "Agreement on cooperation in combating illicit drug trafficking",
                ["identity", "phones"],
                settings=settings,
                channel="demo",
            )
            grants.decide(conn, supervisor, request_id, "approved", settings=settings)
            approved += 1
            break
    return approved


def _shared_phones(conn: Connection, agency_code: str) -> list[str]:
    """Valid phones of the agency's persons that persons of another country's agency have.

    Newest case first, as an analyst works: the phones of the agency's latest seizures.
    """
    mine, theirs = aliased(selector_entry), aliased(selector_entry)
    own, other = aliased(agency), aliased(agency)
    newest = func.max(seizure.c.seized_date)
    rows = conn.execute(
        select(mine.c.value, newest)
        .join(theirs, (theirs.c.kind == mine.c.kind) & (theirs.c.value == mine.c.value))
        .join(own, own.c.id == mine.c.owner_agency_id)
        .join(other, other.c.id == theirs.c.owner_agency_id)
        .join(seizure_person, seizure_person.c.person_id == mine.c.object_id)
        .join(seizure, seizure.c.id == seizure_person.c.seizure_id)
        .where(
            mine.c.kind == "phone",
            mine.c.valid,
            mine.c.object_type == "person",
            own.c.code == agency_code,
            other.c.country != own.c.country,
        )
        .group_by(mine.c.value)
        .order_by(newest.desc(), mine.c.value)
    )
    return [str(r[0]) for r in rows]


def _principal(conn: Connection, username: str) -> Principal | None:
    user_id = conn.execute(select(app_user.c.id).where(app_user.c.username == username)).scalar()
    return None if user_id is None else load_principal(conn, str(user_id), "session")
