"""The seizure form, the import page and the admin pages in real chromium (SQLite).

Also: the Content-Security-Policy of the pages is not violated anywhere (dashboard, detail
map, Swagger UI included), the pages work on a 768 px tablet, and the Russian pages have no
English left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from live import PASSWORD, LiveServer
from playwright.sync_api import expect
from test_ui_seizures_browser import english_words

from dozor.access.identity import create_user, hash_password
from dozor.store.db import make_engine

pytestmark = pytest.mark.browser
Pages = Callable[[str | None], Any]
EXTRA_USERS = {
    "kaz.admin": ("KAZ-CUSTOMS", ["national_admin"]),
    "kaz.ru": ("KAZ-CUSTOMS", ["officer"]),  # switches to Russian; others stay English
}
HEADER = (
    "seizure_ref,reporting_country,reporting_agency,seizure_date,location_type,drug,quantity,"
    "unit,mode_of_transport,tlp,distribution\n"
)
GOOD_ROWS = (
    "KAZ-CUSTOMS/2025/000301,KAZ,KAZ-CUSTOMS,2025-06-01,road,героин,1.5,кг,road,GREEN,region\n"
    "KAZ-CUSTOMS/2025/000301,KAZ,KAZ-CUSTOMS,2025-06-01,road,гашиш,300,г,road,GREEN,region\n"
)
BAD_ROWS = (
    "KAZ-CUSTOMS/2025/000401,KAZ,KAZ-CUSTOMS,2025-06-01,road,героин,много,кг,road,GREEN,region\n"
    "KAZ-CUSTOMS/2025/000402,KAZ,KAZ-CUSTOMS,31.02.2025,road,опий,2,кг,road,GREEN,region\n"
)


@pytest.fixture(scope="module", autouse=True)
def extra_users(live_server: LiveServer) -> None:
    engine = make_engine(live_server.database_url)
    shared = hash_password(PASSWORD)
    with engine.begin() as conn:
        for username, (agency, roles) in EXTRA_USERS.items():
            create_user(
                conn, username=username, agency_code=agency, roles=roles, password_hash=shared
            )
    engine.dispose()


@pytest.fixture
def csp_violations() -> list[str]:
    """Console reports of Content-Security-Policy violations of the pages watched."""
    return []


def watch_csp(page: Any, found: list[str]) -> Any:
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return page


def choose(page: Any, field: str, typed: str, option: str) -> None:
    """Type into an autocompleted field and pick a suggestion with the keyboard."""
    page.fill(f"#{field}", "")
    page.type(f"#{field}", typed, delay=30)
    listed = page.locator(f"#{field}-list [role=option]", has_text=option).first
    listed.wait_for()
    while page.get_attribute(f"#{field}", "aria-activedescendant") != listed.get_attribute("id"):
        page.press(f"#{field}", "ArrowDown")
    page.press(f"#{field}", "Enter")
    assert page.input_value(f"#{field}") == option


def test_create_edit_and_submit_in_the_form(
    pages: Pages, live_server: LiveServer, csp_violations: list[str]
) -> None:
    page = watch_csp(pages("kaz.officer"), csp_violations)
    page.goto(f"{live_server.url}/seizures")
    page.click("nav.main-nav >> text=New seizure")
    page.wait_for_url(re.compile(r"/seizures/new$"))
    page.fill("#seizure_ref", "KAZ-CUSTOMS/2025/000201")
    page.fill("#seizure_day", "2025-06-01")
    page.select_option("#location_type", "bcp_road")
    choose(page, "bcp", "жибек", "Zhibek Zholy – Gisht Kuprik")
    page.select_option("#mode_of_transport", "road")
    choose(page, "items-0-drug", "геро", "Heroin")
    page.fill("#items-0-quantity", "1,5")
    page.select_option("#items-0-unit", "kg")
    page.click("#add-item")
    assert page.evaluate("document.activeElement.id") == "items-1-drug"
    choose(page, "items-1-drug", "hashi", "Cannabis resin (hashish)")
    page.select_option("#items-1-unit", "g")
    # Inline validation: the import's message appears by the field, and goes when fixed.
    page.fill("#items-1-quantity", "abc")
    page.press("#items-1-quantity", "Tab")
    error = page.locator("#items-1-quantity-error")
    error.wait_for(state="visible")
    expect(error).to_contain_text("'abc' is not a number", use_inner_text=True)
    assert page.get_attribute("#items-1-quantity", "aria-invalid") == "true"
    page.fill("#items-1-quantity", "300")
    page.press("#items-1-quantity", "Tab")
    error.wait_for(state="hidden")
    for index, (role, typed, country) in enumerate(
        (("origin", "афг", "Afghanistan"), ("destination", "russ", "Russia"))
    ):
        page.click("#add-leg")
        page.select_option(f"#legs-{index}-role", role)
        choose(page, f"legs-{index}-country", typed, country)
    # A person row added and removed with the keyboard only.
    page.focus("#add-person")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "persons-0-role"
    page.focus("[data-row=persons] .remove-row")
    page.keyboard.press("Enter")
    expect(page.locator("[data-row=persons]")).to_have_count(0)
    # The form fits a 768 px tablet without sideways scrolling.
    page.set_viewport_size({"width": 768, "height": 1024})
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.set_viewport_size({"width": 1280, "height": 800})
    page.select_option("#tlp", "GREEN")
    page.select_option("#distribution", "region")
    page.check("#handling-H0")
    page.click("#save-seizure")
    page.wait_for_load_state()
    assert "/new" not in page.url, page.locator("#form-errors").inner_text()
    page.wait_for_url(re.compile(r"/seizures/[0-9a-f-]{36}$"))
    expect(page.locator(".flash-ok")).to_have_text("Seizure saved as a draft.", use_inner_text=True)
    items = page.locator("#items").inner_text()
    assert "Heroin" in items and "Cannabis resin" in items
    legs = page.locator("#route-legs").inner_text()
    assert "Afghanistan" in legs and "Russia" in legs
    detail_url = page.url
    page.goto(f"{live_server.url}/seizures?q=000201")
    expect(page.locator("#seizure-table").get_by_text("KAZ-CUSTOMS/2025/000201")).to_have_count(1)
    # Edit: the form comes back filled; change a quantity.
    page.goto(detail_url)
    page.click("#actions >> text=Edit")
    page.wait_for_url(re.compile(r"/edit$"))
    assert page.input_value("#items-1-drug") == "Cannabis resin (hashish)"
    assert page.input_value("#legs-1-country") == "Russia"
    page.fill("#items-1-quantity", "350")
    page.click("#save-seizure")
    page.wait_for_url(detail_url)
    expect(page.locator(".flash-ok")).to_have_text("Seizure saved.", use_inner_text=True)
    expect(page.locator("#items")).to_contain_text("350", use_inner_text=True)
    page.click("#action-submit button")
    expect(page.locator(".flash-ok")).to_have_text("Submitted for validation.", use_inner_text=True)
    assert not csp_violations, "\n".join(csp_violations)


def write(tmp_path: Path, name: str, rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_import_a_bad_file_then_a_good_one(
    pages: Pages, live_server: LiveServer, tmp_path: Path, csp_violations: list[str]
) -> None:
    page = watch_csp(pages("kaz.officer"), csp_violations)
    page.goto(f"{live_server.url}/import")
    page.set_input_files("#seizures_file", str(write(tmp_path, "bad.csv", BAD_ROWS)))
    page.click("#upload-button")
    page.wait_for_selector("#import-errors")
    rows = page.locator("#import-errors tbody tr")
    expect(rows).to_have_count(2)
    cells = [r.locator("td").all_inner_texts() for r in rows.all()]
    assert ["bad.csv", "bad", "2", "quantity", "много", "'много' is not a number"] in cells
    assert any(c[2:5] == ["3", "seizure_date", "31.02.2025"] for c in cells)
    expect(page.locator(".preview td.cell-error")).to_have_count(2)
    page.click("#cancel-button")
    page.wait_for_url(re.compile(r"/import$"))
    expect(page.locator(".flash-ok")).to_contain_text("deleted", use_inner_text=True)
    page.set_input_files("#seizures_file", str(write(tmp_path, "good.csv", GOOD_ROWS)))
    page.click("#upload-button")
    page.wait_for_selector("#check-ok")
    page.click("#commit-button")
    page.wait_for_selector("#import-done")
    expect(page.locator("#import-counts .big").first).to_have_text("1", use_inner_text=True)
    page.click("text=Open the list of seizures")
    page.fill("#q", "000301")
    page.wait_for_url(re.compile(r"q=000301"))
    expect(page.locator("#result-count")).to_have_text("1 seizure", use_inner_text=True)
    assert not csp_violations, "\n".join(csp_violations)


def test_download_the_template_in_russian(
    pages: Pages, live_server: LiveServer, tmp_path: Path
) -> None:
    page = pages("kaz.officer")
    page.goto(f"{live_server.url}/import")
    with page.expect_download() as download:
        page.click("#template-ru")
    assert download.value.suggested_filename == "dozor-import-template-ru.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames == ["seizures", "persons", "значения"]
    assert book["значения"]["D1"].value == "русский"


def test_admin_creates_a_user_and_a_token(
    pages: Pages, live_server: LiveServer, csp_violations: list[str]
) -> None:
    page = watch_csp(pages("kaz.admin"), csp_violations)
    page.goto(f"{live_server.url}/")
    page.click("nav.main-nav >> text=Admin")
    expect(page.locator("#agency-table").get_by_text("KAZ-CUSTOMS")).to_have_count(1)
    page.click(".admin-nav >> text=Users")
    page.fill("#user-username", "kaz.newcomer")
    page.fill("#user-display", "Айгерим Сапарова")
    page.select_option("#user-agency", "KAZ-CUSTOMS")
    page.fill("#user-password", "a long first password")
    page.check("#new-role-officer")
    page.click("#add-user button[type=submit]")
    expect(page.locator(".flash-ok")).to_have_text("User kaz.newcomer added.", use_inner_text=True)
    page.click("#user-table >> text=kaz.newcomer")
    expect(page.locator("#user-roles")).to_have_text("Officer", use_inner_text=True)
    page.fill("#token-name", "nightly export")
    page.select_option("#token-scope", "read")
    page.click("#token-form button[type=submit]")
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("dzr_")
    reply = httpx.get(
        f"{live_server.url}/api/v1/seizures", headers={"Authorization": f"Bearer {secret}"}
    )
    assert reply.status_code == 200
    page.click("text=Back to the user")
    assert secret not in page.content()
    expect(page.locator("#token-table .token-status")).to_have_text("active", use_inner_text=True)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#token-table button:has-text('Revoke')")
    expect(page.locator(".flash-ok")).to_have_text("Token revoked.", use_inner_text=True)
    reply = httpx.get(
        f"{live_server.url}/api/v1/seizures", headers={"Authorization": f"Bearer {secret}"}
    )
    assert reply.status_code == 401
    assert not csp_violations, "\n".join(csp_violations)


def test_a_non_admin_cannot_open_admin(pages: Pages, live_server: LiveServer) -> None:
    page = pages("kaz.officer")
    page.goto(f"{live_server.url}/")
    expect(page.locator("nav.main-nav >> text=Admin")).to_have_count(0)
    answer = page.goto(f"{live_server.url}/admin/users")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("Not found", use_inner_text=True)


def test_pages_keep_their_content_security_policy(
    pages: Pages, live_server: LiveServer, csp_violations: list[str]
) -> None:
    page = watch_csp(pages("kaz.supervisor"), csp_violations)
    answer = page.goto(f"{live_server.url}/")
    assert answer is not None
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    page.goto(f"{live_server.url}/seizures/{live_server.seizures['regional']}")
    page.wait_for_selector("#route-map path.leaflet-interactive")
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector("#swagger-ui .opblock-tag")
    expect(page.locator("#swagger-ui .opblock-tag").nth(3)).to_be_attached()
    assert not csp_violations, "\n".join(csp_violations)


def test_russian_form_import_and_admin_pages_have_no_english(
    pages: Pages, live_server: LiveServer, tmp_path: Path
) -> None:
    page = pages("kaz.ru")
    page.goto(f"{live_server.url}/seizures/new?lang=ru")
    expect(page.locator("h1")).to_have_text("Новое изъятие", use_inner_text=True)
    assert not english_words(page), english_words(page)
    page.click("#add-item")
    page.click("#add-person")
    page.fill("#items-0-quantity", "много")
    page.click("#save-seizure")  # refused: each reason by its field, in Russian
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#items-0-quantity-error")).to_contain_text("не число", use_inner_text=True)
    assert not english_words(page), english_words(page)
    page.goto(f"{live_server.url}/import")
    assert not english_words(page), english_words(page)
    page.set_input_files("#seizures_file", str(write(tmp_path, "плохой.csv", BAD_ROWS)))
    page.click("#upload-button")
    page.wait_for_selector("#import-errors")
    expect(page.locator("#import-errors")).to_contain_text("не число", use_inner_text=True)
    assert not english_words(page), english_words(page)
    page.click("#cancel-button")
    page.wait_for_url(re.compile(r"/import$"))
    admin = pages("kaz.admin")
    admin.goto(f"{live_server.url}/admin?lang=ru")
    try:
        for url in ("/admin", "/admin/units", "/admin/users", "/admin/tokens"):
            admin.goto(live_server.url + url)
            assert not english_words(admin), (url, english_words(admin))
    finally:
        admin.goto(f"{live_server.url}/admin?lang=en")
