"""Engines and sessions for the worklist database (SQLite file or PostgreSQL, by URL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from denial_ml.store.text import check_parameters


def _install_text_backstop(engine: Engine) -> None:
    # Whatever a caller forgot to check, a NUL never reaches either driver: the same refusal on both backends.
    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_nul(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        check_parameters(parameters)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url`; SQLite gets foreign keys on, WAL and a busy timeout.

    Args:
        url: A SQLAlchemy URL, e.g. `sqlite:///worklist.db` or `postgresql+psycopg://root@127.0.0.1:5432/test`.
        **kwargs: Passed to `sqlalchemy.create_engine`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        _install_text_backstop(engine)
        return engine
    # Several processes (CLI, API) share the file: wait for a lock rather than fail at once.
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
    _install_text_backstop(engine)
    in_memory = parsed.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            # Readers do not block the writer (API reads while a build or a biller writes).
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (they are handed to the CLI and API)."""
    return sessionmaker(engine, expire_on_commit=False)
