"""The analytics copy loads when the server starts, before any statistic is asked for."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dozor.analytics.engine import forget, stats_engine_for
from dozor.settings import Settings
from dozor.store.change_feed import record_changes
from dozor.web.app import create_app
from policy_world import WorldBuilder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_dozor_serve_loads_the_copy_without_a_request(settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
    env.update({"DOZOR_HOME": str(tmp_path), "DOZOR_DATABASE_URL": settings.database_url or ""})
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "dozor", "serve", "--port", str(_free_port())],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while "Analytics copy loaded" not in log.read_text() and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "Analytics copy loaded: 0 seizures, 0 items" in log.read_text(), log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_setting_turns_the_warm_up_off(settings: Settings, engine: Engine) -> None:
    quiet = settings.model_copy(update={"analytics_warm_up": False})
    try:
        with TestClient(create_app(quiet, engine)):
            time.sleep(0.5)
            assert not stats_engine_for(engine).loaded
        with TestClient(create_app(settings, engine)):
            deadline = time.monotonic() + 30
            while not stats_engine_for(engine).loaded and time.monotonic() < deadline:
                time.sleep(0.05)
            assert stats_engine_for(engine).loaded
    finally:
        forget(engine)


def test_a_write_after_the_load_is_applied_at_the_next_answer(engine: Engine) -> None:
    """The warm-up loads before anything is asked; the first answer then applies new writes."""
    copy = stats_engine_for(engine)
    try:
        copy.ensure_loaded()
        with engine.begin() as conn:
            builder = WorldBuilder(conn)
            owner = builder.add_agency("XW-KAZ", "KAZ")
            late = builder.add_seizure(owner, "released")
            record_changes(conn, [late.id], "created", datetime.now(UTC))
        assert copy.refresh() == 1
        assert copy.duck.execute("SELECT count(*) FROM facts").fetchall() == [(1,)]
    finally:
        forget(engine)
