"""Schema migrations on SQLite and PostgreSQL: from empty to head, idempotent, down and up again,
and the migrated schema equal to ``dozor.store.schema.metadata``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from dozor.store.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from dozor.store.schema import metadata
from testenv import BACKENDS

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REQUIRE_PG = os.environ.get("DOZOR_REQUIRE_POSTGRES") == "1"


def schema_differences(engine: Engine) -> list[object]:
    """What autogenerate would change to reach ``metadata`` (empty when they agree)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, metadata))


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


@pytest.fixture(params=[b for b in ("sqlite", "postgresql") if b in BACKENDS])
def brand_new(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a brand-new, empty database (not the tests' template)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
        yield engine
        engine.dispose()
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        admin.dispose()
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(error).splitlines()[0]}"
        if REQUIRE_PG:
            pytest.fail(reason + " (DOZOR_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    name = f"dozor_mig_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_reaches_head_and_matches_the_schema(brand_new: Engine) -> None:
    engine = brand_new
    assert current_revision(engine) is None
    assert tables(engine) == set()
    upgrade(engine)
    head = head_revision(engine)
    assert head is not None
    assert current_revision(engine) == head
    assert tables(engine) == set(metadata.tables) | {"alembic_version"}
    assert schema_differences(engine) == []


def test_upgrade_again_is_a_no_op(brand_new: Engine) -> None:
    engine = brand_new
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reference_version (name, version, loaded_at) "
                "VALUES ('marker', '1', CURRENT_TIMESTAMP)"
            )
        )
    before = {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in tables(engine)}
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    after = {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in tables(engine)}
    assert after == before
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT version FROM reference_version WHERE name = 'marker'"))
        assert kept.scalar_one() == "1"  # the data is untouched


def test_downgrade_to_base_and_upgrade_again(brand_new: Engine) -> None:
    engine = brand_new
    upgrade(engine)
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    assert tables(engine) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert schema_differences(engine) == []


def test_step_by_step_equals_all_at_once(brand_new: Engine) -> None:
    engine = brand_new
    config = alembic_config(engine)
    revisions = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    for revision in reversed(revisions):  # oldest first
        command.upgrade(config, revision)
        assert current_revision(engine) == revision
    assert schema_differences(engine) == []
    for revision in revisions[1:]:  # newest first, down one at a time
        command.downgrade(config, revision)
        assert current_revision(engine) == revision
    command.downgrade(config, "base")
    assert tables(engine) <= {"alembic_version"}


def test_the_test_database_is_at_head_and_matches(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)
    assert schema_differences(engine) == []
    upgrade(engine)  # an initialised node upgrades as a no-op
    assert current_revision(engine) == head_revision(engine)
