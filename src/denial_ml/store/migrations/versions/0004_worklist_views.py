"""Saved worklist views per user, when a build last ranked each item ("ranked as of" on the worklist) and the
claim's detail (lines, remittances, codes) as the build saw it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("worklist_items") as batch:
        batch.add_column(sa.Column("ranked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claim_detail", sa.JSON(), nullable=True))
    op.create_table(
        "worklist_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklist_views")),
        sa.UniqueConstraint("owner", "name", name="uq_worklist_views_owner_name"),
    )


def downgrade() -> None:
    op.drop_table("worklist_views")
    with op.batch_alter_table("worklist_items") as batch:
        batch.drop_column("claim_detail")
        batch.drop_column("ranked_at")
