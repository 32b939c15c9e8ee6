"""correlation index, exclusions, candidate pairs, blocking keys and judgements

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_candidate",
        sa.Column("person_a", sa.String(length=36), nullable=False),
        sa.Column("person_b", sa.String(length=36), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("is_match", sa.Boolean(), nullable=False),
        sa.Column("features", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person_a", "person_b", name="uq_match_candidate"),
    )
    with op.batch_alter_table("match_candidate", schema=None) as batch_op:
        batch_op.create_index("ix_match_candidate_b", ["person_b"], unique=False)
        batch_op.create_index("ix_match_candidate_score", ["score"], unique=False)

    op.create_table(
        "match_judgement",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_a", sa.String(length=36), nullable=False),
        sa.Column("person_b", sa.String(length=36), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("judged_by", sa.String(length=36), nullable=False),
        sa.Column("judged_agency_id", sa.String(length=36), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_judgement")),
    )
    with op.batch_alter_table("match_judgement", schema=None) as batch_op:
        batch_op.create_index("ix_match_judgement_b", ["person_b"], unique=False)
        batch_op.create_index("ix_match_judgement_pair", ["person_a", "person_b"], unique=False)

    op.create_table(
        "person_block_key",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.UniqueConstraint("key", "person_id", name="uq_person_block_key"),
    )
    with op.batch_alter_table("person_block_key", schema=None) as batch_op:
        batch_op.create_index("ix_person_block_key_person", ["person_id"], unique=False)

    op.create_table(
        "selector_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=True),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("owner_agency_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selector_entry")),
        sa.UniqueConstraint("kind", "value", "object_id", name="uq_selector_entry"),
    )
    with op.batch_alter_table("selector_entry", schema=None) as batch_op:
        batch_op.create_index("ix_selector_entry_object", ["object_id"], unique=False)

    op.create_table(
        "selector_exclusion",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_agency_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selector_exclusion")),
        sa.UniqueConstraint("kind", "value", name="uq_selector_exclusion"),
    )


def downgrade() -> None:
    op.drop_table("selector_exclusion")
    with op.batch_alter_table("selector_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_selector_entry_object")

    op.drop_table("selector_entry")
    with op.batch_alter_table("person_block_key", schema=None) as batch_op:
        batch_op.drop_index("ix_person_block_key_person")

    op.drop_table("person_block_key")
    with op.batch_alter_table("match_judgement", schema=None) as batch_op:
        batch_op.drop_index("ix_match_judgement_pair")
        batch_op.drop_index("ix_match_judgement_b")

    op.drop_table("match_judgement")
    with op.batch_alter_table("match_candidate", schema=None) as batch_op:
        batch_op.drop_index("ix_match_candidate_score")
        batch_op.drop_index("ix_match_candidate_b")

    op.drop_table("match_candidate")
