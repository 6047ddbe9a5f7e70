"""The worklist screen's filters: query parameters checked by the API's own `WorklistQuery` (pure apart from
the cached option lists read from the store)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy import select

from denial_ml.service.schemas import WorklistQuery
from denial_ml.service.validation import ascii_int
from denial_ml.store import WorklistStore
from denial_ml.store.models import WorklistItem
from denial_ml.store.queries import SORTS

PAGE_SIZE = 50
FILTERS = (
    "view", "search", "payer", "category", "status", "route", "assignee", "deadline_within_days", "sort", "order",
)  # fmt: skip
DEFAULT_VIEW = "open_work"  # the page opens on the work still to do, not on the write-offs (most denials)
VIEW_LABELS = {"open_work": "open appeals and resubmissions", "open": "every open item", "all": "every item"}
# Sortable columns of the page: the column's sort key and its header; the others are not sortable.
SORT_LABELS = {
    "claim": "Claim",
    "payer": "Payer",
    "denied": "Denied",
    "odds": "P(overturn)",
    "recovery": "Expected recovery",
    "deadline": "Deadline",
}
FILTER_LABELS = {
    "view": "View",
    "search": "Claim search",
    "sort": "Sort",
    "order": "Order",
    "payer": "Payer",
    "category": "Category",
    "status": "Status",
    "route": "Route",
    "assignee": "Assignee",
    "deadline_within_days": "Deadline within (days)",
    "page": "Page",
}


@dataclass
class Filters:
    """The filters a visitor chose (as typed, for the form) and those that passed the checks."""

    shown: dict[str, str] = field(default_factory=dict)
    applied: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    page: int = 1

    @property
    def offset(self) -> int:
        """Items before this page."""
        return (self.page - 1) * PAGE_SIZE

    def link(self, page: int) -> str:
        """The query string of another page with the same filters."""
        return urlencode({**{k: v for k, v in self.shown.items() if v}, "page": page})

    @property
    def query(self) -> str:
        """The query string of these filters and sort (first page): what a saved view keeps."""
        return urlencode({k: v for k, v in self.shown.items() if v})

    @property
    def sort(self) -> str:
        """The sort key in force."""
        return str(self.applied.get("sort", "recovery"))

    @property
    def descending(self) -> bool | None:
        """The direction in force; None for the sort key's natural one."""
        order = self.applied.get("order")
        return None if order is None else order == "desc"

    def sort_link(self, key: str) -> str:
        """The query string sorting by `key`: its natural direction, or the other one when it is the sort now."""
        natural = SORTS[key][1]
        now = self.descending if self.descending is not None else natural
        order = ("asc" if now else "desc") if key == self.sort else ("desc" if natural else "asc")
        return urlencode({**{k: v for k, v in self.shown.items() if v}, "sort": key, "order": order})

    def aria_sort(self, key: str) -> str:
        """The `aria-sort` value of the column of `key`."""
        if key != self.sort:
            return "none"
        down = self.descending if self.descending is not None else SORTS[key][1]
        return "descending" if down else "ascending"


def read_filters(params: Mapping[str, str]) -> Filters:
    """Filters from query parameters; a bad value is dropped with a message naming the filter."""
    shown = {name: (params.get(name) or "").strip() for name in FILTERS}
    shown["view"] = shown["view"] or DEFAULT_VIEW
    out = Filters(shown=shown)
    raw_page = (params.get("page") or "1").strip()
    number = ascii_int(raw_page, max_digits=6)
    out.page = number if number is not None and 1 <= number <= 200_000 else 1
    if raw_page != str(out.page):
        out.errors.append(f"Page: {raw_page!r} is not a page number; showing page 1.")
    wanted = {k: v for k, v in shown.items() if v}
    try:
        WorklistQuery.model_validate(wanted)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "filters"
            out.errors.append(f"{FILTER_LABELS.get(name, name)}: {error['msg']}; filter ignored.")
            wanted.pop(name, None)
    out.applied = WorklistQuery.model_validate(wanted).model_dump(exclude={"offset", "limit"}, exclude_none=True)
    return out


def item_filter_of(filters: Filters) -> dict[str, Any]:
    """The store's `ItemFilter` fields of the applied filters (sort and order go to the query separately)."""
    return {k: v for k, v in filters.applied.items() if k not in ("sort", "order")}


def filter_options(store: WorklistStore) -> dict[str, list[tuple[str, str]]]:
    """Payers `(id, "name (id)")` and assignees found in the store, for the filter menus."""
    with store.sessions() as session:
        payers = session.execute(select(WorklistItem.payer_id, WorklistItem.payer_name).distinct()).all()
        assignees = session.scalars(
            select(WorklistItem.assignee).where(WorklistItem.assignee.is_not(None)).distinct()
        ).all()
    payer_options = sorted({(p, f"{n} ({p})" if n and n != p else p) for p, n in payers}, key=lambda o: o[1])
    names = sorted(a for a in assignees if a)
    return {"payers": payer_options, "assignees": [(a, a) for a in names]}
