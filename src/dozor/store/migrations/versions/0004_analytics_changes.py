"""the analytics change feed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_change",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seizure_id", sa.String(length=36), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_analytics_change")),
    )
    with op.batch_alter_table("analytics_change", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_change_changed_at", ["changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("analytics_change", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_change_changed_at")
    op.drop_table("analytics_change")
