"""The real web app, served by ``dozor serve`` (uvicorn) in a child process, read over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from dozor.ingest.readers import open_sheets
from dozor.ingest.unodc import import_annual
from dozor.settings import Settings
from testenv import UNODC_FILE

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[httpx.Client]:
    """``python -m dozor serve`` on a free loopback port; a client for it once /healthz answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env.update({"DOZOR_HOME": str(tmp_path), "DOZOR_DATABASE_URL": settings.database_url or ""})
    log = (tmp_path / "server.log").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "dozor", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"server exited with {process.returncode}:\n{log.read()[-3000:]}")
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"server not up within {START_TIMEOUT:.0f} s:\n{log.read()[-3000:]}")
            time.sleep(0.1)
        yield client
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


@pytest.fixture
def with_annual_totals(engine: Engine, settings: Settings) -> None:
    sheet = next(s for s in open_sheets(UNODC_FILE) if s.kind == "annual")
    assert import_annual(engine, settings, UNODC_FILE, sheet).committed


def test_served_app(with_annual_totals: None, server: httpx.Client) -> None:
    health = server.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})

    ready = server.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] is True
    assert {c["name"] for c in body["checks"]} >= {"database", "migrations", "reference data"}
    assert all(c["ok"] for c in body["checks"])

    substances = server.get("/api/v1/reference/substances")
    assert substances.status_code == 200
    entries = {e["code"]: e for e in substances.json()["entries"]}
    assert entries["heroin"]["label_ru"] == "Героин"
    assert entries["heroin"]["label_en"] == "Heroin"
    assert server.get("/api/v1/reference/no_such_list").status_code == 404

    points = server.get("/api/v1/crossing-points")
    assert points.status_code == 200
    posts = points.json()["crossing_points"]
    assert len(posts) == 43
    assert {"KAZ", "KGZ", "TJK", "TKM", "UZB"} <= {p["country"] for p in posts}

    for country in ("KAZ", "kaz"):
        totals = server.get("/api/v1/annual-totals", params={"country": country})
        assert totals.status_code == 200
        rows = totals.json()["rows"]
        assert len(rows) == 78
        assert {r["country"] for r in rows} == {"KAZ"}
    tkm = server.get("/api/v1/annual-totals", params={"country": "TKM"}).json()["rows"]
    assert tkm == []
    kaz_2022 = server.get("/api/v1/annual-totals", params={"country": "KAZ", "year": 2022})
    assert 0 < len(kaz_2022.json()["rows"]) < 78

    home = server.get("/status")
    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    assert home.text.lower().startswith("<!doctype html")
    assert "KAZ: 78 rows" in home.text

    spec = server.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/healthz",
        "/readyz",
        "/api/v1/reference",
        "/api/v1/reference/{name}",
        "/api/v1/crossing-points",
        "/api/v1/annual-totals",
    ):
        assert path in paths, path
