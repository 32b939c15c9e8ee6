"""Screenshots of the dashboard (docs/img/dashboard-{en,ru}.png, 1280×800) and its first paint.

    .venv/bin/python scripts/dashboard_screenshots.py --home /tmp/dash --seizures 20000

Loads the demo data into ``--home`` (``dozor demo --no-serve``) unless a database is already
there, starts ``dozor serve`` on a free loopback port, writes a few seizures through the API so
the live feed has entries, and with Debian's chromium (Playwright) logs in as ``kaz.analyst``,
times the first contentful paint of ``/`` (Paint Timing API) over ``--loads`` loads and saves
the two screenshots. Needs the test extras (playwright).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "dozor-demo"  # noqa: S105 - the demo users' published password
PANELS = ("map", "timeseries", "drugmix", "routes", "bcps", "latest", "correlations")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dozor(home: Path, *args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env["DOZOR_HOME"] = str(home)
    command = [sys.executable, "-m", "dozor", *args]
    return subprocess.Popen(command, env=env, **kwargs)  # type: ignore[call-overload]  # noqa: S603


def login(client: httpx.Client, username: str) -> None:
    reply = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    reply.raise_for_status()
    client.headers["X-CSRF-Token"] = reply.json()["csrf_token"]


def write_feed_seizures(url: str, count: int) -> None:
    """Released seizures written now, so the live feed shows entries."""
    with (
        httpx.Client(base_url=url, timeout=60) as officer,
        httpx.Client(base_url=url, timeout=60) as supervisor,
    ):
        login(officer, "kaz.officer")
        login(supervisor, "kaz.supervisor")
        stamp = time.strftime("%H%M%S")
        for n in range(count):
            body = {
                "seizure": {
                    "seizure_ref": f"KAZ-CUSTOMS/2026/9{stamp}{n}",
                    "seizure_date": time.strftime("%Y-%m-%d"),
                    "location_type": "bcp_road",
                    "bcp": ("zhibek_zholy", "korday", "nur_zholy", "dostyk")[n % 4],
                    "mode_of_transport": "road",
                    "tlp": "GREEN",
                    "distribution": "region",
                    "origin_country": "AFG",
                    "transit_countries": "TJK",
                    "destination_country": "RUS",
                },
                "items": [
                    {"drug": ("heroin", "hashish", "methamphetamine", "opium")[n % 4],
                     "quantity": str(3 + 7 * n), "unit": "kg"}
                ],
            }  # fmt: skip
            record = officer.post("/api/v1/seizures", json=body)
            if record.status_code != 201:
                raise SystemExit(f"seizure refused: {record.text}")
            seizure_id = record.json()["id"]
            officer.post(f"/api/v1/seizures/{seizure_id}/submit").raise_for_status()
            supervisor.post(f"/api/v1/seizures/{seizure_id}/validate").raise_for_status()
            supervisor.post(
                f"/api/v1/seizures/{seizure_id}/release", json={"distribution": "region"}
            ).raise_for_status()
            time.sleep(0.4)


def wait_ready(page: Page) -> None:
    for name in PANELS:
        page.wait_for_selector(f"#panel-{name}[data-state=ready]", timeout=30_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--seizures", type=int, default=20_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    args.home.mkdir(parents=True, exist_ok=True)
    if not (args.home / "dozor.db").exists():
        demo = dozor(args.home, "demo", "--no-serve", "--seizures", str(args.seizures))
        if demo.wait() != 0:
            raise SystemExit("dozor demo failed")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (args.home / "screenshots-serve.log").open("wb")
    server = dozor(args.home, "serve", "--host", "127.0.0.1", "--port", str(port),
                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
            page = context.new_page()
            page.goto(url + "/login")
            page.fill("input[name=username]", "kaz.analyst")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(url + "/?lang=en")
            wait_ready(page)  # the first statistic of the process loads the analytics copy
            paints = []
            for _ in range(args.loads):
                page.goto(url + "/?lang=en")
                paints.append(page.evaluate(
                    "new Promise(done => { const seen = () => { const e = performance"
                    ".getEntriesByName('first-contentful-paint')[0]; e ? done(e.startTime)"
                    " : setTimeout(seen, 20); }; seen(); })"
                ))  # fmt: skip
                wait_ready(page)
            print(f"first contentful paint of / (ms, {args.loads} loads): "
                  f"p50 {statistics.median(paints):.0f}, max {max(paints):.0f}")  # fmt: skip
            for lang in ("en", "ru"):
                page.goto(f"{url}/?lang={lang}")
                wait_ready(page)
                page.wait_for_selector("#live-status.connected")
                write_feed_seizures(url, 4)
                page.wait_for_timeout(2_500)
                args.out.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out / f"dashboard-{lang}.png"))
                print(f"saved {args.out / f'dashboard-{lang}.png'}")
            page.goto(url + "/?lang=en")  # leave the demo user in English
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
