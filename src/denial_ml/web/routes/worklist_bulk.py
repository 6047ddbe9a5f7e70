"""Worklist actions on many items at once (assign, hand back, start) and the user's saved views.

A bulk action applies to each selected item at the version the page showed, item by item: an item someone
else changed first, or whose status cannot move that way, is left as it is and named in the result, the
others are changed. Final statuses are not offered in bulk: they ask for a reason, item by item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from denial_ml.service.state import ServicesDep
from denial_ml.service.validation import ascii_int
from denial_ml.store import IllegalTransition, StaleVersion, StoreError, UnknownItem, WorklistStore
from denial_ml.web.auth import AppealsViewer, CsrfChecked
from denial_ml.web.routes.worklist import BULK_STATUSES, list_page

router = APIRouter(prefix="/ui/worklist", include_in_schema=False)
MAX_SELECTED = 200  # a page holds 50; a few pages' worth at most
Query = Annotated[str, Form(max_length=2000)]


@dataclass
class BulkResult:
    """What a bulk action did: the items changed and, for each one left alone, why."""

    changed: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def parse_selection(values: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """`id:version` pairs of the selected checkboxes, and a message per value that is not one."""
    pairs, bad = [], []
    for value in values[:MAX_SELECTED]:
        item_id, _, version = value.partition(":")
        parsed = ascii_int(item_id, max_digits=10), ascii_int(version, max_digits=10)
        if parsed[0] is None or parsed[1] is None:
            bad.append(f"{value[:30]!r} is not an item")
        else:
            pairs.append((parsed[0], parsed[1]))
    if len(values) > MAX_SELECTED:
        bad.append(f"only the first {MAX_SELECTED} selected items were taken")
    return pairs, bad


def apply_bulk(store: WorklistStore, actor: str, pairs: list[tuple[int, int]], **change: str) -> BulkResult:
    """Apply `change` (status or assignee) to each item at its version; each refusal is named."""
    result = BulkResult()
    for item_id, version in pairs:
        try:
            store.update_item(item_id, version, actor, **change)  # type: ignore[arg-type]
        except StaleVersion:
            result.refused.append(f"item {item_id}: someone else changed it first; reload and try again")
        except (IllegalTransition, UnknownItem, StoreError) as exc:
            result.refused.append(f"item {item_id}: {exc}")
        else:
            result.changed.append(item_id)
    return result


@router.post("/bulk", dependencies=[CsrfChecked])
async def bulk_action(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    action: Annotated[str, Form(max_length=20)],
    query: Query = "",
) -> Response:
    """Assign the selected items to the viewer, unassign them, or set a non-final status."""
    form = await request.form()
    pairs, bad = parse_selection([str(v) for v in form.getlist("item")])
    params = dict(parse_qsl(query))
    if action == "assign_me":
        change = {"assignee": viewer.owner}
    elif action == "unassign":
        change = {"assignee": ""}
    elif action.startswith("status:") and action.removeprefix("status:") in BULK_STATUSES:
        change = {"status": action.removeprefix("status:")}
    else:
        bad.append(f"unknown action {action[:20]!r}")
        change = {}
    if not pairs and not bad:
        bad.append("select at least one item first")
    result = apply_bulk(services.store, viewer.owner, pairs, **change) if change else BulkResult()
    result.refused[:0] = bad
    status = 200 if result.changed or not result.refused else 422
    return list_page(request, viewer, services.store, status=status, params=params, bulk=result)


@router.post("/views", dependencies=[CsrfChecked])
def save_view(
    request: Request,
    viewer: AppealsViewer,
    services: ServicesDep,
    name: Annotated[str, Form(max_length=200)] = "",
    query: Query = "",
) -> Response:
    """Save the filters and sort shown as one of the viewer's named views."""
    try:
        services.store.save_view(viewer.owner, name, query)
    except StoreError as exc:
        params = dict(parse_qsl(query))
        return list_page(request, viewer, services.store, status=422, params=params, view_error=str(exc))
    return RedirectResponse(f"/ui/worklist?{query}", status_code=303)


@router.post("/views/{view_id}/delete", dependencies=[CsrfChecked])
def delete_view(request: Request, viewer: AppealsViewer, services: ServicesDep, view_id: int) -> Response:
    """Delete one of the viewer's saved views (another user's is left alone)."""
    services.store.delete_view(viewer.owner, view_id)
    return RedirectResponse("/ui/worklist", status_code=303)
