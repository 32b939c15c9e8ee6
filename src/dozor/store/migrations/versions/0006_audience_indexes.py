"""indexes for the viewer's listed and granted ids (the policy's id subqueries)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 12:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listed_audience", schema=None) as batch_op:
        batch_op.create_index("ix_listed_agency", ["agency_id", "object_id"], unique=False)
        batch_op.create_index("ix_listed_country", ["country", "object_id"], unique=False)
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.create_index("ix_grant_grantee", ["grantee_agency_id", "object_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("access_grant", schema=None) as batch_op:
        batch_op.drop_index("ix_grant_grantee")
    with op.batch_alter_table("listed_audience", schema=None) as batch_op:
        batch_op.drop_index("ix_listed_country")
        batch_op.drop_index("ix_listed_agency")
