"""Helpers of the browser tests: a live ``dozor serve``, its users and seizures, logging in.

Imported by tests/browser/conftest.py (the fixtures) and by the browser test modules.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from dozor.access.identity import create_user, hash_password
from dozor.settings import load_settings
from dozor.store.db import make_engine

PG_SERVER = os.environ.get(
    "DOZOR_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "browser-test-password"
USERS: dict[str, tuple[str, list[str]]] = {
    "kaz.officer": ("KAZ-CUSTOMS", ["officer"]),
    "kaz.supervisor": ("KAZ-CUSTOMS", ["supervisor"]),
    "kaz.analyst": ("KAZ-CUSTOMS", ["analyst"]),
    "uzb.analyst": ("UZB-CUSTOMS", ["analyst"]),
}
LOCAL_SCHEMES = ("data:", "blob:", "about:")


@dataclass
class LiveServer:
    """A running ``dozor serve`` and the seizures written into it (name → id)."""

    url: str
    process: subprocess.Popen[bytes]
    database_url: str
    seizures: dict[str, str] = field(default_factory=dict)
    storage: dict[str, Any] = field(default_factory=dict)  # username → storage state


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_users(engine: Engine) -> None:
    shared = hash_password(PASSWORD)
    with engine.begin() as conn:
        for username, (agency, roles) in USERS.items():
            create_user(
                conn, username=username, agency_code=agency, roles=roles, password_hash=shared
            )


def start_server(database_url: str, home: Path) -> LiveServer:
    """``dozor serve`` on a free loopback port, once /healthz answers; users added first."""
    engine = make_engine(
        load_settings(home=home, database_url=database_url).resolved_database_url()
    )
    add_users(engine)
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env.update({"DOZOR_HOME": str(home), "DOZOR_DATABASE_URL": database_url})
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "dozor", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((home / "server.log").read_text("utf-8", "replace"))
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, database_url)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("dozor serve did not answer /healthz within 60 s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


class Api:
    """A logged-in JSON API client of the live server (for seeding over real HTTP)."""

    def __init__(self, server: LiveServer, username: str) -> None:
        self.client = httpx.Client(base_url=server.url, timeout=30)
        reply = self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        reply.raise_for_status()
        self.client.headers["X-CSRF-Token"] = reply.json()["csrf_token"]

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = self.client.post(path, json=body if body is not None else {})
        assert reply.status_code in (200, 201), f"{path}: {reply.status_code} {reply.text}"
        data: dict[str, Any] = reply.json()
        return data

    def close(self) -> None:
        self.client.close()


def seizure_body(ref: str, **changes: Any) -> dict[str, Any]:
    head = {
        "seizure_ref": ref,
        "seizure_date": "2025-03-14 09:30",
        "location_type": "bcp_road",
        "bcp": "zhibek_zholy",
        "mode_of_transport": "road",
        "tlp": "GREEN",
        "distribution": "region",
        "origin_country": "AFG",
        "transit_countries": "TJK",
        "destination_country": "RUS",
        "settlement": "Zhibek Zholy",
    }
    head.update(changes)
    return {
        "seizure": head,
        "items": [{"drug": "героин", "quantity": "2,5", "unit": "кг", "form": "powder"}],
        "persons": [
            {
                "role": "courier",
                "surname": "Жанузаков",
                "given_name": "Марат",
                "date_of_birth": "12.03.1985",
                "passport_country": "KAZ",
                "passport_number": "N1234567",
            }
        ],
    }


def seed_seizures(server: LiveServer) -> None:
    """Seizures in every state the tests need, written and moved through the JSON API.

    - ``regional``: released to the region (everyone reads it);
    - ``national``: released nationally (KAZ agencies only; not UZB);
    - ``submitted``: submitted by the officer, for the supervisor to validate and release;
    - ``own_work``: created and submitted by the supervisor (four-eyes refuses them).
    """
    officer, supervisor = Api(server, "kaz.officer"), Api(server, "kaz.supervisor")
    try:
        plan = [
            ("regional", officer, "KAZ-CUSTOMS/2025/000101", {"narrative": "Тайник в запаске"}),
            (
                "national",
                officer,
                "KAZ-CUSTOMS/2025/000102",
                {"tlp": "AMBER", "distribution": "national"},
            ),
            ("submitted", officer, "KAZ-CUSTOMS/2025/000103", {"seizure_date": "2025-04-02"}),
            ("own_work", supervisor, "KAZ-CUSTOMS/2025/000104", {"seizure_date": "2025-04-03"}),
        ]
        for name, author, ref, changes in plan:
            record = author.post("/api/v1/seizures", seizure_body(ref, **changes))
            server.seizures[name] = record["id"]
            author.post(f"/api/v1/seizures/{record['id']}/submit")
        for name, distribution in (("regional", "region"), ("national", "national")):
            seizure_id = server.seizures[name]
            supervisor.post(f"/api/v1/seizures/{seizure_id}/validate")
            supervisor.post(
                f"/api/v1/seizures/{seizure_id}/release", {"distribution": distribution}
            )
    finally:
        officer.close()
        supervisor.close()


def log_in(page: Any, server: LiveServer, username: str, password: str = PASSWORD) -> None:
    """Fill the login form as a person would."""
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def pg_admin() -> Engine:
    """An AUTOCOMMIT engine on the PostgreSQL server's maintenance database."""
    url = make_url(PG_SERVER).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def pg_url(name: str) -> str:
    """The URL of database ``name`` on the test PostgreSQL server."""
    url = make_url(PG_SERVER).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)
