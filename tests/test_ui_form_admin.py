"""The admin pages over HTTP on both databases: who may, agencies, units, users, roles, tokens.

(The same pages in a real browser: tests/browser/test_ui_form_import_admin.py.)
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dozor.access.identity import create_user, hash_password
from dozor.settings import Settings
from dozor.store.schema import app_user, audit_log, unit
from dozor.web.app import create_app
from test_ui_form import PASSWORD, Client

ADMINS = {
    "kaz.admin": ("KAZ-CUSTOMS", ["national_admin"]),
    "hub.admin": ("HUB-CARICC", ["hub_admin"]),
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "uzb.officer": ("UZB-CUSTOMS", ["officer"]),
}
SECRET = re.compile(r'id="token-secret" translate="no">(dzr_[^<]+)</p>')


@pytest.fixture
def admin_app(engine: Engine, settings: Settings) -> Any:
    shared = hash_password(PASSWORD)
    with engine.begin() as conn:
        for username, (agency, roles) in ADMINS.items():
            create_user(
                conn, username=username, agency_code=agency, roles=roles, password_hash=shared
            )
    return create_app(settings, engine)


def user_id(engine: Engine, username: str) -> str:
    with engine.connect() as conn:
        found = conn.execute(select(app_user.c.id).where(app_user.c.username == username))
        return str(found.scalar_one())


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.details)).all()
    out = []
    for row in rows:
        details = json.loads(row.details) if isinstance(row.details, str) else row.details
        out.append((row.action, (details or {}).get("change", "")))
    return out


def test_only_admins_open_the_admin_pages(admin_app: Any) -> None:
    officer = Client(admin_app, "kaz.officer")
    for path in ("/admin", "/admin/users", "/admin/units", "/admin/tokens"):
        assert officer.http.get(path).status_code == 404, path
    assert officer.post("/admin/users", {"username": "x"}).status_code == 404
    assert "/admin" not in re.findall(r'href="(/admin)"', officer.http.get("/").text)
    admin = Client(admin_app, "kaz.admin")
    page = admin.http.get("/admin")
    assert page.status_code == 200 and 'href="/admin"' in page.text
    assert 'id="add-agency"' not in page.text  # only the hub admin adds agencies


def test_hub_admin_adds_an_agency_and_a_national_admin_may_not(
    admin_app: Any, engine: Engine
) -> None:
    national = Client(admin_app, "kaz.admin")
    refused = national.post(
        "/admin/agencies", {"code": "KAZ-DCS", "kind": "police", "name_en": "X"}
    )
    assert "Only a hub admin may add agencies." in refused.text
    hub = Client(admin_app, "hub.admin")
    added = hub.post(
        "/admin/agencies",
        {"code": "KAZ-DCS", "country": "KAZ", "kind": "police", "name_en": "Drug Control Service"},
    )
    assert "Agency KAZ-DCS added." in added.text and "Drug Control Service" in added.text
    bad = hub.post(
        "/admin/agencies", {"code": "KAZ-X", "country": "UZB", "kind": "police", "name_en": "X"}
    )
    assert "must start with its country UZB-" in bad.text
    assert ("admin_change", "agency_added") in audit_actions(engine)


def test_units_of_own_country_only(admin_app: Any, engine: Engine) -> None:
    admin = Client(admin_app, "kaz.admin")
    page = admin.http.get("/admin/units").text
    assert "KAZ-CUSTOMS" in page and "UZB-CUSTOMS" not in page
    agency_id = re.search(r'<option value="([^"]+)" translate="no">KAZ-CUSTOMS<', page)
    assert agency_id
    missing_bcp = admin.post(
        "/admin/units", {"agency_id": agency_id.group(1), "kind": "bcp_post", "name_en": "Post"}
    )
    assert "needs its crossing point" in missing_bcp.text
    done = admin.post(
        "/admin/units",
        {
            "agency_id": agency_id.group(1),
            "kind": "bcp_post",
            "name_en": "Zhibek Zholy post",
            "bcp_code": "zhibek_zholy",
        },
    )
    assert "Unit added." in done.text and "Zhibek Zholy post" in done.text
    with engine.connect() as conn:
        assert conn.execute(select(unit.c.bcp_code)).scalar_one() == "zhibek_zholy"


def test_users_roles_status_password_and_the_country_rule(
    admin_app: Any, engine: Engine, settings: Settings
) -> None:
    admin = Client(admin_app, "kaz.admin")
    users = admin.http.get("/admin/users").text
    assert "kaz.officer" in users and "uzb.officer" not in users and "hub.admin" not in users
    assert 'value="hub_admin"' not in users  # a national admin cannot make hub admins
    form = {
        "username": "kaz.new",
        "agency": "KAZ-CUSTOMS",
        "roles": ["officer"],
        "password": "short",
        "ui_lang": "en",
    }
    assert "at least 10 characters" in admin.post("/admin/users", form).text
    foreign = admin.post(
        "/admin/users", {**form, "agency": "UZB-CUSTOMS", "password": "long enough pw"}
    )
    assert "You do not manage that agency." in foreign.text
    hub_role = admin.post(
        "/admin/users", {**form, "roles": ["hub_admin"], "password": "long enough pw"}
    )
    assert "You may not give the role hub_admin." in hub_role.text
    added = admin.post("/admin/users", {**form, "password": "long enough pw"})
    assert "User kaz.new added." in added.text
    new_id = user_id(engine, "kaz.new")
    roles = admin.post(f"/admin/users/{new_id}/roles", {"roles": ["officer", "supervisor"]})
    assert "Roles of kaz.new changed." in roles.text
    password = admin.post(
        f"/admin/users/{new_id}/password",
        {"password": "a new password", "password_again": "a new password"},
    )
    assert "Password of kaz.new set" in password.text
    login = TestClient(admin_app).post(
        "/api/v1/auth/login", json={"username": "kaz.new", "password": "a new password"}
    )
    assert login.status_code == 200 and sorted(login.json()["user"]["roles"]) == [
        "officer",
        "supervisor",
    ]
    disabled = admin.post(f"/admin/users/{new_id}/disable", {})
    assert "disabled" in disabled.text
    again = TestClient(admin_app).post(
        "/api/v1/auth/login", json={"username": "kaz.new", "password": "a new password"}
    )
    assert again.status_code == 401
    assert "enabled" in admin.post(f"/admin/users/{new_id}/enable", {}).text
    self_id = user_id(engine, "kaz.admin")
    assert "cannot change your own roles" in admin.post(f"/admin/users/{self_id}/disable", {}).text
    uzb = user_id(engine, "uzb.officer")
    assert admin.http.get(f"/admin/users/{uzb}").status_code == 404
    assert admin.post(f"/admin/users/{uzb}/disable", {}).status_code == 404
    changes = {change for action, change in audit_actions(engine) if action == "admin_change"}
    assert {"user_added", "roles_set", "password_set", "user_disabled", "user_enabled"} <= changes


def test_token_shown_once_works_and_is_revoked(admin_app: Any, engine: Engine) -> None:
    admin = Client(admin_app, "kaz.admin")
    officer_id = user_id(engine, "kaz.officer")
    too_long = admin.post(f"/admin/users/{officer_id}/tokens", {"scope": "read", "days": "9999"})
    assert "between 1 and 365 days" in too_long.text
    issued = admin.post(
        f"/admin/users/{officer_id}/tokens", {"scope": "read", "days": "30", "name": "reports"}
    )
    found = SECRET.search(issued.text)
    assert found, issued.text
    token = found.group(1)
    api = TestClient(admin_app)
    auth = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/seizures", headers=auth).status_code == 200
    listing = admin.http.get("/admin/tokens").text
    assert token not in listing and "reports" in listing
    token_id = re.search(r'action="/admin/tokens/([^/]+)/revoke"', listing)
    assert token_id
    revoked = admin.post(f"/admin/tokens/{token_id.group(1)}/revoke", {"back": "/admin/tokens"})
    assert "Token revoked." in revoked.text
    assert api.get("/api/v1/seizures", headers=auth).status_code == 401
    actions = [action for action, _change in audit_actions(engine)]
    assert "token_create" in actions and "token_revoke" in actions
