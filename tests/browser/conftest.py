"""Browser tests: a real ``dozor serve`` in a child process and Debian's chromium via Playwright.

Fixtures (see docs/ui.md "Browser tests"):

- ``live_server`` (module): a fresh SQLite database (copied from the session template), the
  users of :data:`USERS` (password :data:`PASSWORD`), ``dozor serve`` on a free loopback port,
  and the seizures of :func:`seed_seizures` written through the JSON API over HTTP.
  ``start_server(database_url, home)`` does the same for any database (PostgreSQL tests).
- ``browser`` (session): headless chromium at /usr/bin/chromium. Missing: skipped with the
  reason, or a failure when ``CI=true``.
- ``pages`` (function): ``pages(username)`` opens a page logged in as that user (the login form
  is filled once per user and module; later contexts reuse its storage state); ``pages(None)``
  is anonymous. Every request any of these pages makes is recorded, and the test fails when
  one leaves the app's origin.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from live import LOCAL_SCHEMES, LiveServer, log_in, seed_seizures, start_server, stop_server

CHROMIUM = Path(os.environ.get("DOZOR_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def live_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("live")
    path = home / "dozor.db"
    shutil.copyfile(sqlite_template, path)
    server = start_server(f"sqlite:///{path}", home)
    try:
        seed_seizures(server)
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(reason + " — CI=true requires it")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def pages(browser: Any, live_server: LiveServer) -> Iterator[Callable[[str | None], Any]]:
    """Open pages as a user; fail the test if any page requests something outside the app."""
    contexts: list[Any] = []
    outside: list[str] = []

    def watch(request: Any) -> None:
        url = request.url
        if not url.startswith(live_server.url + "/") and not url.startswith(LOCAL_SCHEMES):
            outside.append(url)

    def open_page(username: str | None) -> Any:
        state = live_server.storage.get(username) if username else None
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, storage_state=state, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        context.on("request", watch)
        contexts.append(context)
        page = context.new_page()
        if username and state is None:
            log_in(page, live_server, username)
            assert "/login" not in page.url, f"login as {username} failed"
            live_server.storage[username] = context.storage_state()
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not outside, f"requests outside the app's origin: {outside}"
