"""The seizure form over HTTP on both databases: create, errors by field, edit, check, suggest.

(The same form in a real browser: tests/browser/test_ui_form_import_admin.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dozor.access.identity import create_user, hash_password
from dozor.settings import Settings
from dozor.store.schema import audit_log, seizure, seizure_item
from dozor.web.app import create_app

PASSWORD = "form-test-password"
USERS = {
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "kaz.border": ("KAZ-BORDER", ["officer"]),
    "kaz.analyst": ("KAZ-CUSTOMS", ["analyst"]),
}
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
DETAIL = re.compile(r"^/seizures/([0-9a-f-]{36})$")


class Client:
    def __init__(self, app: Any, username: str) -> None:
        self.http = TestClient(app)
        reply = self.http.post(
            "/login",
            data={"username": username, "password": PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert reply.status_code == 303, reply.text
        found = CSRF.search(self.http.get("/").text)
        assert found
        self.csrf = found.group(1)

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.http.post(path, data={"csrf_token": self.csrf, **data}, **kwargs)


@pytest.fixture
def app(engine: Engine, settings: Settings) -> Iterator[Any]:
    shared = hash_password(PASSWORD)
    with engine.begin() as conn:
        for username, (agency, roles) in USERS.items():
            create_user(
                conn, username=username, agency_code=agency, roles=roles, password_hash=shared
            )
    yield create_app(settings, engine)


def form_data(ref: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seizure_ref": ref,
        "seizure_day": "2025-05-14",
        "seizure_time": "09:30",
        "location_type": "bcp_road",
        "bcp": "Жибек Жолы — Гишт-Куприк",
        "mode_of_transport": "road",
        "tlp": "GREEN",
        "distribution": "region",
        "handling": ["H0"],
        "items-0-drug": "Героин",
        "items-0-quantity": "2,5",
        "items-0-unit": "kg",
        "items-1-drug": "гашиш",
        "items-1-quantity": "400",
        "items-1-unit": "g",
        "legs-0-role": "origin",
        "legs-0-country": "Афганистан",
        "legs-1-role": "transit",
        "legs-1-country": "Tajikistan",
        "legs-2-role": "destination",
        "legs-2-country": "RUS",
        "persons-0-role": "driver",
        "persons-0-surname": "Юсупов",
        "persons-0-date_of_birth": "1985-03-12",
        "persons-0-nationality": "Узбекистан",
        "persons-0-vehicle_plate": "01 A 123 BC",
        "persons-0-vehicle_country": "UZB",
        "narrative": "Тайник в запаске",
    }
    data.update(changes)
    return data


def test_create_a_seizure_with_two_items_route_and_a_person(app: Any, engine: Engine) -> None:
    officer = Client(app, "kaz.officer")
    page = officer.http.get("/seizures/new")
    assert page.status_code == 200 and 'value="KAZ-CUSTOMS/' in page.text
    reply = officer.post("/seizures/new", form_data("KAZ-CUSTOMS/2025/7"), follow_redirects=False)
    assert reply.status_code == 303, reply.text
    found = DETAIL.match(reply.headers["location"])
    assert found
    detail = officer.http.get(reply.headers["location"]).text
    assert "Seizure saved as a draft." in detail
    assert "Heroin" in detail and "Cannabis resin" in detail and "Юсупов" in detail
    assert f'href="/seizures/{found.group(1)}/edit"' in detail  # the Edit link appears
    with engine.connect() as conn:
        row = conn.execute(
            select(seizure.c.reporting_channel, seizure.c.tlp, seizure.c.bcp_code).where(
                seizure.c.id == found.group(1)
            )
        ).one()
        items = conn.execute(
            select(seizure_item.c.substance_code).where(seizure_item.c.seizure_id == found.group(1))
        ).scalars()
        assert sorted(items) == ["cannabis_resin", "heroin"]
    assert tuple(row) == ("ui", "GREEN", "zhibek_zholy")


def test_errors_appear_by_their_fields_with_the_import_messages(app: Any) -> None:
    officer = Client(app, "kaz.officer")
    bad = form_data(
        "KAZ-CUSTOMS/2025/8",
        **{
            "items-1-drug": "героинн-х",
            "items-1-quantity": "abc",
            "legs-1-country": "Atlantis",
            "seizure_day": "",
        },
    )
    reply = officer.post("/seizures/new", bad)
    assert reply.status_code == 422
    html = reply.text
    for field in ("items-1-drug", "items-1-quantity", "legs-1-country", "seizure_day"):
        error = re.search(rf'id="{field}-error" data-error-for="{field}">([^<]+)</p>', html)
        assert error, field
    assert "&#39;abc&#39; is not a number" in html or "'abc' is not a number" in html
    assert 'id="items-1-drug"' in html and 'value="героинн-х"' in html  # the input is kept
    # The same check in Russian, as the import says it.
    russian = officer.post("/seizures/new?lang=ru", bad).text
    assert "не число" in russian
    # The dry run used while typing returns the same errors as JSON and writes nothing.
    check = officer.post("/seizures/new/check", bad, headers={"X-CSRF-Token": officer.csrf})
    assert check.status_code == 200
    errors = check.json()["errors"]
    assert set(errors) >= {"items-1-drug", "items-1-quantity", "legs-1-country", "seizure_day"}
    good = officer.post("/seizures/new/check", form_data("KAZ-CUSTOMS/2025/8"))
    assert good.json() == {"errors": {}, "general": []}
    assert "KAZ-CUSTOMS/2025/8" not in officer.http.get("/seizures").text


def test_a_taken_reference_is_refused(app: Any) -> None:
    officer = Client(app, "kaz.officer")
    first = officer.post("/seizures/new", form_data("KAZ-CUSTOMS/2025/9"), follow_redirects=False)
    assert first.status_code == 303
    again = officer.post("/seizures/new", form_data("KAZ-CUSTOMS/2025/9"))
    assert again.status_code == 422 and "exists already" in again.text


def test_edit_keeps_persons_and_vehicles_and_only_the_owner_may(app: Any, engine: Engine) -> None:
    officer = Client(app, "kaz.officer")
    created = officer.post(
        "/seizures/new", form_data("KAZ-CUSTOMS/2025/10"), follow_redirects=False
    )
    seizure_id = created.headers["location"].rsplit("/", 1)[1]
    form = officer.http.get(f"/seizures/{seizure_id}/edit")
    assert form.status_code == 200
    html = form.text
    assert 'value="Юсупов"' in html and 'value="01 A 123 BC"' in html
    assert 'value="Героин"' in html and 'value="2,5"' in html
    edited = form_data("ignored", **{"items-1-quantity": "450", "persons-0-given_name": "Бахтиёр"})
    saved = officer.post(f"/seizures/{seizure_id}/edit", edited, follow_redirects=False)
    assert saved.status_code == 303
    detail = officer.http.get(saved.headers["location"]).text
    assert "Seizure saved." in detail and "Бахтиёр" in detail and "KAZ-CUSTOMS/2025/10" in detail
    again = officer.http.get(f"/seizures/{seizure_id}/edit").text
    assert 'value="01 A 123 BC"' in again and 'value="450"' in again
    # Another agency's officer, and an analyst, get a 404 page.
    other = Client(app, "kaz.border")
    assert other.http.get(f"/seizures/{seizure_id}/edit").status_code == 404
    assert other.post(f"/seizures/{seizure_id}/edit", edited).status_code == 404
    analyst = Client(app, "kaz.analyst")
    assert analyst.http.get("/seizures/new").status_code == 404
    with engine.connect() as conn:
        stored = conn.execute(
            select(seizure.c.version).where(seizure.c.id == seizure_id)
        ).scalar_one()
        reads = conn.execute(
            select(audit_log.c.action).where(audit_log.c.channel == "ui")
        ).scalars()
        assert "read_nominal" in list(reads)
    assert stored == 2


def test_suggestions_in_the_users_language(app: Any) -> None:
    officer = Client(app, "kaz.officer")
    reply = officer.http.get("/ui/suggest/drug", params={"q": "ханк"})
    assert reply.json()["items"][0]["code"] == "acetylated_opium"
    assert reply.json()["items"][0]["value"] == "Acetylated opium"
    officer.http.get("/seizures?lang=ru")
    russian = officer.http.get("/ui/suggest/country", params={"q": "тадж"}).json()["items"]
    assert russian[0] == {
        "value": "Таджикистан",
        "label": "Таджикистан",
        "hint": "TJK",
        "code": "TJK",
    }
    bcp = officer.http.get("/ui/suggest/bcp", params={"q": "жибек"}).json()["items"]
    assert bcp[0]["code"] == "zhibek_zholy"
    assert officer.http.get("/ui/suggest/nothing", params={"q": "x"}).json()["items"] == []
    assert TestClient(app).get("/ui/suggest/drug?q=x", follow_redirects=False).status_code == 303


def test_without_persons_and_the_last_person_is_not_removed_silently(app: Any) -> None:
    officer = Client(app, "kaz.officer")
    bare = {k: v for k, v in form_data("KAZ-CUSTOMS/2025/11").items() if "persons-" not in k}
    created = officer.post("/seizures/new", bare, follow_redirects=False)
    assert created.status_code == 303, created.text
    with_person = officer.post(
        "/seizures/new", form_data("KAZ-CUSTOMS/2025/12"), follow_redirects=False
    )
    seizure_id = with_person.headers["location"].rsplit("/", 1)[1]
    emptied = officer.post(f"/seizures/{seizure_id}/edit", {**bare, "seizure_ref": "x"})
    assert emptied.status_code == 422 and "cannot remove the last person" in emptied.text
