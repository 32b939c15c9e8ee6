"""The demo files and approves cross-border access requests through the real workflow."""

from __future__ import annotations

from sqlalchemy import Engine, select

from dozor.access import reads
from dozor.access.principal import load_principal
from dozor.demo.exchanges import PURPOSE
from dozor.settings import Settings
from dozor.store.schema import agency, app_user
from dozor.store.schema_access import access_grant, access_request


def test_analysts_see_a_neighbours_courier_after_an_approved_request(
    dozor,  # type: ignore[no-untyped-def]
    engine: Engine,
    settings: Settings,
) -> None:
    args = ("demo", "--seizures", "1200", "--seed", "3", "--no-serve")
    done = dozor(*args)
    assert done.code == 0, done.stderr
    assert "Cross-border access requests approved" in done.stderr
    with engine.begin() as conn:
        filed = conn.execute(
            select(access_request.c.id, access_request.c.status, agency.c.code, agency.c.country)
            .join(agency, agency.c.id == access_request.c.requester_agency_id)
            .where(access_request.c.purpose == PURPOSE)
        ).all()
        assert filed and {r.status for r in filed} == {"approved"}
        request_id, _, asker_code, asker_country = filed[0]
        seizure_id = conn.execute(
            select(access_grant.c.object_id).where(
                access_grant.c.request_id == request_id, access_grant.c.object_type == "seizure"
            )
        ).scalar()
        username = f"{asker_country.lower()}.analyst"
        user_id = conn.execute(select(app_user.c.id).where(app_user.c.username == username))
        analyst = load_principal(conn, str(user_id.scalar_one()), "session")
        assert analyst is not None and analyst.agency_code == asker_code
        record = reads.get_seizure(conn, analyst, str(seizure_id), node=settings.node_code)
    assert record is not None and record["owner_country"] != asker_country
    assert record.get("persons"), "the granted person is visible to the requesting analyst"
    again = dozor(*args)
    assert again.code == 0, again.stderr
    with engine.connect() as conn:
        rows = conn.execute(select(access_request.c.id).where(access_request.c.purpose == PURPOSE))
        assert len(rows.all()) == len(filed)
