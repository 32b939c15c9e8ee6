"""The correlation pages in real chromium against a live ``dozor serve`` (SQLite).

Besides the seizures of ``seed_seizures`` (one courier on four Kazakh seizures, the same
passport each time), two Kazakh seizures released to the region carry one courier written in
Cyrillic and in Uzbek Latin with the same phone: a candidate pair and an exact correlation.
The Kazakh persons are marked national, so the Uzbek analyst sees the seizures but not them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from live import Api, LiveServer, seizure_body
from playwright.sync_api import expect

PHONE = "+7 701 765 4321"


@pytest.fixture(scope="module")
def courier(live_server: LiveServer) -> dict[str, str]:
    """Two released seizures of one courier in two spellings; their ids and the persons'."""
    officer, supervisor = Api(live_server, "kaz.officer"), Api(live_server, "kaz.supervisor")
    found: dict[str, str] = {}
    try:
        for key, ref, surname, given in (
            ("one", "KAZ-CUSTOMS/2025/000201", "Юсупов", "Бахтиёр"),
            ("two", "KAZ-CUSTOMS/2025/000202", "Yusupov", "Baxtiyor"),
        ):
            body = seizure_body(ref)
            body["persons"] = [
                {
                    "role": "courier",
                    "surname": surname,
                    "given_name": given,
                    "date_of_birth": "12.03.1985",
                    "phone": PHONE,
                }
            ]
            record = officer.post("/api/v1/seizures", body)
            seizure_id = record["id"]
            officer.post(f"/api/v1/seizures/{seizure_id}/submit")
            supervisor.post(f"/api/v1/seizures/{seizure_id}/validate")
            supervisor.post(f"/api/v1/seizures/{seizure_id}/release", {"distribution": "region"})
            detail = officer.client.get(f"/api/v1/seizures/{seizure_id}").json()
            found[key] = seizure_id
            found[f"{key}_person"] = detail["persons"][0]["id"]
    finally:
        officer.close()
        supervisor.close()
    return found


def test_an_analyst_judges_a_candidate_pair(
    pages: Callable[[str | None], Any], live_server: LiveServer, courier: dict[str, str]
) -> None:
    page = pages("kaz.analyst")
    page.goto(f"{live_server.url}/correlations?lang=en")
    pair = sorted((courier["one_person"], courier["two_person"]))
    card = page.locator(f'li.pair[data-pair="{pair[0]}:{pair[1]}"]')
    expect(card).to_have_count(1)
    card.locator("summary").click()
    assert card.locator("table.features").inner_text().count("Names") == 1
    card.locator("input[name=note]").fill("same phone, Cyrillic and Uzbek Latin")
    card.get_by_role("button", name="Same person").click()
    judged = page.locator(f'li.judged[data-pair="{pair[0]}:{pair[1]}"]')
    judged.wait_for()
    expect(judged).to_contain_text("Judged: Same person.", use_inner_text=True)
    page.reload()
    expect(page.locator(f'li.pair[data-pair="{pair[0]}:{pair[1]}"]')).to_have_count(0)
    # The person's page: the other spelling is now in the cluster, and correlates on the phone.
    page.goto(f"{live_server.url}/persons/{courier['one_person']}")
    assert "YUSUPOV" in page.locator("#cluster").inner_text().upper()
    phone_row = page.locator("#selectors tr[data-status=correlated]")
    expect(phone_row).to_contain_text("+77017654321", use_inner_text=True)
    # The seizure page's correlations block, loaded by htmx, leads to the other seizure.
    page.goto(f"{live_server.url}/seizures/{courier['one']}")
    related = page.locator("#related-seizures")
    related.wait_for()
    expect(related).to_contain_text("KAZ-CUSTOMS/2025/000202", use_inner_text=True)


def test_the_link_chart_draws_the_courier_network(
    pages: Callable[[str | None], Any], live_server: LiveServer, courier: dict[str, str]
) -> None:
    page = pages("kaz.analyst")
    page.goto(f"{live_server.url}/persons/{courier['one_person']}?lang=en")
    page.click("#chart-link")
    page.wait_for_url(re.compile(r"/link-chart\?start=person"))
    chart = page.locator("#link-chart[data-node-count]")
    chart.wait_for(state="attached")
    assert int(chart.get_attribute("data-node-count")) >= 4
    expect(page.locator("#link-chart canvas").first).to_be_attached()
    rows = page.locator("#link-chart-nodes tbody tr")
    nodes = {rows.nth(i).get_attribute("data-node") for i in range(rows.count())}
    assert {
        f"person:{courier['one_person']}",
        f"person:{courier['two_person']}",
        f"seizure:{courier['one']}",
        f"seizure:{courier['two']}",
        "phone:+77017654321",
    } <= nodes
    assert re.search(r"\d+ nodes, \d+ links\.", page.locator("#link-chart-status").inner_text())
    # Starting from the phone through the form gives the same persons.
    page.select_option("#start-kind", "phone")
    page.fill("#start-value", PHONE)
    page.click("#chart-form button[type=submit]")
    page.locator("#link-chart[data-node-count]").wait_for(state="attached")
    expect(page.locator(f'tr[data-node="person:{courier["two_person"]}"]')).to_have_count(1)


def test_another_country_sees_neither_the_record_nor_its_existence(
    pages: Callable[[str | None], Any], live_server: LiveServer, courier: dict[str, str]
) -> None:
    page = pages("uzb.analyst")
    hidden = courier["one_person"]
    missing = page.goto(f"{live_server.url}/persons/{hidden}?lang=en")
    assert missing is not None and missing.status == 404
    hidden_text = page.locator("main").inner_text()
    made_up = page.goto(f"{live_server.url}/persons/01000000-0000-7000-8000-000000000000")
    assert made_up is not None and made_up.status == 404
    expect(page.locator("main")).to_have_text(hidden_text, use_inner_text=True)
    assert "Yusupov" not in hidden_text and "Юсупов" not in hidden_text
    # The chart from the hidden person says what it says for a start that does not exist.
    page.goto(f"{live_server.url}/link-chart?start=person:{hidden}")
    page.locator("#link-chart[data-node-count='0']").wait_for(state="attached")
    refused = page.locator("#link-chart-status").inner_text()
    page.goto(f"{live_server.url}/link-chart?start=person:01000000-0000-7000-8000-000000000000")
    page.locator("#link-chart[data-node-count='0']").wait_for(state="attached")
    expect(page.locator("#link-chart-status")).to_have_text(refused, use_inner_text=True)
    # From the shared phone: nothing (no visible holder), not even the phone itself.
    page.goto(f"{live_server.url}/link-chart?start=phone:{PHONE}")
    page.locator("#link-chart[data-node-count='0']").wait_for(state="attached")
    # The queue has no pair of theirs; the regional seizure is readable, its persons are not.
    page.goto(f"{live_server.url}/correlations")
    assert hidden not in page.content()
    expect(page.locator(f'li.pair[data-pair*="{hidden}"]')).to_have_count(0)
    page.goto(f"{live_server.url}/seizures/{courier['one']}")
    expect(page.locator("#items")).to_have_count(1)
    expect(page.locator("#correlations")).to_have_count(0)  # no visible person: no block
    assert "Yusupov" not in page.content() and "+77017654321" not in page.content()
    page.goto(f"{live_server.url}/seizures/{courier['one']}/correlations")
    assert "No persons or vehicles of this seizure that you can see." in page.content()
    assert "+77017654321" not in page.content()


def test_the_correlation_pages_in_russian(
    pages: Callable[[str | None], Any], live_server: LiveServer, courier: dict[str, str]
) -> None:
    from test_ui_seizures_browser import english_words

    page = pages("kaz.supervisor")
    page.goto(f"{live_server.url}/correlations?lang=ru")
    try:
        for url, ready in (
            ("/correlations", "#queue"),
            (f"/persons/{courier['two_person']}", "#selectors"),
            (f"/link-chart?start=person:{courier['two_person']}", "#link-chart[data-node-count]"),
            (f"/seizures/{courier['two']}", "#related-seizures"),
        ):
            page.goto(live_server.url + url)
            page.locator(ready).first.wait_for(state="attached")
            assert page.locator("html").get_attribute("lang") == "ru", url
            left = english_words(page)
            assert not left, f"{url}: English left in the Russian UI: {left}"
        expect(page.locator("#correlations h2")).to_have_text("Совпадения", use_inner_text=True)
    finally:
        page.goto(f"{live_server.url}/correlations?lang=en")
