"""SQLAlchemy 2 models of the worklist: items, notes, append-only history and API keys.

Schema changes go through the Alembic migrations in `denial_ml/store/migrations`; a test checks that these
models and the migrations agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from denial_ml.store.status import ROUTES, STATUSES

ROLES: tuple[str, ...] = ("biller", "appeals", "admin")

# Stable constraint names so that migrations can refer to (and later drop) them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"timestamp {value!r} has no time zone; pass an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base with the project's constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class WorklistItem(Base):
    """One denied claim on the worklist: its scores, route, deadline and workflow state."""

    __tablename__ = "worklist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[str] = mapped_column(String(64), unique=True)
    payer_id: Mapped[str] = mapped_column(String(64))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    carc: Mapped[str | None] = mapped_column(String(10))
    denied_amount: Mapped[float] = mapped_column(Float)
    expected_payment: Mapped[float] = mapped_column(Float)
    p_overturn: Mapped[float] = mapped_column(Float)
    expected_recovery: Mapped[float] = mapped_column(Float)
    priority: Mapped[float] = mapped_column(Float)
    route: Mapped[str] = mapped_column(String(20))
    route_reason: Mapped[str | None] = mapped_column(Text)
    appeal_deadline: Mapped[dt.date | None] = mapped_column(Date)
    days_left: Mapped[int | None] = mapped_column(Integer)  # as of scoring; deadline filters use the date
    status: Mapped[str] = mapped_column(String(20), default="new")
    assignee: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    model_version: Mapped[str | None] = mapped_column(String(100))
    score_inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    factors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    appealed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    recovered_amount: Mapped[float | None] = mapped_column(Float)
    ranked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # when a build last scored and routed it
    claim_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # claim, lines, remittances at the build

    notes: Mapped[list[WorklistNote]] = relationship(
        back_populates="item", order_by="WorklistNote.id", cascade="save-update, merge"
    )
    history: Mapped[list[WorklistHistory]] = relationship(
        back_populates="item", order_by="WorklistHistory.id", cascade="save-update, merge"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("route", ROUTES), name="route"),
        CheckConstraint("p_overturn >= 0 AND p_overturn <= 1", name="p_overturn"),
        # One index per leading filter, carrying the other common filter columns and the sort key, so the
        # total count and the ids of a page are read from the index alone (100,000 items: a few ms).
        Index("ix_worklist_items_recovery", "expected_recovery", "id", "status", "category", "route", "payer_id"),
        Index("ix_worklist_items_status", "status", "category", "route", "payer_id", "expected_recovery"),
        Index("ix_worklist_items_category", "category", "status", "route", "payer_id", "expected_recovery"),
        Index("ix_worklist_items_payer", "payer_id", "category", "status", "route", "expected_recovery"),
        Index(
            "ix_worklist_items_deadline",
            "appeal_deadline",
            "status",
            "category",
            "route",
            "expected_recovery",
        ),
        Index("ix_worklist_items_payer_name", "payer_name"),
        Index("ix_worklist_items_assignee", "assignee"),
    )


class WorklistNote(Base):
    """A free-text note on an item."""

    __tablename__ = "worklist_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("worklist_items.id", ondelete="RESTRICT"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)

    item: Mapped[WorklistItem] = relationship(back_populates="notes")


class WorklistHistory(Base):
    """One change of one field of an item, with who made it; rows are never updated or deleted."""

    __tablename__ = "worklist_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("worklist_items.id", ondelete="RESTRICT"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[WorklistItem] = relationship(back_populates="history")


class WorklistOutcome(Base):
    """One outcome recorded on an item (or a correction of one), with the caller's idempotency key: a re-send
    with the same key is answered from this row instead of being applied again. Rows are never changed."""

    __tablename__ = "worklist_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("worklist_items.id", ondelete="RESTRICT"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    recovered_amount: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)  # the item's version once this outcome was applied


class SavedView(Base):
    """A user's named worklist view: the query string of its filters and sort, as the page's own link."""

    __tablename__ = "worklist_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("owner", "name", name="uq_worklist_views_owner_name"),)


class AppealLetter(Base):
    """The appeal letter of an item as a user edited it (plain text); `text` None (reset) or no row: the draft is
    built afresh. `version` counts saves and resets, so a change made on a page that showed an older letter is
    refused; it never goes back, so a reset and a new edit cannot pass for the letter a stale page showed."""

    __tablename__ = "appeal_letters"

    item_id: Mapped[int] = mapped_column(ForeignKey("worklist_items.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str | None] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(String(100))
    edited_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer)


class WebSession(Base):
    """A signed-in web session: the cookie carries its id, only the id's hash is stored; sign-out ends it here,
    so a copied cookie dies with it."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_prefix: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ApiKey(Base):
    """An API key: only a salted hash of the secret is stored; `prefix` finds the row for a token."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    owner: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)


@event.listens_for(WorklistHistory, "before_update")
@event.listens_for(WorklistHistory, "before_delete")
@event.listens_for(WorklistOutcome, "before_update")
@event.listens_for(WorklistOutcome, "before_delete")
def _refuse_history_change(mapper: Any, connection: Any, target: WorklistHistory | WorklistOutcome) -> None:
    # The history and the outcomes are the audit trail: the ORM refuses to rewrite them.
    raise PermissionError(f"{target.__tablename__} row {target.id} is append-only")
