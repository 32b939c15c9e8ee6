"""The dashboard against ``dozor serve`` on PostgreSQL, on a 768 px tablet: the panels, the live
feed across processes, and the access policy on the feed, the counts and the map's JSON.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live import (
    PASSWORD,
    LiveServer,
    log_in,
    pg_admin,
    pg_url,
    seed_seizures,
    start_server,
    stop_server,
)
from playwright.sync_api import expect
from sqlalchemy import text
from test_dashboard import PANELS, kpi, wait_until, write_seizure

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pg_server(pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    name = f"dozor_dash_{uuid.uuid4().hex[:10]}"
    admin = pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    server = start_server(pg_url(name), Path(tmp_path_factory.mktemp("live-pg-dash")))
    try:
        seed_seizures(server)
        yield server
    finally:
        stop_server(server)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def tablet(browser: Any, server: LiveServer, username: str, outside: list[str]) -> Any:
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((server.url + "/", "blob:", "data:"))
            else outside.append(r.url)
        ),
    )
    page = context.new_page()
    log_in(page, server, username)
    page.goto(f"{server.url}/?lang=en")
    for panel in PANELS:
        page.wait_for_selector(f"#panel-{panel}[data-state=ready]")
    page.wait_for_selector("#live-status.connected")
    return page


def map_json(server: LiveServer, username: str) -> dict[str, Any]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        ).raise_for_status()
        reply = client.get("/api/v1/stats/map")
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data


def test_tablet_dashboard_live_feed_and_policy_on_postgresql(
    browser: Any, pg_server: LiveServer
) -> None:
    outside: list[str] = []
    kaz = tablet(browser, pg_server, "kaz.analyst", outside)
    uzb = tablet(browser, pg_server, "uzb.analyst", outside)
    try:
        for page in (kaz, uzb):  # one column of panels, nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 768
        kaz_before, uzb_before = kpi(kaz), kpi(uzb)
        ref = "KAZ-CUSTOMS/2025/000301"
        write_seizure(pg_server, ref, release="national", tlp="AMBER", distribution="national")
        kaz.wait_for_selector(f'#live-feed li[data-seizure-ref="{ref}"]', timeout=2_000)
        wait_until(lambda: kpi(kaz) == kaz_before + 1, "the new seizure in the counts")
        uzb.wait_for_timeout(2_000)
        expect(uzb.locator(f'#live-feed li[data-seizure-ref="{ref}"]')).to_have_count(0)
        assert kpi(uzb) == uzb_before
        mine, theirs = map_json(pg_server, "kaz.analyst"), map_json(pg_server, "uzb.analyst")
        assert sum(r["count"] for r in mine["rows"]) + mine["unplaced"] == kaz_before + 1
        assert sum(r["count"] for r in theirs["rows"]) + theirs["unplaced"] == uzb_before
    finally:
        kaz.context.close()
        uzb.context.close()
    assert not outside, outside
