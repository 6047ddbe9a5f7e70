"""Editing an item's appeal letter on its page: save the text (the printable version and the Word draft then
use it) or reset it to the draft (`denial_ml.store.letters`).

A refused save keeps what the user typed in the box: a letter is too long to type twice. When someone else
saved the letter first, the box keeps the user's text with the newer version, so saving again replaces theirs
on purpose, never by accident.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from denial_ml.jobs.appeals import edited_of
from denial_ml.service.state import ServicesDep
from denial_ml.store import IllegalTransition, StaleVersion, StoreError, UnknownItem, WorklistStore
from denial_ml.store.letters import MAX_LETTER, letter_version
from denial_ml.web.auth import AppealsViewer, CsrfChecked, PageError
from denial_ml.web.letter import letter_form
from denial_ml.web.routes.worklist import detail, load_item

router = APIRouter(prefix="/ui/worklist", include_in_schema=False)
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LetterVersion = Annotated[int, Form(ge=0, le=2**31 - 1)]


def _refused(request: Request, store: WorklistStore, item_id: int, status: int, message: str, typed: str) -> Response:
    """The item page with `message` and the user's text kept in the box (at the letter's current version)."""
    item = load_item(store, item_id)
    form = letter_form(store, item, dt.date.today(), typed=typed)
    return detail(request, store, item_id, status, message, letter=form)


@router.post("/{item_id}/letter", dependencies=[CsrfChecked])
def save_letter(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    item_id: ItemId,
    letter_version: LetterVersion,
    text: Annotated[str, Form(max_length=2 * MAX_LETTER)] = "",
) -> Response:
    """Save the edited letter if no one changed it since the page was shown."""
    store = services.store
    item = load_item(store, item_id)
    if letter_form(store, item, dt.date.today()) is None:
        message = "Not saved: this item has no appeal letter to edit now (no claim detail, no appeal rights, or "
        return detail(request, store, item_id, 409, message + "it is no longer being worked).")
    try:
        store.save_letter(item_id, letter_version, viewer.owner, text)
    except UnknownItem:
        raise PageError(404, "No such item", f"There is no worklist item {item_id}.") from None
    except StaleVersion:
        message = (
            f"{_conflict(store, item_id, 'saved')} Your text is kept in the box below: save it again to replace theirs."
        )
        return _refused(request, store, item_id, 409, message, text)
    except IllegalTransition as exc:
        return detail(request, store, item_id, 409, f"Not saved: {exc}.")
    except StoreError as exc:
        return _refused(request, store, item_id, 422, f"Not saved: {exc}.", text)
    return RedirectResponse(f"/ui/worklist/{item_id}?saved=letter", status_code=303)


def _conflict(store: WorklistStore, item_id: int, action: str) -> str:
    """What a stale save or reset says: who changed the letter first and what it is now."""
    current = store.get_letter(item_id)
    who = current.edited_by if current is not None else "someone"
    now = "their text is in the printable version" if edited_of(current) is not None else "it is the draft again"
    return f"Not {action}: {who} changed this letter first (now at version {letter_version(current)}); {now}."


@router.post("/{item_id}/letter/reset", dependencies=[CsrfChecked])
def reset_letter(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    item_id: ItemId,
    letter_version: LetterVersion,
) -> Response:
    """Discard the edited letter: the item's letter is the draft again."""
    store = services.store
    try:
        store.reset_letter(item_id, letter_version, viewer.owner)
    except UnknownItem:
        raise PageError(404, "No such item", f"There is no worklist item {item_id}.") from None
    except StaleVersion:
        message = f"{_conflict(store, item_id, 'reset')} Read it, then reset again if you still want the draft."
        return detail(request, store, item_id, 409, message)
    except StoreError as exc:
        return detail(request, store, item_id, 409, f"Not reset: {exc}.")
    return RedirectResponse(f"/ui/worklist/{item_id}?saved=letter_reset", status_code=303)
