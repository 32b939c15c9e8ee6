"""The situation dashboard in real chromium against a real ``dozor serve`` (SQLite): every panel
with data, filters kept in the URL, CSV downloads, the live feed (a seizure written by another
process appears without a reload), the access policy on the map, counts and feed, and a Russian
dashboard without English labels. The ``pages`` fixture fails any test whose pages request
anything outside the app's origin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from live import PASSWORD, Api, LiveServer, seizure_body
from playwright.sync_api import expect
from test_ui_seizures_browser import english_words

from dozor.access.identity import create_user, hash_password
from dozor.settings import load_settings
from dozor.store.db import make_engine
from dozor.web.ui.dashboard_text import CLIENT_TEXTS

pytestmark = pytest.mark.browser
Pages = Callable[[str | None], Any]
PANELS = ("map", "timeseries", "drugmix", "routes", "bcps", "latest", "correlations")
CHARTS = ("timeseries", "drugmix", "routes", "bcps")
LIVE_LIMIT_SECONDS = 2.0
RUSSIAN_USER = "kaz.analyst.ru"  # its own user: the language choice is stored per user
# The dashboard's own English labels (templates); the script's are CLIENT_TEXTS.
ENGLISH_LABELS = [
    "Situation dashboard", "Totals for the filters", "crossing points with seizures",
    "Some filters were ignored", "Dashboard filters", "All countries", "All drug groups",
    "All crossing points", "Apply", "Reset", "Map of seizures", "Legend", "Live feed",
    "Download CSV", "Data table", "Seizures over time", "Drug mix", "Top routes",
    "Top crossing points", "Latest releases", "Cross-border correlations", "Loading",
    "New and changed seizures", "Zoom in", "Zoom out", "Crossing point", "Drug group",
    "Country", "From", "To", "seizures", "kg-equivalent", "Reference", "Distribution",
    "All seizures", "Opioids", "Cannabis", "Kazakhstan", "Zhibek Zholy",
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def russian_user(live_server: LiveServer) -> Iterator[None]:
    settings = load_settings(database_url=live_server.database_url)
    engine = make_engine(settings.resolved_database_url())
    with engine.begin() as conn:
        create_user(
            conn,
            username=RUSSIAN_USER,
            agency_code="KAZ-CUSTOMS",
            roles=["analyst"],
            password_hash=hash_password(PASSWORD),
        )
    engine.dispose()
    yield


def open_dashboard(page: Any, server: LiveServer, query: str = "lang=en") -> None:
    page.goto(f"{server.url}/?{query}")
    for name in PANELS:
        page.wait_for_selector(f"#panel-{name}[data-state=ready]", timeout=15_000)
    page.wait_for_selector("#live-status.connected", timeout=10_000)


def kpi(page: Any) -> int:
    return int(re.sub(r"\D", "", page.inner_text("#kpi-count")) or -1)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll ``check`` (the pages' CSP forbids Playwright's string predicates)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def write_seizure(
    server: LiveServer, ref: str, *, release: str | None = None, **changes: Any
) -> str:
    """Create (and optionally release) a seizure over HTTP from this process; returns its id."""
    officer = Api(server, "kaz.officer")
    try:
        record = officer.post("/api/v1/seizures", seizure_body(ref, **changes))
        if release is None:
            return str(record["id"])
        officer.post(f"/api/v1/seizures/{record['id']}/submit")
    finally:
        officer.close()
    supervisor = Api(server, "kaz.supervisor")
    try:
        supervisor.post(f"/api/v1/seizures/{record['id']}/validate")
        supervisor.post(f"/api/v1/seizures/{record['id']}/release", {"distribution": release})
    finally:
        supervisor.close()
    return str(record["id"])


def test_every_panel_renders_with_data(pages: Pages, live_server: LiveServer) -> None:
    page = pages("kaz.analyst")
    open_dashboard(page, live_server)
    assert kpi(page) >= 2  # the seeded regional and national releases
    for name in CHARTS:
        expect(page.locator(f"#chart-{name} canvas").first).to_be_attached()  # name
        expect(page.locator(f"#panel-{name} .data-table tbody tr").first).to_be_attached()  # name
        label = page.get_attribute(f"#chart-{name}", "aria-label") or ""
        assert re.search(r"\d", label), f"{name}: no description with numbers: {label}"
    markers = page.locator("#seizure-map .seizure-dot, #seizure-map .marker-cluster")
    expect(markers.first).to_be_attached()
    expect(page.locator("#seizure-map path.leaflet-interactive").nth(4)).to_be_attached()  # 5 lands
    latest = page.inner_text("#latest-releases")
    assert "KAZ-CUSTOMS/2025/000101" in latest and "KAZ-CUSTOMS/2025/000102" in latest
    routes = page.text_content("#panel-routes .data-table tbody") or ""
    assert "Afghanistan" in routes and "Russia" in routes

    with page.expect_download() as download:
        page.click("button[data-csv=drugmix]")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0] == "drug_group,count,kg_eq"
    assert "opioids," in text
    with page.expect_download() as download:
        page.click("button[data-csv=latest]")
    latest_csv = open(download.value.path(), encoding="utf-8-sig").read()
    assert "KAZ-CUSTOMS/2025/000101" in latest_csv


def test_filters_are_kept_in_the_url(pages: Pages, live_server: LiveServer) -> None:
    page = pages("kaz.analyst")
    open_dashboard(page, live_server)
    page.select_option("#f-drug-group", "cannabis")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url(re.compile(r"drug_group=cannabis"))
    page.wait_for_selector("#panel-timeseries[data-state=ready]")
    wait_until(lambda: kpi(page) == 0, "no cannabis seizures counted")
    shared = page.url
    other = pages("kaz.analyst")
    other.goto(shared)
    other.wait_for_selector("#panel-drugmix[data-state=ready]")
    assert other.input_value("#f-drug-group") == "cannabis"
    assert other.inner_text("#kpi-count").strip() == "0"
    other.goto(f"{live_server.url}/?drug_group=opioids&date_from=2025-13-45")
    assert "date_from" in other.inner_text(".error-box")
    other.wait_for_selector("#panel-timeseries[data-state=ready]")
    assert kpi(other) >= 2


def test_live_feed_shows_a_new_seizure_without_reload(
    pages: Pages, live_server: LiveServer
) -> None:
    page = pages("kaz.officer")  # sees its agency's drafts: the feed shows the create itself
    open_dashboard(page, live_server)
    before = kpi(page)
    page.evaluate("window.dozorNoReload = true")
    ref = "KAZ-CUSTOMS/2025/000201"
    write_seizure(live_server, ref, seizure_date="2025-05-01")
    committed = time.monotonic()
    page.wait_for_selector(
        f'#live-feed li[data-seizure-ref="{ref}"]', timeout=LIVE_LIMIT_SECONDS * 1000
    )
    latency = time.monotonic() - committed
    print(f"live feed latency: {latency * 1000:.0f} ms")
    assert page.evaluate("window.dozorNoReload") is True  # no reload happened
    wait_until(lambda: kpi(page) > before, "the panels to count the new seizure")


def test_another_country_sees_no_national_seizure(pages: Pages, live_server: LiveServer) -> None:
    kaz, uzb = pages("kaz.analyst"), pages("uzb.analyst")
    open_dashboard(kaz, live_server)
    open_dashboard(uzb, live_server)
    kaz_before, uzb_before = kpi(kaz), kpi(uzb)
    assert uzb_before < kaz_before  # the seeded national release
    assert "KAZ-CUSTOMS/2025/000102" not in uzb.inner_text("#panel-latest")
    ref = "KAZ-CUSTOMS/2025/000202"
    write_seizure(
        live_server,
        ref,
        release="national",
        tlp="AMBER",
        distribution="national",
        bcp="",
        location_type="road",
        settlement="Shymkent",
        latitude="42.32",
        longitude="69.59",
    )
    kaz.wait_for_selector(f'#live-feed li[data-seizure-ref="{ref}"]', timeout=5_000)
    wait_until(lambda: kpi(kaz) == kaz_before + 1, "the panels to count the new seizure")
    kaz.wait_for_selector("#panel-map[data-state=ready]")
    wait_until(
        lambda: "Shymkent" in (kaz.text_content("#panel-map .data-table") or ""),
        "the new place on the map",
    )
    uzb.wait_for_timeout(2_500)  # the feed polls every 0.5 s: long enough to have shown it
    expect(uzb.locator(f'#live-feed li[data-seizure-ref="{ref}"]')).to_have_count(0)
    assert kpi(uzb) == uzb_before
    uzb.reload()
    open_dashboard(uzb, live_server)
    assert kpi(uzb) == uzb_before
    assert "Shymkent" not in uzb.evaluate(
        "document.querySelector('#panel-map .data-table').textContent"
    )
    assert ref not in uzb.inner_text("#panel-latest")


def test_russian_dashboard_has_no_english_label(pages: Pages, live_server: LiveServer) -> None:
    page = pages(RUSSIAN_USER)
    open_dashboard(page, live_server, "lang=ru")
    write_seizure(live_server, "KAZ-CUSTOMS/2025/000203", release="region")
    page.wait_for_selector('#live-feed li[data-seizure-ref="KAZ-CUSTOMS/2025/000203"]')
    page.click("#panel-map summary")  # open a data table: its headers must be Russian too
    visible = page.inner_text("body")
    labels = ENGLISH_LABELS + [
        part.strip()
        for text in CLIENT_TEXTS.values()
        for part in re.split(r"\{\w+\}", text)
        if len(part.strip()) > 3
    ]
    left = [label for label in labels if re.search(rf"\b{re.escape(label)}\b", visible)]
    assert not left, f"English labels on the Russian dashboard: {left}"
    words = english_words(page)
    assert not words, f"Latin words on the Russian dashboard: {words}"
    assert "Изъятия по времени" in visible
    description = page.get_attribute("#chart-timeseries", "aria-label") or ""
    assert "изъятий" in description, description
