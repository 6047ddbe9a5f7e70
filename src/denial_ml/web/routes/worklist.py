"""Appeals worklist (appeals staff): the ranked list with filters and deadline badges, one item's detail with
its explanation, notes and history, and the changes (legal status moves, assignment, notes).

Changes go through the store with the version the page showed; when someone else changed the item first, the
page says so and shows the item as it is now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from denial_ml.domain.denials import CATEGORIES
from denial_ml.service.state import ServicesDep
from denial_ml.store import IllegalTransition, StaleVersion, StoreError, UnknownItem, WorklistStore
from denial_ml.store.finals import FINAL, undoable_until
from denial_ml.store.models import WorklistItem
from denial_ml.store.queries import ItemFilter
from denial_ml.store.status import ROUTES, STATUSES, TRANSITIONS
from denial_ml.web.auth import AppealsViewer, CsrfChecked, PageError, Viewer
from denial_ml.web.letter import letter_form
from denial_ml.web.state import get_state, render
from denial_ml.web.worklist_view import (
    PAGE_SIZE,
    SORT_LABELS,
    VIEW_LABELS,
    filter_options,
    item_filter_of,
    read_filters,
)


def closing_choices(targets: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """The ways to close an item from its legal targets, `(value, label)`: an overturn paid in part is its own
    choice (status overturned, the dollars below the denied amount)."""
    labels = {
        "overturned": "overturned: paid in full",
        "partial": "overturned: partially paid",
        "upheld": "upheld: the denial stands",
        "resubmitted": "resubmitted as a corrected claim",
        "written_off": "written off",
    }
    values = [v for t in targets if t in FINAL for v in (("overturned", "partial") if t == "overturned" else (t,))]
    return [(v, labels[v]) for v in values]


# Statuses a bulk action may set: work in hand, never a final one (those ask for a reason, item by item).
BULK_STATUSES: tuple[str, ...] = ("in_progress", "new")

router = APIRouter(prefix="/ui/worklist", include_in_schema=False)
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Version = Annotated[int, Form(ge=1, le=2**31 - 1)]
SAVED = {
    "status": "Status changed.",
    "assignee": "Assignment saved.",
    "note": "Note added.",
    "closed": "Item closed.",
    "undone": "Undone: the item is back to its earlier status.",
    "letter": "Letter saved: the printable version and the Word draft now use it.",
    "letter_reset": "Letter reset to the draft.",
}


def list_page(
    request: Request,
    viewer: Viewer,
    store: WorklistStore,
    status: int = 200,
    params: Mapping[str, str] | None = None,
    **extra: object,
) -> Response:
    """The worklist page for `params` (default: the request's query string), with `extra` in the context."""
    filters = read_filters(request.query_params if params is None else params)
    chosen = ItemFilter(**item_filter_of(filters))
    page = store.list_items(
        chosen, offset=filters.offset, limit=PAGE_SIZE, sort=filters.sort, descending=filters.descending
    )
    options = get_state(request).cache.get("worklist-options", store.url, lambda: filter_options(store))
    # Per person over the view in force (the other filters aside), so the counts say who holds what.
    counts = store.assignee_counts(ItemFilter(view=chosen.view))
    context = {
        "page": page,
        "filters": filters,
        "options": options,
        "categories": CATEGORIES,
        "statuses": STATUSES,
        "routes": ROUTES,
        "views": VIEW_LABELS,
        "sort_labels": SORT_LABELS,
        "counts": counts,
        "ranked_as_of": store.ranked_as_of(),
        "saved_views": store.list_views(viewer.owner),
        "bulk_statuses": BULK_STATUSES,
        "last_page": max(1, -(-page.total // PAGE_SIZE)),
        "bulk": None,
        "view_error": None,
        **extra,
    }
    return render(request, "worklist.html", context, status=status)


@router.get("")
def worklist_page(request: Request, viewer: AppealsViewer, services: ServicesDep) -> Response:
    """A page of items matching the filters (open appeals and resubmissions by default), sorted as asked."""
    return list_page(request, viewer, services.store)


def load_item(store: WorklistStore, item_id: int) -> WorklistItem:
    """The item with notes and history, or a 404 page."""
    try:
        return store.get_item(item_id)
    except UnknownItem:
        raise PageError(404, "No such item", f"There is no worklist item {item_id}.") from None


def detail(
    request: Request,
    store: WorklistStore,
    item_id: int,
    status: int = 200,
    message: str | None = None,
    **extra: object,
) -> Response:
    """The item's page; `message` is an error to show above it, `extra` more context (a confirmation)."""
    item = load_item(store, item_id)
    saved = SAVED.get(request.query_params.get("saved", ""))
    targets = TRANSITIONS.get(item.status, ())
    session = getattr(request.state, "web_session", None)
    owner = getattr(session, "owner", None) or ""
    today = dt.date.today()
    context = {
        "item": item,
        "letter": letter_form(store, item, today),
        # One-click moves keep the work going; a final status asks for its reason and a confirmation.
        "moves": [t for t in targets if t not in FINAL],
        "closings": closing_choices(targets),
        "undo_until": undoable_until(item, owner) if owner else None,
        "today": today,
        "error": message,
        "saved": saved,
        "confirm": None,
        **extra,
    }
    return render(request, "worklist_item.html", context, status=status)


@router.get("/{item_id}")
def item_page(request: Request, viewer: AppealsViewer, services: ServicesDep, item_id: ItemId) -> Response:
    """One item: why it is ranked and routed as it is, its history and notes, and what can be done."""
    return detail(request, services.store, item_id)


def change(
    request: Request,
    viewer: Viewer,
    store: WorklistStore,
    item_id: int,
    version: int,
    what: str,
    **fields: str | None,
) -> Response:
    """Apply one change at `version`; on a conflict or a refused change, the item page with the reason."""
    try:
        store.update_item(item_id, version, viewer.owner, **fields)  # type: ignore[arg-type]
    except UnknownItem:
        raise PageError(404, "No such item", f"There is no worklist item {item_id}.") from None
    except StaleVersion:
        current = load_item(store, item_id)
        last = current.history[-1] if current.history else None
        by = f" by {last.actor}" if last else ""
        message = (
            f"Someone else changed this item first{by} (it is now at version {current.version}, you saw version "
            f"{version}). Your change was not saved. The page now shows the item as it is: repeat your change if "
            "it still applies."
        )
        return detail(request, store, item_id, status=409, message=message)
    except IllegalTransition as exc:
        return detail(request, store, item_id, status=409, message=f"Not allowed: {exc}.")
    except StoreError as exc:
        return detail(request, store, item_id, status=422, message=f"Not saved: {exc}.")
    return RedirectResponse(f"/ui/worklist/{item_id}?saved={what}", status_code=303)


@router.post("/{item_id}/status", dependencies=[CsrfChecked])
def move_item(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    item_id: ItemId,
    version: Version,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Move the item to another status (the store refuses moves the status machine does not allow); a final
    status goes through "Close the item", which asks for its reason and a confirmation."""
    if status in FINAL:
        message = f"Not allowed: {status.replace('_', ' ')} is final; close the item below, with its reason."
        return detail(request, services.store, item_id, status=409, message=message)
    fields = {"status": status, "note": note.strip() or None}
    return change(request, viewer, services.store, item_id, version, "status", **fields)


@router.post("/{item_id}/assign", dependencies=[CsrfChecked])
def assign_item(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    item_id: ItemId,
    version: Version,
    assignee: Annotated[str, Form(max_length=100)] = "",
    to_me: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Assign the item to someone (to the viewer with "Assign to me"; an empty name unassigns)."""
    who = viewer.owner if to_me else assignee.strip()
    return change(request, viewer, services.store, item_id, version, "assignee", assignee=who)


@router.post("/{item_id}/note", dependencies=[CsrfChecked])
def add_note(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    item_id: ItemId,
    version: Version,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Add a note to the item."""
    if not note.strip():
        return detail(request, services.store, item_id, status=422, message="Write the note before adding it.")
    return change(request, viewer, services.store, item_id, version, "note", note=note.strip())
