"""One browser walk against ``dozor serve`` on PostgreSQL (the other browser tests use SQLite)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live import LiveServer, log_in, pg_admin, pg_url, seed_seizures, start_server, stop_server
from playwright.sync_api import expect
from sqlalchemy import text

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pg_server(pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uuid

    name = f"dozor_browser_{uuid.uuid4().hex[:10]}"
    admin = pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    server = start_server(pg_url(name), Path(tmp_path_factory.mktemp("live-pg")))
    try:
        seed_seizures(server)
        yield server
    finally:
        stop_server(server)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_list_detail_and_policy_on_postgresql(browser: Any, pg_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 768, "height": 1000})
    outside: list[str] = []
    context.on(
        "request",
        lambda r: None if r.url.startswith(pg_server.url + "/") else outside.append(r.url),
    )
    try:
        page = context.new_page()
        log_in(page, pg_server, "uzb.analyst")
        page.goto(f"{pg_server.url}/seizures?lang=ru")
        table = page.locator("#seizure-table").inner_text()
        assert "KAZ-CUSTOMS/2025/000101" in table and "KAZ-CUSTOMS/2025/000102" not in table
        page.click("text=KAZ-CUSTOMS/2025/000101")
        page.wait_for_url(re.compile(r"/seizures/[0-9a-f-]+$"))
        expect(page.locator("#markings .tlp")).to_have_text("TLP:GREEN", use_inner_text=True)
        expect(page.locator("#items")).to_contain_text("Героин", use_inner_text=True)
        page.wait_for_selector("#route-map path.leaflet-interactive")
        answer = page.goto(f"{pg_server.url}/seizures/{pg_server.seizures['national']}")
        assert answer is not None and answer.status == 404
    finally:
        context.close()
    assert not outside, outside
