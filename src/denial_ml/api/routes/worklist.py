"""`/v1/worklist`: the ranked appeal worklist, one item with its history, and changes to it (role appeals)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.exceptions import RequestValidationError

from denial_ml.api.deps import AppealsDep, StoreDep
from denial_ml.service.schemas import (
    HistoryOut,
    ItemExplanation,
    NoteOut,
    WorklistItemDetail,
    WorklistItemOut,
    WorklistPage,
    WorklistPatch,
    WorklistQuery,
    error_responses,
)
from denial_ml.store import IllegalTransition, StaleVersion, StoreError, UnknownItem, WorklistStore
from denial_ml.store.models import WorklistItem
from denial_ml.store.queries import ItemFilter

router = APIRouter(prefix="/v1/worklist", tags=["worklist"])
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The item's id.")]


def item_detail(item: WorklistItem) -> WorklistItemDetail:
    """An item (with notes and history loaded) as the API shows it."""
    return WorklistItemDetail(
        **WorklistItemOut.model_validate(item).model_dump(),
        explanation=ItemExplanation(route=item.route, route_reason=item.route_reason, factors=item.factors or []),
        notes=[NoteOut.model_validate(n) for n in item.notes],
        history=[HistoryOut.model_validate(h) for h in item.history],
    )


def load_detail(store: WorklistStore, item_id: int) -> WorklistItemDetail:
    """One item, or 404."""
    try:
        return item_detail(store.get_item(item_id))
    except UnknownItem as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@router.get("", response_model=WorklistPage, responses=error_responses(401, 403), summary="A page of the worklist")
def list_worklist(caller: AppealsDep, store: StoreDep, query: Annotated[WorklistQuery, Query()]) -> WorklistPage:
    """Items matching every filter given, highest expected recovery first."""
    filters = query.model_dump(exclude={"offset", "limit", "sort", "order"})
    descending = None if query.order is None else query.order == "desc"
    page = store.list_items(
        ItemFilter(**filters), offset=query.offset, limit=query.limit, sort=query.sort, descending=descending
    )
    items = [WorklistItemOut.model_validate(item) for item in page.items]
    return WorklistPage(items=items, total=page.total, offset=page.offset, limit=page.limit)


@router.get(
    "/{item_id}",
    response_model=WorklistItemDetail,
    responses=error_responses(401, 403, 404),
    summary="One item with its explanation and history",
)
def get_worklist_item(caller: AppealsDep, store: StoreDep, item_id: ItemId) -> WorklistItemDetail:
    """The item, why it is routed and ranked as it is, its notes and every change made to it."""
    return load_detail(store, item_id)


@router.patch(
    "/{item_id}",
    response_model=WorklistItemDetail,
    responses=error_responses(400, 401, 403, 404, 409),
    summary="Change an item's status, assignee or add a note",
)
def patch_worklist_item(
    caller: AppealsDep, store: StoreDep, item_id: ItemId, body: WorklistPatch
) -> WorklistItemDetail:
    """Apply the change if the item is still at `version` (else 409); the key's owner goes to the history."""
    try:
        store.update_item(item_id, body.version, caller.owner, body.status, body.assignee, body.note)
    except UnknownItem as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except (StaleVersion, IllegalTransition) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except StoreError as exc:
        raise RequestValidationError([{"loc": ["body"], "msg": str(exc), "type": "value_error"}]) from None
    return load_detail(store, item_id)
