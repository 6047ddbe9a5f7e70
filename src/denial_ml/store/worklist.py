"""`WorklistStore`: the worklist database behind one engine URL (SQLite file by default, or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from denial_ml.store import (
    deadlines,
    finals,
    items,
    keys,
    letters,
    outcomes,
    queries,
    saved_views,
    updates,
    web_sessions,
)
from denial_ml.store.db import make_engine, make_sessionmaker
from denial_ml.store.errors import InvalidUpdate
from denial_ml.store.key_cache import KeyCache
from denial_ml.store.migrate import upgrade_database
from denial_ml.store.models import ApiKey, AppealLetter, SavedView, WorklistItem
from denial_ml.store.queries import ItemFilter, Page
from denial_ml.store.status import DECIDED

if TYPE_CHECKING:  # pandas costs start-up time; imported where a frame is built
    import pandas as pd


class WorklistStore:
    """Every worklist operation in its own transaction; an error rolls the whole operation back.

    Args:
        url: SQLAlchemy URL; None uses `get_settings().worklist_url` ("sqlite:///worklist.db").
        key_cache_seconds: How long an authenticated API key is trusted without a database look-up (`KeyCache`;
            0, the default, looks every key up; the service passes `Settings.key_cache_seconds`).
    """

    def __init__(self, url: str | None = None, key_cache_seconds: float = 0.0) -> None:
        if url is None:
            from denial_ml.config import get_settings

            url = get_settings().worklist_url
        self.url = url
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.key_cache = KeyCache(key_cache_seconds)

    def migrate(self) -> None:
        """Create or upgrade the tables through the packaged Alembic migrations."""
        upgrade_database(self.engine)

    def optimize(self) -> None:
        """Refresh planner statistics (and on PostgreSQL the visibility map, for index-only scans).

        Worth calling after a large `upsert_items`; PostgreSQL's autovacuum does the same in time.
        """
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM ANALYZE worklist_items")
            else:
                connection.exec_driver_sql("ANALYZE worklist_items")

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def session(self) -> Session:
        """A new session for callers that combine several operations in one transaction."""
        return self.sessions()

    def upsert_items(self, frame: pd.DataFrame) -> items.UpsertResult:
        """Insert new scored denials, rescore existing ones (see `denial_ml.store.items.upsert_items`)."""
        return items.upsert_items(self, frame)

    def list_items(
        self,
        item_filter: ItemFilter | None = None,
        offset: int = 0,
        limit: int = 50,
        sort: str = "recovery",
        descending: bool | None = None,
        **filters: object,
    ) -> Page:
        """A page of items, highest expected recovery first unless `sort` says otherwise.

        Args:
            item_filter: The filters; or give its fields as keywords (`status="new"`, `payer="P1"`).
            offset: Items to skip.
            limit: Page size (1..1000).
            sort: A key of `denial_ml.store.queries.SORTS`.
            descending: The direction; None takes the key's natural one.
        """
        chosen = item_filter or ItemFilter(**filters)  # type: ignore[arg-type]
        with self.sessions() as session:
            return queries.list_items(session, chosen, offset, limit, sort, descending)

    def assignee_counts(self, item_filter: ItemFilter | None = None) -> dict[str | None, int]:
        """Items per assignee (None: unassigned) among those matching `item_filter`."""
        with self.sessions() as session:
            return queries.assignee_counts(session, item_filter or ItemFilter())

    def ranked_as_of(self) -> dt.datetime | None:
        """When a build last scored and routed items."""
        with self.sessions() as session:
            return queries.ranked_as_of(session)

    def refresh_routes(self, today: dt.date | None = None, actor: str = "worklist refresh") -> deadlines.RefreshResult:
        """Route open appeals whose deadline passed before `today` (default: today) to write off."""
        with self.sessions.begin() as session:
            return deadlines.refresh_routes(session, today or dt.date.today(), actor)

    def save_view(self, owner: str, name: str, query: str) -> SavedView:
        """Save `owner`'s named worklist view (filters and sort as a query string)."""
        with self.sessions.begin() as session:
            view = saved_views.save_view(session, owner, name, query)
            session.flush()
            session.expunge(view)
            return view

    def list_views(self, owner: str) -> list[SavedView]:
        """`owner`'s saved views by name."""
        with self.sessions() as session:
            views = saved_views.list_views(session, owner)
            session.expunge_all()
            return views

    def delete_view(self, owner: str, view_id: int) -> bool:
        """Delete one of `owner`'s saved views; whether it existed."""
        with self.sessions.begin() as session:
            return saved_views.delete_view(session, owner, view_id)

    def get_letter(self, item_id: int) -> AppealLetter | None:
        """The item's edited letter row (`text` None after a reset), None when never edited."""
        with self.sessions() as session:
            return letters.get_letter(session, item_id)

    def save_letter(self, item_id: int, expected_version: int, actor: str, text: str) -> AppealLetter:
        """Save the item's edited appeal letter (see `denial_ml.store.letters.save_letter`)."""
        with self.sessions.begin() as session:
            return letters.save_letter(session, item_id, expected_version, actor, text)

    def reset_letter(self, item_id: int, expected_version: int, actor: str) -> bool:
        """Discard the item's edited letter, back to the draft; whether there was one."""
        with self.sessions.begin() as session:
            return letters.reset_letter(session, item_id, expected_version, actor)

    def get_item(self, item_id: int) -> WorklistItem:
        """One item with its notes and history."""
        with self.sessions() as session:
            return queries.get_item(session, item_id)

    def update_item(
        self,
        item_id: int,
        expected_version: int,
        actor: str,
        status: str | None = None,
        assignee: str | None = None,
        note: str | None = None,
        recovered_amount: float | None = None,
    ) -> WorklistItem:
        """Change status, assignee and/or add a note, if the item is still at `expected_version`.

        Raises:
            UnknownItem, UnknownStatus, IllegalTransition, StaleVersion, InvalidUpdate: nothing is changed.
        """
        with self.sessions.begin() as session:
            return updates.change_item(
                session, item_id, expected_version, actor, status, assignee, note, recovered_amount
            )

    def finish_item(
        self,
        item_id: int,
        expected_version: int,
        actor: str,
        status: str,
        reason: str,
        recovered_amount: float | None = None,
        decided_on: dt.date | None = None,
    ) -> WorklistItem:
        """Close an item with a final status and its reason (see `denial_ml.store.finals.finish_item`)."""
        with self.sessions.begin() as session:
            finals.finish_item(session, item_id, expected_version, actor, status, reason, recovered_amount, decided_on)
        return self.get_item(item_id)

    def undo_final(self, item_id: int, expected_version: int, actor: str) -> WorklistItem:
        """Undo the item's final status (same person, within `denial_ml.store.finals.UNDO_MINUTES`)."""
        with self.sessions.begin() as session:
            finals.undo_final(session, item_id, expected_version, actor)
        return self.get_item(item_id)

    def record_outcome(self, claim_id: str, outcome: str, amount: float, actor: str) -> WorklistItem:
        """Record the payer's decision ('overturned' or 'upheld') and the dollars recovered (a trusted feed:
        the item's current version; a final item is refused)."""
        if outcome not in DECIDED:
            raise InvalidUpdate(f"claim {claim_id!r}: outcome {outcome!r} is not one of {', '.join(DECIDED)}")
        result = self.record(outcomes.Outcome(claim_id, outcome, recovered_amount=float(amount)), actor)
        return self.get_item(result.item_id)

    def record(self, outcome: outcomes.Outcome, actor: str) -> outcomes.OutcomeResult:
        """Record one outcome (see `denial_ml.store.outcomes.record`) in its own transaction."""
        with self.sessions.begin() as session:
            return outcomes.record(session, outcome, actor)

    def outcomes_frame(self) -> pd.DataFrame:
        """Decided appeals as training rows for the next recovery-model run."""
        with self.sessions() as session:
            return queries.outcomes_frame(session)

    def create_key(self, owner: str, role: str) -> keys.IssuedKey:
        """Issue an API key; its `token` is shown once and never stored."""
        with self.sessions.begin() as session:
            return keys.create_key(session, owner, role)

    def authenticate(self, token: str) -> tuple[str, str] | None:
        """`(owner, role)` for a valid, unrevoked token, else None (a success is remembered in `key_cache`)."""
        found = self.key_cache.get(token)
        if found is not None:
            return found
        with self.sessions() as session:
            found = keys.authenticate(session, token)
        if found is not None:
            self.key_cache.put(token, found)
        return found

    def revoke_key(self, key_id: int) -> ApiKey:
        """Revoke an API key (this store trusts no remembered key after it)."""
        with self.sessions.begin() as session:
            key = keys.revoke_key(session, key_id)
        self.key_cache.forget_all()
        return key

    def list_keys(self) -> list[ApiKey]:
        """Every API key, oldest first."""
        with self.sessions() as session:
            return keys.list_keys(session)

    def open_web_session(self, session_id: str, key_prefix: str, hours: float) -> None:
        """Record a signed-in web session (see `denial_ml.store.web_sessions`)."""
        with self.sessions.begin() as session:
            web_sessions.open_session(session, session_id, key_prefix, hours)

    def web_session_active(self, session_id: str | None) -> bool:
        """Whether a web session is open, unexpired and its key active."""
        with self.sessions() as session:
            return web_sessions.session_active(session, session_id)

    def end_web_session(self, session_id: str | None) -> None:
        """End a web session at sign-out."""
        with self.sessions.begin() as session:
            web_sessions.end_session(session, session_id)
