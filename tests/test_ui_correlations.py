"""The correlation pages over HTTP on both databases (the same pages in chromium:
tests/browser/test_correlations.py): queue and judging, exclusions, person, vehicle and
seizure views, and what a user of another country gets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from dozor.access.identity import create_user, hash_password
from dozor.settings import Settings
from dozor.store.schema_matching import match_judgement, selector_exclusion
from dozor.web.app import create_app

PASSWORD = "correlation-pages-password"
USERS = {
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "kaz.supervisor": ("KAZ-CUSTOMS", ["supervisor"]),
    "kaz.analyst": ("KAZ-CUSTOMS", ["analyst"]),
    "uzb.analyst": ("UZB-CUSTOMS", ["analyst"]),
}
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
PAIR = re.compile(r'data-pair="([^:"]+):([^"]+)"')


def _login(app: Any, username: str) -> TestClient:
    client = TestClient(app)
    reply = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    found = CSRF.search(client.get("/?lang=en").text)
    assert found
    client.headers["X-CSRF-Token"] = found.group(1)
    return client


@pytest.fixture
def world(engine: Engine, settings: Settings) -> Iterator[dict[str, Any]]:
    shared = hash_password(PASSWORD)
    with engine.begin() as conn:
        for username, (agency, roles) in USERS.items():
            create_user(
                conn, username=username, agency_code=agency, roles=roles, password_hash=shared
            )
    app = create_app(settings, engine)
    clients = {name: _login(app, name) for name in USERS}
    ids: dict[str, Any] = {}
    for key, surname, given in (("one", "Юсупов", "Бахтиёр"), ("two", "Yusupov", "Baxtiyor")):
        body = {
            "seizure": {
                "seizure_ref": f"KAZ-CUSTOMS/2025/{key}",
                "seizure_date": "2025-03-14",
                "location_type": "road",
                "mode_of_transport": "road",
                "tlp": "GREEN",
                "distribution": "region",
            },
            "items": [{"drug": "heroin", "quantity": "1", "unit": "kg"}],
            "persons": [
                {
                    "role": "courier",
                    "surname": surname,
                    "given_name": given,
                    "date_of_birth": "12.03.1985",
                    "phone": "+7 701 123 4567",
                    "vehicle_plate": f"12{len(key)}ABC0{len(surname)}",
                    "vehicle_country": "KAZ",
                }
            ],
        }
        officer, supervisor = clients["kaz.officer"], clients["kaz.supervisor"]
        created = officer.post("/api/v1/seizures", json=body)
        assert created.status_code == 201, created.text
        seizure_id = created.json()["id"]
        assert officer.post(f"/api/v1/seizures/{seizure_id}/submit").status_code == 200
        assert supervisor.post(f"/api/v1/seizures/{seizure_id}/validate").status_code == 200
        released = supervisor.post(
            f"/api/v1/seizures/{seizure_id}/release", json={"distribution": "region"}
        )
        assert released.status_code == 200, released.text
        record = officer.get(f"/api/v1/seizures/{seizure_id}").json()
        ids[key] = seizure_id
        ids[f"{key}_person"] = record["persons"][0]["id"]
        ids[f"{key}_vehicle"] = record["conveyances"][0]["id"]
    yield {"clients": clients, "ids": ids}
    for client in clients.values():
        client.close()


def test_queue_judging_and_the_person_page(world: dict[str, Any], engine: Engine) -> None:
    kaz, ids = world["clients"]["kaz.analyst"], world["ids"]
    page = kaz.get("/correlations")
    assert page.status_code == 200
    pairs = PAIR.findall(page.text)
    expected = tuple(sorted((ids["one_person"], ids["two_person"])))
    assert pairs == [expected]
    assert "Why these two" in page.text and "Date of birth" in page.text
    # htmx asks for the queue region only.
    region = kaz.get(
        "/correlations?min_score=0.3", headers={"HX-Request": "true", "HX-Target": "queue"}
    )
    assert "<html" not in region.text and PAIR.findall(region.text) == [expected]
    # A plain form post (no script) is judged and redirected back with a message.
    judged = kaz.post(
        "/correlations/judgements",
        data={"person_a": expected[0], "person_b": expected[1], "verdict": "same",
              "note": "same phone", "next": "/correlations"},
        follow_redirects=False,
    )  # fmt: skip
    assert judged.status_code == 303 and judged.headers["location"] == "/correlations"
    after = kaz.get("/correlations").text
    assert "Judged: Same person." in after and PAIR.findall(after) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(match_judgement)).scalar() == 1
    person = kaz.get(f"/persons/{ids['one_person']}").text
    assert f'href="/persons/{ids["two_person"]}"' in person  # the cluster and the match
    assert "+77011234567" in person and 'data-status="correlated"' in person
    vehicle = kaz.get(f"/vehicles/{ids['one_vehicle']}")
    assert vehicle.status_code == 200 and "KAZ-CUSTOMS/2025/one" in vehicle.text
    block = kaz.get(f"/seizures/{ids['one']}/correlations").text
    assert "KAZ-CUSTOMS/2025/two" in block and "Related seizures" in block
    detail = kaz.get(f"/seizures/{ids['one']}").text
    assert f'hx-get="/seizures/{ids["one"]}/correlations"' in detail
    chart = kaz.get(f"/link-chart?start=person:{ids['one_person']}&depth=3").text
    assert f"/api/v1/link-chart?start=person%3A{ids['one_person']}&amp;depth=3" in chart
    russian = kaz.get("/correlations?lang=ru").text
    assert "Кандидаты для решения" in russian and "Частые значения" in russian
    kaz.get("/correlations?lang=en")


def test_refusals_exclusions_and_another_country(world: dict[str, Any], engine: Engine) -> None:
    clients, ids = world["clients"], world["ids"]
    officer, kaz, uzb = clients["kaz.officer"], clients["kaz.analyst"], clients["uzb.analyst"]
    pair = sorted((ids["one_person"], ids["two_person"]))
    refused = officer.post(
        "/correlations/judgements",
        data={"person_a": pair[0], "person_b": pair[1], "verdict": "same"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 200 and "Refused:" in refused.text and "analyst" in refused.text
    assert 'id="exclude-form"' not in officer.get("/correlations").text  # officers may not
    added = kaz.post(
        "/correlations/exclusions",
        data={"kind": "phone", "value": "+7 701 123 4567", "reason": "duty desk"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    listed = kaz.get("/correlations").text
    assert "Excluded from correlation: +7 701 123 4567" in listed and "duty desk" in listed
    assert 'data-status="excluded"' in kaz.get(f"/persons/{ids['one_person']}").text
    bad = kaz.post(
        "/correlations/exclusions",
        data={"kind": "phone", "value": "12", "reason": "x"},
        follow_redirects=False,
    )
    assert bad.status_code == 303
    assert "Refused:" in kaz.get("/correlations").text
    with engine.connect() as conn:
        exclusion_id = conn.execute(select(selector_exclusion.c.id)).scalar_one()
    removed = kaz.post(f"/correlations/exclusions/{exclusion_id}/remove", follow_redirects=False)
    assert removed.status_code == 303
    assert "The value correlates again." in kaz.get("/correlations").text
    # Uzbekistan reads the regional seizures but not the Kazakh persons: 404 like a made-up id.
    hidden = uzb.get(f"/persons/{ids['one_person']}")
    made_up = uzb.get("/persons/01000000-0000-7000-8000-000000000000")
    assert hidden.status_code == made_up.status_code == 404
    assert hidden.text.replace(ids["one_person"], "") == made_up.text.replace(
        "01000000-0000-7000-8000-000000000000", ""
    )
    assert uzb.get(f"/vehicles/{ids['one_vehicle']}").status_code == 404
    assert PAIR.findall(uzb.get("/correlations").text) == []
    assert uzb.get(f"/seizures/{ids['one']}").status_code == 200
    block = uzb.get(f"/seizures/{ids['one']}/correlations").text
    assert "+77011234567" not in block and "Yusupov" not in block
    denied = uzb.post(
        "/correlations/judgements",
        data={"person_a": pair[0], "person_b": pair[1], "verdict": "same"},
        headers={"HX-Request": "true"},
    )
    assert "Refused: no such person" in denied.text
