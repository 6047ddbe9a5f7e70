"""The appeal letter of a worklist item as a user edited it in the workbench.

Without an edited text the packet is drafted afresh from the facts on file; with one, the printable page and
the Word document carry the user's text. Saves are optimistic: the page sends the letter version it showed (0:
never edited), and a save or reset over someone else's newer change is refused with `StaleVersion` instead of
silently discarding it. A reset keeps the row with no text, so the version only grows. Each save and reset
writes a history row, so the item's history says who changed the letter. The letter can change only while the
item is being worked (new or in progress): once appealed, it is the letter that was sent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from denial_ml.store.errors import IllegalTransition, InvalidUpdate, StaleVersion
from denial_ml.store.models import AppealLetter, WorklistHistory, utcnow
from denial_ml.store.text import check_text
from denial_ml.store.updates import check_actor, load_item

EDITABLE: tuple[str, ...] = ("new", "in_progress")
MAX_LETTER = 20_000  # characters: a few pages of letter, far below what either backend's Text holds


def get_letter(session: Session, item_id: int) -> AppealLetter | None:
    """The item's letter row (its `text` is None after a reset), or None when it was never edited."""
    return session.get(AppealLetter, item_id)


def letter_version(letter: AppealLetter | None) -> int:
    """The version a page shows and sends back: 0 for a letter never edited."""
    return letter.version if letter is not None else 0


def clean_letter(text: str) -> str:
    """The letter as stored: line breaks as `\\n`, no trailing blanks.

    Raises:
        InvalidUpdate: for an empty or over-long letter, or a control character (`InvalidText`).
    """
    cleaned = (check_text("letter", text, multiline=True) or "").replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "\n".join(line.rstrip() for line in cleaned.split("\n")).strip()
    if not cleaned:
        raise InvalidUpdate("the letter is empty; write it, or reset it to the draft")
    if len(cleaned) > MAX_LETTER:
        raise InvalidUpdate(f"the letter has {len(cleaned):,} characters; at most {MAX_LETTER:,} are kept")
    return cleaned


def _check_open(session: Session, item_id: int, expected_version: int, what: str) -> AppealLetter | None:
    """The current letter, after checking the item may change its letter and the caller saw the latest one."""
    item = load_item(session, item_id)
    if item.status not in EDITABLE:
        raise IllegalTransition(
            f"item {item_id} is {item.status.replace('_', ' ')}: its letter can be {what} only while new or in progress"
        )
    letter = get_letter(session, item_id)
    current = letter_version(letter)
    if current != expected_version:
        by = f" by {letter.edited_by}" if letter is not None else ""
        raise StaleVersion(
            f"the letter of item {item_id} was changed{by} since you opened it (version {current}, you saw "
            f"version {expected_version})"
        )
    return letter


def _record(session: Session, item_id: int, actor: str, old: str, new: str) -> None:
    session.add(WorklistHistory(item_id=item_id, at=utcnow(), actor=actor, field="letter", old=old, new=new))


def save_letter(session: Session, item_id: int, expected_version: int, actor: str, text: str) -> AppealLetter:
    """Store `text` as the item's letter if its letter is still at `expected_version`; the caller commits.

    Raises:
        UnknownItem: no such item.
        IllegalTransition: the item is no longer being worked.
        StaleVersion: someone saved or reset the letter since the caller read it.
        InvalidUpdate: an empty, over-long or malformed letter or actor.
    """
    actor, cleaned = check_actor(actor), clean_letter(text)
    letter = _check_open(session, item_id, expected_version, "edited")
    before = "edited" if letter is not None and letter.text is not None else "draft"
    if letter is None:
        letter = AppealLetter(item_id=item_id, text=cleaned, edited_by=actor, edited_at=utcnow(), version=1)
        session.add(letter)
    else:
        letter.text, letter.edited_by, letter.edited_at = cleaned, actor, utcnow()
        letter.version += 1
    _record(session, item_id, actor, before, f"edited (version {letter.version})")
    session.flush()
    return letter


def reset_letter(session: Session, item_id: int, expected_version: int, actor: str) -> bool:
    """Discard the item's edited letter (back to the draft); whether there was one. The caller commits.

    Raises:
        UnknownItem, IllegalTransition, StaleVersion, InvalidUpdate: as `save_letter`.
    """
    actor = check_actor(actor)
    letter = _check_open(session, item_id, expected_version, "reset")
    if letter is None or letter.text is None:
        return False
    _record(session, item_id, actor, f"edited (version {letter.version})", "draft")
    letter.text, letter.edited_by, letter.edited_at = None, actor, utcnow()
    letter.version += 1
    session.flush()
    return True
