"""Keeping the worklist's routes in step with the calendar: an appeal whose deadline has passed since the
build cannot be appealed any more, so `worklist refresh` routes it to write off, with the reason and a history
row (the item's version moves on, so a page showing the old route must reload before changing it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from denial_ml.store.models import WorklistHistory, WorklistItem
from denial_ml.store.updates import check_actor

# Only work not yet started or in hand: an appealed item waits for the payer whatever the date, and final
# items are closed.
REROUTABLE_STATUSES: tuple[str, ...] = ("new", "in_progress")


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh changed: item ids moved from appeal to write off, and the date it judged by."""

    rerouted: list[int]
    today: dt.date


def refresh_routes(session: Session, today: dt.date, actor: str) -> RefreshResult:
    """Route to write off every open appeal whose deadline is before `today`; the caller commits."""
    actor = check_actor(actor)
    items = session.scalars(
        select(WorklistItem)
        .where(
            WorklistItem.route == "appeal",
            WorklistItem.status.in_(REROUTABLE_STATUSES),
            WorklistItem.appeal_deadline < today,
        )
        .order_by(WorklistItem.id)
    ).all()
    for item in items:
        reason = f"appeal deadline passed on {item.appeal_deadline.isoformat()}"  # type: ignore[union-attr]
        session.add(
            WorklistHistory(item_id=item.id, actor=actor, field="route", old=item.route, new="write_off", note=reason)
        )
        item.route, item.route_reason = "write_off", reason
        item.days_left = (item.appeal_deadline - today).days  # type: ignore[operator]
    session.flush()
    return RefreshResult(rerouted=[item.id for item in items], today=today)
