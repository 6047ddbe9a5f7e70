"""Changes to worklist items: status, assignee, notes and appeal outcomes, each written to the history.

Every function works inside a caller's session and either applies all of its change or raises before
anything is flushed; the version check makes a concurrent writer lose with `StaleVersion`.
"""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from denial_ml.store.errors import InvalidUpdate, StaleVersion, UnknownItem
from denial_ml.store.models import WorklistHistory, WorklistItem, WorklistNote, utcnow
from denial_ml.store.status import DECIDED, check_status, check_transition
from denial_ml.store.text import check_text


def check_actor(actor: str) -> str:
    """Return the stripped actor name, refusing an empty one (history must say who acted)."""
    name = (check_text("actor", actor) or "").strip()
    if not name:
        raise InvalidUpdate("actor is empty: every change must name who made it")
    return name


def load_item(session: Session, item_id: int) -> WorklistItem:
    """The item with `item_id`, or `UnknownItem`."""
    item = session.get(WorklistItem, item_id)
    if item is None:
        raise UnknownItem(f"no worklist item with id {item_id}")
    return item


def item_id_for_claim(session: Session, claim_id: str) -> int:
    """The id of the item of `claim_id`, or `UnknownItem`."""
    check_text("claim_id", claim_id)
    item_id = session.scalar(select(WorklistItem.id).where(WorklistItem.claim_id == claim_id))
    if item_id is None:
        raise UnknownItem(f"no worklist item for claim {claim_id!r}")
    return item_id


def _check_amount(item_id: int, status: str | None, amount: float | None) -> None:
    if amount is None:
        return
    if status not in DECIDED:
        raise InvalidUpdate(f"item {item_id}: a recovered amount goes with status 'overturned' or 'upheld'")
    if not math.isfinite(amount) or amount < 0:
        raise InvalidUpdate(f"item {item_id}: recovered amount {amount!r} must be a number >= 0")
    if status == "upheld" and amount != 0:
        raise InvalidUpdate(f"item {item_id}: an upheld appeal recovers 0, not {amount!r}")


def _planned_changes(
    item: WorklistItem, status: str | None, assignee: str | None, amount: float | None
) -> list[tuple[str, str | None, str | None]]:
    changes: list[tuple[str, str | None, str | None]] = []
    if status is not None and status != item.status:
        check_transition(item.id, item.status, status)
        changes.append(("status", item.status, status))
    if assignee is not None:
        new_assignee = assignee.strip() or None  # "" unassigns
        if new_assignee != item.assignee:
            changes.append(("assignee", item.assignee, new_assignee))
    if amount is not None and amount != item.recovered_amount:
        old = None if item.recovered_amount is None else f"{item.recovered_amount:.2f}"
        changes.append(("recovered_amount", old, f"{amount:.2f}"))
    return changes


def _apply(item: WorklistItem, field: str, value: str | None) -> None:
    now = utcnow()
    if field == "status":
        item.status = value or ""
        if value == "appealed":
            item.appealed_at = now
        if value in DECIDED:
            item.decided_at = now
    elif field == "assignee":
        item.assignee = value
    else:
        item.recovered_amount = float(value) if value is not None else None


def change_item(
    session: Session,
    item_id: int,
    expected_version: int,
    actor: str,
    status: str | None = None,
    assignee: str | None = None,
    note: str | None = None,
    recovered_amount: float | None = None,
) -> WorklistItem:
    """Apply a change to one item in `session` and write one history row per changed field.

    Args:
        session: Open session; the caller commits.
        item_id: Item to change.
        expected_version: The version the caller read; any other current version is a conflict.
        actor: Who makes the change (kept in the history and on notes).
        status: New status, checked against the status machine; the current status is a no-op.
        assignee: New assignee; "" unassigns.
        note: Free text kept as a note and on the history rows of this change.
        recovered_amount: Dollars recovered, only with status overturned or upheld.

    Raises:
        InvalidUpdate, UnknownStatus, UnknownItem, StaleVersion, IllegalTransition: before any change.
    """
    actor = check_actor(actor)
    if status is None and assignee is None and note is None and recovered_amount is None:
        raise InvalidUpdate(f"nothing to change for item {item_id}: give a status, an assignee or a note")
    check_text("assignee", assignee)
    check_text("note", note, multiline=True)
    if status is not None:
        check_status(check_text("status", status) or "")
    note_text = note.strip() if note is not None else None
    if note is not None and not note_text:
        raise InvalidUpdate(f"item {item_id}: the note is empty")
    item = load_item(session, item_id)
    if item.version != expected_version:
        raise StaleVersion(
            f"item {item_id} is at version {item.version}, not {expected_version}: "
            "someone changed it after you read it; reload it and retry"
        )
    _check_amount(item_id, status or item.status, recovered_amount)
    changes = _planned_changes(item, status, assignee, recovered_amount)
    if not changes and note_text is None:
        return item
    now = utcnow()
    for field, old, new in changes:
        _apply(item, field, new)
        session.add(
            WorklistHistory(item_id=item.id, at=now, actor=actor, field=field, old=old, new=new, note=note_text)
        )
    if note_text is not None:
        session.add(WorklistNote(item_id=item.id, at=now, actor=actor, text=note_text))
        session.add(WorklistHistory(item_id=item.id, at=now, actor=actor, field="note", new=note_text))
    item.updated_at = now
    flush_or_conflict(session, item_id)
    return item


def flush_or_conflict(session: Session, item_id: int) -> None:
    """Flush, turning SQLAlchemy's version-check failure into `StaleVersion`."""
    try:
        session.flush()
    except StaleDataError:
        raise StaleVersion(
            f"item {item_id} was changed by someone else while you edited it; reload it and retry"
        ) from None
