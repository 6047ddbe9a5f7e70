"""Saved worklist views: a user names the filters and sort of a worklist page and opens them again later."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from denial_ml.store.errors import InvalidUpdate
from denial_ml.store.models import SavedView
from denial_ml.store.text import check_text
from denial_ml.store.updates import check_actor

MAX_VIEWS = 50  # per user: a menu, not a second worklist
NAME_LENGTH = 80


def clean_query(query: str) -> str:
    """The query string without paging (a saved view opens on its first page), keys in a stable order."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k != "page"]
    return urlencode(sorted(pairs))


def save_view(session: Session, owner: str, name: str, query: str) -> SavedView:
    """Save (or replace) `owner`'s view called `name`; the caller commits.

    Raises:
        InvalidUpdate: for an empty or over-long name, or a user's 51st view.
    """
    owner = check_actor(owner)
    title = (check_text("name", name) or "").strip()
    if not title or len(title) > NAME_LENGTH:
        raise InvalidUpdate(f"a view's name must be 1 to {NAME_LENGTH} characters, got {len(title)}")
    cleaned = clean_query(check_text("query", query) or "")
    found = session.scalar(select(SavedView).where(SavedView.owner == owner, SavedView.name == title))
    if found is not None:
        found.query = cleaned
        return found
    if len(list_views(session, owner)) >= MAX_VIEWS:
        raise InvalidUpdate(f"{owner} already has {MAX_VIEWS} saved views; delete one first")
    view = SavedView(owner=owner, name=title, query=cleaned)
    session.add(view)
    session.flush()
    return view


def list_views(session: Session, owner: str) -> list[SavedView]:
    """`owner`'s saved views by name."""
    return list(session.scalars(select(SavedView).where(SavedView.owner == owner).order_by(SavedView.name)))


def delete_view(session: Session, owner: str, view_id: int) -> bool:
    """Delete `owner`'s view `view_id` (another user's view is left alone); whether one was deleted."""
    result = session.execute(delete(SavedView).where(SavedView.id == view_id, SavedView.owner == owner))
    return bool(getattr(result, "rowcount", 0))
