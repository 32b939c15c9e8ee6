"""The pages in real chromium against a real ``dozor serve`` (SQLite): login, the seizure list and
detail, the workflow by a second user, the policy in the pages, and the Russian UI.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from live import PASSWORD, LiveServer, log_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
Pages = Callable[[str | None], Any]

# Visible text of a page that is not data (data carries translate="no"), and the labels in
# attributes that assistive technology reads.
PAGE_LABELS_JS = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('[translate="no"], script, style')) continue;
    const text = walker.currentNode.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
    if (el.closest('[translate="no"]')) continue;
    for (const name of ['placeholder', 'aria-label', 'title']) {
      const value = el.getAttribute(name);
      if (value) out.push(value);
    }
  }
  return out;
}"""
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def english_words(page: Any) -> list[str]:
    """Latin words left on a Russian page, except all-capital codes (TLP, VIN, KAZ-CUSTOMS…)."""
    words: list[str] = []
    for text in page.evaluate(PAGE_LABELS_JS):
        words += [w for w in LATIN_WORD.findall(text) if not w.isupper()]
    return words


def test_login_redirects_back_and_refuses_a_wrong_password(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages(None)
    page.goto(f"{live_server.url}/seizures?status=released")
    assert "/login?next=" in page.url
    page.fill("input[name=username]", "kaz.officer")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/seizures\?status=released$"))
    expect(page.locator("#seizure-table")).to_be_visible()
    # Log out from the user menu: the session ends, pages ask for a login again.
    page.click(".user-menu summary")
    page.click("text=Log out")
    page.wait_for_url(re.compile(r"/login$"))
    page.goto(f"{live_server.url}/")
    assert "/login" in page.url


def test_list_search_sort_and_open_a_seizure(pages: Pages, live_server: LiveServer) -> None:
    page = pages("kaz.officer")
    page.goto(f"{live_server.url}/seizures")
    table = page.locator("#seizure-table")
    for ref in ("000101", "000102", "000103", "000104"):
        expect(table.get_by_text(f"KAZ-CUSTOMS/2025/{ref}")).to_have_count(1)
    # Full-text search over the narrative, updated in place by htmx; the URL keeps the filter.
    page.fill("#q", "запаске")
    page.wait_for_url(re.compile(r"q=%D0%B7"))
    expect(page.locator("#result-count")).to_have_text("1 seizure", use_inner_text=True)
    expect(page.locator("#seizure-table tbody tr")).to_have_count(1)
    page.reload()
    assert page.locator("#q").input_value() == "запаске"
    page.goto(f"{live_server.url}/seizures?sort=local_ref")
    refs = page.locator("#seizure-table tbody td:nth-child(2)").all_inner_texts()
    assert refs == sorted(refs)
    page.click("text=KAZ-CUSTOMS/2025/000101")
    page.wait_for_url(re.compile(r"/seizures/[0-9a-f-]+$"))
    expect(page.locator("#markings .tlp")).to_have_text("TLP:GREEN", use_inner_text=True)
    expect(page.locator("#items")).to_contain_text("Heroin", use_inner_text=True)
    legs = page.locator("#route-legs").inner_text()
    assert "Afghanistan" in legs and "Russia" in legs
    expect(page.locator("#persons")).to_contain_text("Жанузаков", use_inner_text=True)
    expect(page.locator("#narrative")).to_have_text("Тайник в запаске", use_inner_text=True)
    expect(page.locator("#history")).to_contain_text("released", use_inner_text=True)
    page.wait_for_selector("#route-map path.leaflet-interactive")
    # The officer may not validate or release; the supervisor actions are not offered.
    expect(page.locator("#action-validate")).to_have_count(0)


def test_another_country_does_not_see_a_national_record(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages("uzb.analyst")
    page.goto(f"{live_server.url}/seizures")
    table = page.locator("#seizure-table").inner_text()
    assert "KAZ-CUSTOMS/2025/000101" in table
    assert "KAZ-CUSTOMS/2025/000102" not in table
    page.goto(f"{live_server.url}/seizures?q=000102")
    expect(page.locator("#result-count")).to_have_text("0 seizures", use_inner_text=True)
    answer = page.goto(f"{live_server.url}/seizures/{live_server.seizures['national']}")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("Not found", use_inner_text=True)
    # The regional record is readable, but its persons stay national.
    page.goto(f"{live_server.url}/seizures/{live_server.seizures['regional']}")
    expect(page.locator("#persons")).to_have_count(0)
    expect(page.locator("#narrative")).to_have_count(0)


def test_validate_and_release_as_a_second_user(pages: Pages, live_server: LiveServer) -> None:
    page = pages("kaz.supervisor")
    page.goto(f"{live_server.url}/seizures/{live_server.seizures['submitted']}")
    page.click("#action-validate button")
    expect(page.locator(".flash-ok")).to_have_text("Validated.", use_inner_text=True)
    expect(page.locator("#status-badge")).to_have_text("Validated", use_inner_text=True)
    page.select_option("#distribution", "region")
    page.click("#action-release button")
    expect(page.locator(".flash-ok")).to_have_text("Released.", use_inner_text=True)
    expect(page.locator("#status-badge")).to_have_text("Released", use_inner_text=True)
    # Four-eyes: the supervisor's own record is refused, with the reason.
    page.goto(f"{live_server.url}/seizures/{live_server.seizures['own_work']}")
    page.click("#action-validate button")
    error = page.locator(".flash-error").inner_text()
    assert "four-eyes" in error
    expect(page.locator("#status-badge")).to_have_text("Submitted", use_inner_text=True)
    # The released record now reaches another country.
    other = pages("uzb.analyst")
    other.goto(f"{live_server.url}/seizures?q=000103")
    expect(other.locator("#result-count")).to_have_text("1 seizure", use_inner_text=True)


def test_russian_pages_have_no_english_labels(pages: Pages, live_server: LiveServer) -> None:
    page = pages("kaz.analyst")
    page.goto(f"{live_server.url}/?lang=ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    try:
        urls = [
            "/",
            "/seizures",
            "/seizures?q=000101&date_from=2025-13-45",
            f"/seizures/{live_server.seizures['regional']}",
            f"/seizures/{live_server.seizures['national']}",
            "/seizures/no-such-record",
            "/password",
        ]
        for url in urls:
            page.goto(live_server.url + url)  # no ?lang: the choice is remembered
            assert page.locator("html").get_attribute("lang") == "ru", url
            left = english_words(page)
            assert not left, f"{url}: English left in the Russian UI: {left}"
        expect(page.locator("h1")).to_have_text("Сменить пароль", use_inner_text=True)
    finally:
        page.goto(f"{live_server.url}/?lang=en")


def test_login_page_in_russian_for_an_anonymous_visitor(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages(None)
    page.goto(f"{live_server.url}/login?lang=ru")
    expect(page.locator("h1")).to_have_text("Вход в «Дозор»", use_inner_text=True)
    assert not english_words(page)
    log_in(page, live_server, "kaz.officer", "wrong password")
    assert page.locator("#login-error").inner_text().strip() != ""
    assert not english_words(page)


def test_api_docs_from_vendored_swagger(pages: Pages, live_server: LiveServer) -> None:
    page = pages(None)
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector("#swagger-ui .info .title")
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("Dozor", use_inner_text=True)
    expect(page.locator("#swagger-ui .opblock-tag").nth(3)).to_be_attached()
