"""Reading the worklist: filtered pages, one item with its notes and history, and decided appeals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from denial_ml.store.errors import InvalidUpdate
from denial_ml.store.models import WorklistItem
from denial_ml.store.status import DECIDED, ROUTES, check_status
from denial_ml.store.text import check_text
from denial_ml.store.updates import load_item

if TYPE_CHECKING:  # pandas costs start-up time; imported where a frame is built
    import pandas as pd

MAX_PAGE = 1000
OPEN: tuple[str, ...] = ("new", "in_progress", "appealed")
"""Statuses that still need someone's work (an appealed item waits for the payer's decision)."""

# Views as data: the statuses and routes each one holds (None: any). "open_work" is the page's default: the
# appeals and resubmissions still to be worked, not the write-offs that make up most denials.
VIEWS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "open_work": {"statuses": OPEN, "routes": ("appeal", "resubmit")},
    "open": {"statuses": OPEN, "routes": None},
    "all": {"statuses": None, "routes": None},
}
# Sort keys as data: the column and whether its natural order is descending. Every sort ends with the id, so
# pages never overlap; a deadline sort puts items without a deadline last.
SORTS: dict[str, tuple[str, bool]] = {
    "recovery": ("expected_recovery", True),
    "deadline": ("appeal_deadline", False),
    "odds": ("p_overturn", True),
    "denied": ("denied_amount", True),
    "claim": ("claim_id", False),
    "payer": ("payer_id", False),
}


@dataclass(frozen=True)
class ItemFilter:
    """Filters of a worklist page; None means "any"."""

    payer: str | None = None  # payer id or exact payer name
    category: str | None = None
    status: str | None = None
    assignee: str | None = None
    route: str | None = None
    min_expected_recovery: float | None = None
    deadline_within_days: int | None = None  # deadline between today and today + N days
    today: dt.date | None = None  # reference date of deadline_within_days (default: today)
    search: str | None = None  # part of a claim id, any case
    view: str | None = None  # one of VIEWS; None is "all"


@dataclass(frozen=True)
class Page:
    """One page of items sorted by expected recovery (highest first) and the total matching count."""

    items: list[WorklistItem]
    total: int
    offset: int
    limit: int


def _conditions(f: ItemFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for name in ("payer", "category", "status", "assignee", "route", "search"):
        check_text(name, getattr(f, name))
    if f.view is not None:
        if f.view not in VIEWS:
            raise InvalidUpdate(f"unknown view {f.view!r}; known: {', '.join(VIEWS)}")
        # A view is a preset: a status or route filter the user chose replaces the view's own.
        statuses, routes = VIEWS[f.view]["statuses"], VIEWS[f.view]["routes"]
        if statuses is not None and f.status is None:
            conditions.append(WorklistItem.status.in_(statuses))
        if routes is not None and f.route is None:
            conditions.append(WorklistItem.route.in_(routes))
    if f.search:
        # LIKE's own wildcards in the typed text are matched literally.
        escaped = f.search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(WorklistItem.claim_id).like(f"%{escaped}%", escape="\\"))
    if f.payer is not None:
        conditions.append(or_(WorklistItem.payer_id == f.payer, WorklistItem.payer_name == f.payer))
    if f.category is not None:
        conditions.append(WorklistItem.category == f.category)
    if f.status is not None:
        conditions.append(WorklistItem.status == check_status(f.status))
    if f.assignee is not None:
        conditions.append(WorklistItem.assignee == f.assignee)
    if f.route is not None:
        if f.route not in ROUTES:
            raise InvalidUpdate(f"unknown route {f.route!r}; known: {', '.join(ROUTES)}")
        conditions.append(WorklistItem.route == f.route)
    if f.min_expected_recovery is not None:
        conditions.append(WorklistItem.expected_recovery >= f.min_expected_recovery)
    if f.deadline_within_days is not None:
        if f.deadline_within_days < 0:
            raise InvalidUpdate(f"deadline_within_days must be >= 0, not {f.deadline_within_days}")
        today = f.today or dt.date.today()
        last = today + dt.timedelta(days=f.deadline_within_days)
        conditions.append(WorklistItem.appeal_deadline.between(today, last))
    return conditions


def _order(sort: str, descending: bool | None) -> list[Any]:
    """ORDER BY terms of a sort key; `descending` None takes the key's natural direction."""
    if sort not in SORTS:
        raise InvalidUpdate(f"unknown sort {sort!r}; known: {', '.join(SORTS)}")
    name, natural = SORTS[sort]
    column = getattr(WorklistItem, name)
    down = natural if descending is None else descending
    terms = [column.desc() if down else column.asc(), WorklistItem.id]
    # Only the deadline can be empty: a NULLs-last term on the other keys would keep the planner from reading
    # the page's order straight off the recovery index (bench/bench_worklist.py).
    return [column.is_(None), *terms] if name == "appeal_deadline" else terms


def list_items(
    session: Session,
    item_filter: ItemFilter,
    offset: int = 0,
    limit: int = 50,
    sort: str = "recovery",
    descending: bool | None = None,
) -> Page:
    """One page of items matching `item_filter`, sorted by `sort` (default: highest expected recovery first;
    ties by id; items without a value of the sort key last).

    Raises:
        UnknownStatus: for an unknown status filter.
        InvalidUpdate: for a bad route, view, sort, paging or deadline argument.
    """
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidUpdate(f"paging: offset must be >= 0 and limit in 1..{MAX_PAGE} (got {offset}, {limit})")
    order = _order(sort, descending)
    conditions = _conditions(item_filter)
    total = session.scalar(select(func.count()).select_from(WorklistItem).where(*conditions)) or 0
    # Ids first (read from an index), then the 50 full rows: sorting whole rows would cost far more.
    ids = list(session.scalars(select(WorklistItem.id).where(*conditions).order_by(*order).offset(offset).limit(limit)))
    rows = {item.id: item for item in session.scalars(select(WorklistItem).where(WorklistItem.id.in_(ids)))}
    return Page(items=[rows[i] for i in ids], total=total, offset=offset, limit=limit)


def assignee_counts(session: Session, item_filter: ItemFilter) -> dict[str | None, int]:
    """Items matching `item_filter` per assignee (None: unassigned), largest count first."""
    rows = session.execute(
        select(WorklistItem.assignee, func.count())
        .where(*_conditions(item_filter))
        .group_by(WorklistItem.assignee)
        .order_by(func.count().desc(), WorklistItem.assignee)
    ).all()
    return {assignee: count for assignee, count in rows}


def ranked_as_of(session: Session) -> dt.datetime | None:
    """When a worklist build last scored and routed items (None before any build)."""
    return session.scalar(select(func.max(WorklistItem.ranked_at)))


def get_item(session: Session, item_id: int) -> WorklistItem:
    """The item with its notes and history loaded (readable after the session closes).

    Raises:
        UnknownItem: when there is no such item.
    """
    load_item(session, item_id)
    query = (
        select(WorklistItem)
        .where(WorklistItem.id == item_id)
        .options(selectinload(WorklistItem.notes), selectinload(WorklistItem.history))
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one()


OUTCOME_COLUMNS = (
    "claim_id",
    "payer_id",
    "payer_name",
    "category",
    "carc",
    "denied_amount",
    "expected_payment",
    "p_overturn",
    "model_version",
    "appealed_at",
    "decided_at",
    "outcome",
    "overturned",
    "recovered_amount",
)


def outcomes_frame(session: Session) -> pd.DataFrame:
    """Decided appeals as training rows of the next recovery-model run.

    Columns are `OUTCOME_COLUMNS` (`overturned` a bool label, `p_overturn` the score the item had) followed
    by one `input_<name>` column per key of the items' stored `score_inputs`.
    """
    import pandas as pd

    items = session.scalars(
        select(WorklistItem).where(WorklistItem.status.in_(DECIDED)).order_by(WorklistItem.id)
    ).all()
    rows: list[dict[str, Any]] = []
    for item in items:
        row = {c: getattr(item, c) for c in OUTCOME_COLUMNS if hasattr(WorklistItem, c)}
        row["outcome"] = item.status
        row["overturned"] = item.status == "overturned"
        row.update({f"input_{k}": v for k, v in (item.score_inputs or {}).items()})
        rows.append(row)
    inputs = sorted({c for row in rows for c in row} - set(OUTCOME_COLUMNS))
    frame = pd.DataFrame(rows, columns=[*OUTCOME_COLUMNS, *inputs])
    frame["overturned"] = frame["overturned"].astype(bool)
    for column in ("denied_amount", "expected_payment", "p_overturn", "recovered_amount"):
        frame[column] = frame[column].astype("float64")
    return frame
