"""Bulk upsert of scored denials into the worklist (the hook `worklist build` calls).

Validation happens on the whole frame before anything is written, and the write is one transaction: a bad
frame leaves the store as it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from denial_ml.domain.denials import CATEGORIES
from denial_ml.store.errors import InvalidItems
from denial_ml.store.models import WorklistItem, utcnow
from denial_ml.store.status import ROUTES
from denial_ml.store.text import CONTROL

if TYPE_CHECKING:  # pandas costs start-up time; imported where a frame is built
    import pandas as pd

REQUIRED = (
    "claim_id",
    "payer_id",
    "category",
    "denied_amount",
    "expected_payment",
    "p_overturn",
    "expected_recovery",
    "priority",
    "route",
)
OPTIONAL = (
    "payer_name",
    "carc",
    "route_reason",
    "appeal_deadline",
    "days_left",
    "model_version",
    "score_inputs",
    "factors",
    "claim_detail",
)
NON_NEGATIVE = ("denied_amount", "expected_payment")
FINITE = ("denied_amount", "expected_payment", "p_overturn", "expected_recovery", "priority")
ANALYZE_AFTER = 1000  # rows written by one upsert that make the planner statistics worth refreshing
CHUNK = 500  # claim ids per IN (...) lookup; well under every backend's bound-parameter limit
TABLE = cast(Table, WorklistItem.__table__)  # declarative tables are Tables; the stubs say FromClause


class HasSessions(Protocol):
    """Anything with a `sessions` sessionmaker, e.g. `WorklistStore`."""

    sessions: sessionmaker[Session]


@dataclass(frozen=True)
class UpsertResult:
    """How many items an upsert inserted and how many existing items it rescored."""

    inserted: int
    updated: int


def _fail(frame: pd.DataFrame, mask: pd.Series, problem: str) -> None:
    if not mask.any():
        return
    rows = list(mask[mask].index[:5])
    where = ", ".join(f"row {r} (claim {frame.at[r, 'claim_id']!r})" for r in rows)
    more = f" and {int(mask.sum()) - len(rows)} more" if mask.sum() > len(rows) else ""
    raise InvalidItems(f"worklist items: {problem} at {where}{more}")


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    _fail(frame, values.isna() | ~values.map(math.isfinite), f"{column} is missing or not a finite number")
    return values


def validate_items(items: pd.DataFrame) -> pd.DataFrame:
    """Check a frame of scored denials and return it normalised (index 0..n-1, optional columns filled).

    Raises:
        InvalidItems: naming the column, the rows (with their claim ids) and the problem.
    """
    missing = [c for c in REQUIRED if c not in items.columns]
    if missing:
        raise InvalidItems(f"worklist items: missing required column(s) {', '.join(missing)}")
    unknown = [c for c in items.columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise InvalidItems(f"worklist items: unknown column(s) {', '.join(map(str, unknown))}")
    frame = items.reset_index(drop=True).copy()
    for column in ("claim_id", "payer_id", "category", "route"):
        text = frame[column].astype("string").str.strip()
        _fail(frame, text.isna() | (text == ""), f"{column} is empty")
        frame[column] = text
    _fail(frame, frame["claim_id"].duplicated(keep=False), "claim_id appears more than once")
    for column in ("claim_id", "payer_id", "payer_name", "carc", "route_reason", "model_version"):
        if column in frame.columns:
            text = frame[column].astype("string")
            _fail(frame, text.str.contains(CONTROL, regex=True).fillna(False), f"{column} has a control character")
    _fail(frame, ~frame["category"].isin(CATEGORIES), f"category is not one of {', '.join(CATEGORIES)}")
    _fail(frame, ~frame["route"].isin(ROUTES), f"route is not one of {', '.join(ROUTES)}")
    for column in FINITE:
        frame[column] = _numeric(frame, column)
    for column in NON_NEGATIVE:
        _fail(frame, frame[column] < 0, f"{column} is negative")
    _fail(frame, (frame["p_overturn"] < 0) | (frame["p_overturn"] > 1), "p_overturn is outside [0, 1]")
    return _fill_optional(frame)


def _fill_optional(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    for column in OPTIONAL:
        if column not in frame.columns:
            frame[column] = None
    raw = frame["appeal_deadline"]
    deadline = pd.to_datetime(raw, errors="coerce")
    _fail(frame, deadline.isna() & raw.notna(), "appeal_deadline is not a date")
    frame["appeal_deadline"] = deadline
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    import pandas as pd

    frame = frame.copy()
    frame["appeal_deadline"] = frame["appeal_deadline"].dt.date
    for column in ("payer_name", "carc", "route_reason", "model_version"):
        frame[column] = frame[column].astype("string")
    frame["days_left"] = pd.to_numeric(frame["days_left"], errors="coerce").astype("Int64")
    # pandas missing values (NaN, NA, NaT) become SQL NULL; object dtype keeps ints and strs as Python values.
    plain = frame.astype(object).where(frame.notna(), None)
    records = plain.to_dict("records")
    for record in records:
        record["score_inputs"] = record["score_inputs"] or {}
        record["factors"] = record["factors"] or []
    return records


def _existing_ids(session: Session, claim_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(claim_ids), CHUNK):
        chunk = claim_ids[start : start + CHUNK]
        rows = session.execute(select(TABLE.c.claim_id, TABLE.c.id).where(TABLE.c.claim_id.in_(chunk)))
        found.update({claim: item_id for claim, item_id in rows})
    return found


def write_items(session: Session, items: pd.DataFrame, analyze: bool = True) -> UpsertResult:
    """Upsert validated items inside `session` (no commit): new claims are inserted as status "new";
    existing claims get new scores, route and deadline but keep status, assignee, notes and history.
    `analyze` refreshes the planner statistics after a large write.
    """
    records = _records(validate_items(items))
    existing = _existing_ids(session, [r["claim_id"] for r in records])
    now = utcnow()
    fresh = [
        {**r, "status": "new", "version": 1, "created_at": now, "updated_at": now, "ranked_at": now}
        for r in records
        if r["claim_id"] not in existing
    ]
    # Rescoring bumps the version: a biller holding the old version must reload before changing it.
    # Bind names get a prefix: Core reserves the bare column names for its own SET parameters.
    rescored = [
        {"v_" + k: v for k, v in r.items()} | {"v_id": existing[r["claim_id"]]}
        for r in records
        if r["claim_id"] in existing
    ]
    if fresh:
        session.execute(insert(TABLE), fresh)
    if rescored:
        values: dict[str, Any] = {c: bindparam("v_" + c) for c in records[0] if c != "claim_id"}
        values |= {"version": TABLE.c.version + 1, "updated_at": now, "ranked_at": now}
        statement = update(TABLE).where(TABLE.c.id == bindparam("v_id")).values(values)
        session.connection().execute(statement, rescored)
    if analyze and len(records) >= ANALYZE_AFTER:
        # Fresh planner statistics: without them SQLite filters "category AND status" through the
        # unselective status index (100 ms instead of a few ms on 100,000 items).
        session.execute(text(f"ANALYZE {TABLE.name}"))
    return UpsertResult(inserted=len(fresh), updated=len(rescored))


def upsert_items(session_or_store: Session | HasSessions, items: pd.DataFrame) -> UpsertResult:
    """Insert or rescore worklist items from a frame of scored denials, all or nothing.

    Args:
        session_or_store: A `WorklistStore` (committed here) or an open `Session` (the caller commits).
        items: One row per denied claim with the columns `REQUIRED` and any of `OPTIONAL`
            (`score_inputs` a dict and `factors` a list per row, stored as JSON).

    Returns:
        Counts of inserted and rescored items.

    Raises:
        InvalidItems: when the frame is malformed; nothing is written.
    """
    if isinstance(session_or_store, Session):
        return write_items(session_or_store, items)
    with session_or_store.sessions.begin() as session:
        return write_items(session, items)


def upsert_slices(store: HasSessions, slices: Iterable[pd.DataFrame]) -> UpsertResult:
    """`upsert_items` of a worklist given a slice at a time (a large world's, `engine.worklist.items_in_order`),
    all or nothing: every slice is written in one transaction, so a bad slice leaves the store as it was.

    Raises:
        InvalidItems: a slice is malformed, or a claim appears in two slices (naming it); nothing is written.
    """
    inserted = updated = 0
    seen: set[str] = set()
    with store.sessions.begin() as session:
        for items in slices:
            claims = set(items["claim_id"].astype(str)) if "claim_id" in items.columns else set()
            again = sorted(claims & seen)
            if again:
                raise InvalidItems(f"worklist items: claim_id appears in two slices (claim {again[0]!r})")
            seen |= claims
            result = write_items(session, items, analyze=False)
            inserted, updated = inserted + result.inserted, updated + result.updated
        if len(seen) >= ANALYZE_AFTER:
            session.execute(text(f"ANALYZE {TABLE.name}"))
    return UpsertResult(inserted=inserted, updated=updated)
