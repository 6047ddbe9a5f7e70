"""Recorded outcomes with their idempotency keys (and audited corrections).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worklist_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("recovered_amount", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["worklist_items.id"],
            name=op.f("fk_worklist_outcomes_item_id_worklist_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklist_outcomes")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_worklist_outcomes_idempotency_key")),
    )
    op.create_index(op.f("ix_worklist_outcomes_item_id"), "worklist_outcomes", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_worklist_outcomes_item_id"), table_name="worklist_outcomes")
    op.drop_table("worklist_outcomes")
