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

PAGE_SIZE = 50
FILTERS = ("payer", "category", "status", "route", "assignee", "deadline_within_days")
FILTER_LABELS = {
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


def read_filters(params: Mapping[str, str]) -> Filters:
    """Filters from query parameters; a bad value is dropped with a message naming the filter."""
    shown = {name: (params.get(name) or "").strip() for name in FILTERS}
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
