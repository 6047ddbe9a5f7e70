"""Closing a worklist item: a final status with its reason (and, for a decided appeal, the dollars and the
decision date), and an undo for a short time after, by the same person.

Final statuses cannot be left through the status machine; an undo is its own audited change: the history keeps
the final move and the undo, and only the last change of the item can be undone, within `UNDO_MINUTES`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from denial_ml.store.errors import IllegalTransition, InvalidUpdate, StaleVersion
from denial_ml.store.models import WorklistHistory, WorklistItem, utcnow
from denial_ml.store.status import DECIDED, TRANSITIONS
from denial_ml.store.updates import change_item, check_actor, flush_or_conflict, load_item

FINAL: tuple[str, ...] = tuple(status for status, targets in TRANSITIONS.items() if not targets)
UNDO_MINUTES = 10


def check_decision(
    item: WorklistItem, status: str, amount: float | None, decided_on: dt.date | None, today: dt.date
) -> None:
    """Refuse a decided appeal without its dollars or date, or with a date the appeal cannot have had."""
    if status not in DECIDED:
        if amount is not None or decided_on is not None:
            raise InvalidUpdate(f"item {item.id}: dollars and a decision date go with overturned or upheld only")
        return
    if amount is None:
        raise InvalidUpdate(f"item {item.id}: say how many dollars the payer paid on appeal (0 if none)")
    if status == "overturned" and amount <= 0:
        raise InvalidUpdate(f"item {item.id}: an overturned appeal recovers more than $0; record 'upheld' instead")
    if decided_on is None:
        raise InvalidUpdate(f"item {item.id}: give the date of the payer's decision")
    if decided_on > today:
        raise InvalidUpdate(f"item {item.id}: the decision date {decided_on} is after today ({today})")
    if item.appealed_at is not None and decided_on < item.appealed_at.date():
        raise InvalidUpdate(
            f"item {item.id}: the decision date {decided_on} is before the appeal was sent ({item.appealed_at.date()})"
        )


def finish_item(
    session: Session,
    item_id: int,
    expected_version: int,
    actor: str,
    status: str,
    reason: str,
    recovered_amount: float | None = None,
    decided_on: dt.date | None = None,
    today: dt.date | None = None,
) -> WorklistItem:
    """Move an item to a final status with the reason (kept as a note and on the history); the caller commits.

    Raises:
        InvalidUpdate: not a final status, no reason, or dollars/date missing or impossible.
        StaleVersion, IllegalTransition, UnknownItem: as for any change; nothing is changed.
    """
    if status not in FINAL:
        raise InvalidUpdate(f"{status!r} is not a final status; final: {', '.join(FINAL)}")
    if not (reason or "").strip():
        raise InvalidUpdate(f"item {item_id}: say why the item is {status.replace('_', ' ')}")
    item = load_item(session, item_id)
    check_decision(item, status, recovered_amount, decided_on, today or dt.date.today())
    item = change_item(session, item_id, expected_version, actor, status, None, reason.strip(), recovered_amount)
    if decided_on is not None:
        item.decided_at = dt.datetime.combine(decided_on, dt.time(12), tzinfo=dt.UTC)
        flush_or_conflict(session, item_id)
    return item


def undoable_until(item: WorklistItem, actor: str) -> dt.datetime | None:
    """Until when `actor` may undo the item's final status (None: not undoable by them now)."""
    if item.status not in FINAL or not item.history:
        return None
    last_status = next((h for h in reversed(item.history) if h.field == "status"), None)
    if last_status is None or last_status.new != item.status or last_status.actor != actor:
        return None
    until = last_status.at + dt.timedelta(minutes=UNDO_MINUTES)
    return until if utcnow() < until else None


def undo_final(session: Session, item_id: int, expected_version: int, actor: str) -> WorklistItem:
    """Put an item back to the status it had before its final move (the same person, within the window).

    Raises:
        StaleVersion: the item changed since the caller read it.
        IllegalTransition: the item is not final, someone else closed it, or the window has passed.
    """
    actor = check_actor(actor)
    item = load_item(session, item_id)
    if item.version != expected_version:
        raise StaleVersion(f"item {item_id} is at version {item.version}, not {expected_version}: reload it")
    session.refresh(item, ["history"])
    if item.status not in FINAL:
        raise IllegalTransition(f"item {item_id} is {item.status!r}, not final: nothing to undo")
    if undoable_until(item, actor) is None:
        raise IllegalTransition(
            f"item {item_id}: only the person who closed it can undo it, within {UNDO_MINUTES} minutes"
        )
    last = next(h for h in reversed(item.history) if h.field == "status")
    now = utcnow()
    note = f"undo of {item.status.replace('_', ' ')} set at {last.at:%H:%M} UTC"
    session.add(WorklistHistory(item_id=item.id, at=now, actor=actor, field="status", old=item.status,
                                new=last.old, note=note))  # fmt: skip
    if item.recovered_amount is not None:
        session.add(WorklistHistory(item_id=item.id, at=now, actor=actor, field="recovered_amount",
                                    old=f"{item.recovered_amount:.2f}", new=None, note=note))  # fmt: skip
    item.status, item.recovered_amount, item.decided_at = last.old or "new", None, None
    item.updated_at = now
    flush_or_conflict(session, item_id)
    return item
