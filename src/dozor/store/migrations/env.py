"""Alembic environment: runs on the engine handed in by ``dozor.store.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from dozor.store.schema import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through dozor.store.db.upgrade() or 'dozor init'")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
