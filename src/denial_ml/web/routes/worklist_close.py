"""Closing a worklist item from its page: the final status with its reason (and, for a decided appeal, the
dollars and the decision date), a confirmation step that says what will be recorded, then an undo for a short
time after (`denial_ml.store.finals`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from denial_ml.service.state import ServicesDep
from denial_ml.store import IllegalTransition, StaleVersion, StoreError, UnknownItem
from denial_ml.store.finals import UNDO_MINUTES, check_decision
from denial_ml.store.status import TRANSITIONS
from denial_ml.web.auth import AppealsViewer, CsrfChecked, PageError
from denial_ml.web.routes.worklist import closing_choices, detail, load_item

router = APIRouter(prefix="/ui/worklist", include_in_schema=False)
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Version = Annotated[int, Form(ge=1, le=2**31 - 1)]
STATUS_OF = {"partial": "overturned"}


def parse_money(text: str) -> float | None:
    """Dollars typed by a person ("$1,204.50"), None when empty.

    Raises:
        ValueError: naming what was typed.
    """
    cleaned = text.strip().replace("$", "").replace(",", "")
    if not cleaned:
        return None
    if not all(c.isascii() and (c.isdigit() or c == ".") for c in cleaned) or cleaned.count(".") > 1:
        raise ValueError(f"{text.strip()[:20]!r} is not an amount in dollars")
    return round(float(cleaned), 2)


def summary(choice: str, label: str, amount: float | None, decided: dt.date | None, reason: str) -> str:
    """What the confirmation step says will be recorded."""
    parts = [f"close this item as {label}"]
    if amount is not None:
        parts.append(f"${amount:,.2f} recovered")
    if decided is not None:
        parts.append(f"decided on {decided.isoformat()}")
    return f"{', '.join(parts)}. Reason: {reason}. You can undo it for {UNDO_MINUTES} minutes."


@router.post("/{item_id}/close", dependencies=[CsrfChecked])
def close_item(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    item_id: ItemId,
    version: Version,
    outcome: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=4000)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    decided_on: Annotated[str, Form(max_length=10)] = "",
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Check the closing, show what will be recorded, and record it once confirmed."""
    store = services.store
    item = load_item(store, item_id)
    choices = dict(closing_choices(TRANSITIONS.get(item.status, ())))
    if outcome not in choices:
        return detail(request, store, item_id, 409, f"Not allowed: the item cannot be closed as {outcome[:20]!r} now.")
    status = STATUS_OF.get(outcome, outcome)
    try:
        dollars = parse_money(amount)
        day = dt.date.fromisoformat(decided_on) if decided_on.strip() else None
    except ValueError as exc:
        message = str(exc) if "dollars" in str(exc) else f"{decided_on[:10]!r} is not a date YYYY-MM-DD"
        return detail(request, store, item_id, 422, f"Not closed: {message}.")
    if status == "upheld" and dollars is None:
        dollars = 0.0
    note = reason.strip()
    try:
        if not note:
            raise StoreError(f"say why the item is {choices[outcome]}")
        check_decision(item, status, dollars, day, dt.date.today())
        if outcome == "partial" and dollars is not None and dollars >= item.denied_amount:
            raise StoreError(f"a partial payment is less than the denied ${item.denied_amount:,.2f}")
    except StoreError as exc:
        return detail(request, store, item_id, 422, f"Not closed: {exc}.")
    if confirm != "yes":
        fields = {"outcome": outcome, "reason": note, "amount": amount.strip(), "decided_on": decided_on.strip()}
        text = summary(outcome, choices[outcome], dollars, day, note)
        return detail(request, store, item_id, confirm={"text": text, "fields": fields, "version": version})
    recorded = f"Partially paid. {note}" if outcome == "partial" else note
    try:
        store.finish_item(item_id, version, viewer.owner, status, recorded, dollars, day)
    except UnknownItem:
        raise PageError(404, "No such item", f"There is no worklist item {item_id}.") from None
    except StaleVersion:
        return detail(request, store, item_id, 409, "Someone else changed this item first; nothing was closed.")
    except (IllegalTransition, StoreError) as exc:
        return detail(request, store, item_id, 409, f"Not closed: {exc}.")
    return RedirectResponse(f"/ui/worklist/{item_id}?saved=closed", status_code=303)


@router.post("/{item_id}/undo", dependencies=[CsrfChecked])
def undo_close(
    request: Request, viewer: AppealsViewer, services: ServicesDep, item_id: ItemId, version: Version
) -> Response:
    """Undo the item's final status (the person who closed it, within the window)."""
    try:
        services.store.undo_final(item_id, version, viewer.owner)
    except UnknownItem:
        raise PageError(404, "No such item", f"There is no worklist item {item_id}.") from None
    except StaleVersion:
        return detail(request, services.store, item_id, 409, "Someone else changed this item first; nothing undone.")
    except IllegalTransition as exc:
        return detail(request, services.store, item_id, 409, f"Not undone: {exc}.")
    return RedirectResponse(f"/ui/worklist/{item_id}?saved=undone", status_code=303)
