"""Test databases: every test that needs one gets its own, on SQLite and on PostgreSQL.

A template database (migrated, reference data loaded) is built once per test worker and
backend; each test then copies it (a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for
PostgreSQL) and drops it afterwards.

- ``DOZOR_TEST_BACKENDS``: which backends to run (default ``sqlite,postgresql``).
- ``DOZOR_TEST_DATABASE_URL``: the PostgreSQL server to create test databases on
  (default ``postgresql://postgres@127.0.0.1:5432/postgres``).
- ``DOZOR_REQUIRE_POSTGRES=1`` (set in CI): an unreachable PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dozor.settings import Settings, load_settings
from dozor.store.db import make_engine
from dozor.store.reference import init_database
from testenv import BACKENDS, CliResult

PG_SERVER = os.environ.get(
    "DOZOR_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("DOZOR_REQUIRE_POSTGRES") == "1"


def _pg_admin() -> Engine:
    url = make_url(PG_SERVER).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return (
        make_url(PG_SERVER)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


_pg_problem: str | None = None


def _pg_available() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    global _pg_problem
    if _pg_problem is None:
        try:
            engine = _pg_admin()
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_problem = ""
        except Exception as error:  # noqa: BLE001 - any failure means "not available"
            _pg_problem = f"PostgreSQL not reachable at {PG_SERVER}: {str(error).splitlines()[0]}"
    return _pg_problem or None


@dataclass
class TestDatabase:
    backend: str
    url: str


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    settings = load_settings(home=path.parent, database_url=f"sqlite:///{path}")
    engine = make_engine(settings.resolved_database_url())
    init_database(engine, settings)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    problem = _pg_available()
    if problem:
        if REQUIRE_PG:
            pytest.fail(problem + " (DOZOR_REQUIRE_POSTGRES=1)")
        pytest.skip(problem)
    name = f"dozor_tpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_pg_url(name))
    init_database(engine, load_settings(database_url=_pg_url(name)))
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=[b for b in ("sqlite", "postgresql") if b in BACKENDS])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """A fresh, initialised database of its own for one test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "dozor.db"
        shutil.copyfile(template, path)
        yield TestDatabase("sqlite", f"sqlite:///{path}")
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"dozor_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield TestDatabase("postgresql", _pg_url(name))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(database: TestDatabase, tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path, database_url=database.url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url())
    yield engine
    engine.dispose()


@pytest.fixture
def dozor(settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the real ``dozor`` command in a child process against the test database."""

    def run(*args: str, input_text: str | None = None) -> CliResult:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOZOR_")}
        env.update(
            {
                "DOZOR_HOME": str(tmp_path),
                "DOZOR_DATABASE_URL": settings.database_url or "",
                "COLUMNS": "200",
                "NO_COLOR": "1",
            }
        )
        done = subprocess.run(
            [sys.executable, "-m", "dozor", *args],
            capture_output=True,
            text=True,
            env=env,
            input=input_text,
            timeout=300,
            check=False,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)

    return run
