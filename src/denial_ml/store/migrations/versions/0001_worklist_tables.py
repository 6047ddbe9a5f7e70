"""Worklist tables: items, notes, append-only history and API keys.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ITEM_INDEXES = {
    "ix_worklist_items_recovery": ["expected_recovery", "id", "status", "category", "route", "payer_id"],
    "ix_worklist_items_status": ["status", "category", "route", "payer_id", "expected_recovery"],
    "ix_worklist_items_category": ["category", "status", "route", "payer_id", "expected_recovery"],
    "ix_worklist_items_payer": ["payer_id", "category", "status", "route", "expected_recovery"],
    "ix_worklist_items_deadline": ["appeal_deadline", "status", "category", "route", "expected_recovery"],
    "ix_worklist_items_payer_name": ["payer_name"],
    "ix_worklist_items_assignee": ["assignee"],
}
TIMESTAMP = sa.DateTime(timezone=True)  # read back as aware UTC by models.UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("role IN ('biller', 'appeals', 'admin')", name=op.f("ck_api_keys_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_table(
        "worklist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("payer_id", sa.String(length=64), nullable=False),
        sa.Column("payer_name", sa.String(length=200), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("carc", sa.String(length=10), nullable=True),
        sa.Column("denied_amount", sa.Float(), nullable=False),
        sa.Column("expected_payment", sa.Float(), nullable=False),
        sa.Column("p_overturn", sa.Float(), nullable=False),
        sa.Column("expected_recovery", sa.Float(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("route_reason", sa.Text(), nullable=True),
        sa.Column("appeal_deadline", sa.Date(), nullable=True),
        sa.Column("days_left", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=True),
        sa.Column("score_inputs", sa.JSON(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("appealed_at", TIMESTAMP, nullable=True),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("recovered_amount", sa.Float(), nullable=True),
        sa.CheckConstraint("route IN ('appeal', 'resubmit', 'write_off')", name=op.f("ck_worklist_items_route")),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'appealed', 'overturned', 'upheld', 'resubmitted', 'written_off')",
            name=op.f("ck_worklist_items_status"),
        ),
        sa.CheckConstraint("p_overturn >= 0 AND p_overturn <= 1", name=op.f("ck_worklist_items_p_overturn")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklist_items")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_worklist_items_claim_id")),
    )
    for name, columns in ITEM_INDEXES.items():
        op.create_index(name, "worklist_items", columns)
    op.create_table(
        "worklist_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["worklist_items.id"],
            name=op.f("fk_worklist_history_item_id_worklist_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklist_history")),
    )
    op.create_index(op.f("ix_worklist_history_item_id"), "worklist_history", ["item_id"])

    op.create_table(
        "worklist_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["worklist_items.id"],
            name=op.f("fk_worklist_notes_item_id_worklist_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worklist_notes")),
    )
    op.create_index(op.f("ix_worklist_notes_item_id"), "worklist_notes", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_worklist_notes_item_id"), table_name="worklist_notes")

    op.drop_table("worklist_notes")
    op.drop_index(op.f("ix_worklist_history_item_id"), table_name="worklist_history")

    op.drop_table("worklist_history")
    for name in ITEM_INDEXES:
        op.drop_index(name, table_name="worklist_items")
    op.drop_table("worklist_items")
    op.drop_table("api_keys")
