"""The pages over HTTP on both databases: login flow, language, password, list, detail, actions.

(The same pages in a real browser: tests/browser/.)
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
from dozor.store.schema import app_user
from dozor.web.app import create_app

PASSWORD = "pages-test-password"
USERS = {
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "kaz.supervisor": ("KAZ-CUSTOMS", ["supervisor"]),
    "uzb.analyst": ("UZB-CUSTOMS", ["analyst"]),
}
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def _body(ref: str, **changes: Any) -> dict[str, Any]:
    head = {
        "seizure_ref": ref,
        "seizure_date": "2025-03-14",
        "location_type": "bcp_road",
        "bcp": "zhibek_zholy",
        "mode_of_transport": "road",
        "tlp": "GREEN",
        "distribution": "region",
        "narrative": "Тайник в запаске",
        "origin_country": "AFG",
    }
    head.update(changes)
    return {"seizure": head, "items": [{"drug": "heroin", "quantity": "1", "unit": "kg"}]}


class World:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.clients: dict[str, TestClient] = {}
        self.ids: dict[str, str] = {}

    def client(self, username: str) -> TestClient:
        if username not in self.clients:
            client = TestClient(self.app)
            reply = client.post(
                "/login",
                data={"username": username, "password": PASSWORD, "next": "/"},
                follow_redirects=False,
            )
            assert reply.status_code == 303, reply.text
            self.clients[username] = client
        return self.clients[username]

    def csrf(self, username: str) -> str:
        found = CSRF.search(self.client(username).get("/").text)
        assert found and found.group(1)
        return found.group(1)

    def api(self, username: str, path: str, body: dict[str, Any] | None = None) -> Any:
        reply = self.client(username).post(
            path, json=body or {}, headers={"X-CSRF-Token": self.csrf(username)}
        )
        assert reply.status_code in (200, 201), reply.text
        return reply.json()


@pytest.fixture
def world(engine: Engine, settings: Settings) -> Iterator[World]:
    shared = hash_password(PASSWORD)
    with engine.begin() as conn:
        for username, (agency, roles) in USERS.items():
            create_user(
                conn, username=username, agency_code=agency, roles=roles, password_hash=shared
            )
    world = World(create_app(settings, engine))
    for name, ref, changes in (
        ("regional", "KAZ-CUSTOMS/2025/1", {}),
        ("national", "KAZ-CUSTOMS/2025/2", {"tlp": "AMBER", "distribution": "national"}),
        ("submitted", "KAZ-CUSTOMS/2025/3", {}),
    ):
        record = world.api("kaz.officer", "/api/v1/seizures", _body(ref, **changes))
        world.ids[name] = record["id"]
        world.api("kaz.officer", f"/api/v1/seizures/{record['id']}/submit")
    for name, distribution in (("regional", "region"), ("national", "national")):
        world.api("kaz.supervisor", f"/api/v1/seizures/{world.ids[name]}/validate")
        world.api(
            "kaz.supervisor",
            f"/api/v1/seizures/{world.ids[name]}/release",
            {"distribution": distribution},
        )
    yield world
    for client in world.clients.values():
        client.close()


def test_anonymous_pages_go_to_login_and_back(world: World) -> None:
    anonymous = TestClient(world.app)
    reply = anonymous.get("/seizures?status=released", follow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=%2Fseizures%3Fstatus%3Dreleased"
    htmx = anonymous.get("/seizures", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")
    page = anonymous.get("/login")
    assert 'name="username"' in page.text and 'name="password"' in page.text
    wrong = anonymous.post("/login", data={"username": "kaz.officer", "password": "nope"})
    assert wrong.status_code == 401 and 'role="alert"' in wrong.text
    evil = anonymous.post(
        "/login",
        data={"username": "kaz.officer", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert evil.status_code == 303 and evil.headers["location"] == "/"


def test_language_is_remembered_for_the_user(world: World, engine: Engine) -> None:
    client = world.client("uzb.analyst")
    assert "Изъятия" in client.get("/seizures?lang=ru").text
    with engine.connect() as conn:
        stored = conn.execute(
            select(app_user.c.ui_lang).where(app_user.c.username == "uzb.analyst")
        ).scalar_one()
    assert stored == "ru"
    page = client.get("/seizures").text
    assert '<html lang="ru">' in page and "Сбросить" in page
    assert '<html lang="en">' in client.get("/seizures?lang=en").text


def test_password_change_page(world: World) -> None:
    client, csrf = world.client("kaz.officer"), world.csrf("kaz.officer")
    differ = client.post(
        "/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "a-new-password-1",
            "new_password_again": "another-one-2",
        },
    )
    assert differ.status_code == 422 and "differ" in differ.text
    no_csrf = client.post("/password", data={"current_password": PASSWORD})
    assert no_csrf.status_code == 403
    wrong = client.post(
        "/password",
        data={
            "csrf_token": csrf,
            "current_password": "wrong-password",
            "new_password": "a-new-password-1",
            "new_password_again": "a-new-password-1",
        },
    )
    assert wrong.status_code == 403 and "current password is wrong" in wrong.text
    done = client.post(
        "/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": "a-new-password-1",
            "new_password_again": "a-new-password-1",
        },
    )
    assert done.status_code == 200 and "Your password has been changed." in done.text
    fresh = TestClient(world.app)
    again = fresh.post(
        "/login",
        data={"username": "kaz.officer", "password": "a-new-password-1"},
        follow_redirects=False,
    )
    assert again.status_code == 303


def test_list_filters_search_and_the_policy(world: World) -> None:
    officer = world.client("kaz.officer")
    page = officer.get("/seizures").text
    assert all(f"KAZ-CUSTOMS/2025/{n}" in page for n in (1, 2, 3))
    released = officer.get("/seizures?status=released").text
    assert "KAZ-CUSTOMS/2025/3" not in released and "KAZ-CUSTOMS/2025/1" in released
    fragment = officer.get("/seizures?q=запаске", headers={"HX-Target": "results"}).text
    assert "<html" not in fragment and "3 seizures" in fragment
    bad = officer.get("/seizures?date_from=2025-13-01&sort=password").text
    assert "is not a date" in bad and "Unknown sort order" in bad
    analyst = world.client("uzb.analyst")
    theirs = analyst.get("/seizures").text
    assert "KAZ-CUSTOMS/2025/1" in theirs and "KAZ-CUSTOMS/2025/2" not in theirs
    # The narrative is national: another country's search does not match inside it.
    assert "0 seizures" in analyst.get("/seizures?q=запаске").text
    assert analyst.get(f"/seizures/{world.ids['national']}").status_code == 404
    regional = analyst.get(f"/seizures/{world.ids['regional']}").text
    assert "TLP:GREEN" in regional and "Тайник" not in regional


def test_workflow_actions_from_the_detail_page(world: World) -> None:
    seizure_id = world.ids["submitted"]
    officer = world.client("kaz.officer")
    page = officer.get(f"/seizures/{seizure_id}").text
    assert "action-validate" not in page  # an officer does not validate
    supervisor, csrf = world.client("kaz.supervisor"), world.csrf("kaz.supervisor")
    no_csrf = supervisor.post(f"/seizures/{seizure_id}/workflow/validate")
    assert no_csrf.status_code == 403
    done = supervisor.post(f"/seizures/{seizure_id}/workflow/validate", data={"csrf_token": csrf})
    assert done.status_code == 200 and "Validated." in done.text
    refused = supervisor.post(
        f"/seizures/{seizure_id}/workflow/release",
        data={"csrf_token": csrf, "distribution": "listed"},
    )
    assert "Refused: listed needs agencies or countries" in refused.text
    released = supervisor.post(
        f"/seizures/{seizure_id}/workflow/release",
        data={"csrf_token": csrf, "distribution": "listed", "listed_countries": "UZB"},
    )
    assert "Released." in released.text
    assert world.client("uzb.analyst").get(f"/seizures/{seizure_id}").status_code == 200
    other = world.client("uzb.analyst")
    hidden = other.post(
        f"/seizures/{world.ids['national']}/workflow/retract",
        data={"csrf_token": world.csrf("uzb.analyst"), "reason": "x"},
    )
    assert "No such seizure." in hidden.text


def test_logout_needs_the_csrf_token(world: World) -> None:
    client = world.client("kaz.officer")
    assert client.post("/logout").status_code == 403
    out = client.post("/logout", data={"csrf_token": world.csrf("kaz.officer")})
    assert out.status_code == 200 and 'name="username"' in out.text
    assert client.get("/", follow_redirects=False).status_code == 303
