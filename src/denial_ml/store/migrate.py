"""Run the worklist migrations shipped inside the package, with no alembic.ini at the repository root."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from denial_ml.store.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the packaged migrations and at `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # The engine travels as an attribute, not as a URL string, so passwords with '%' need no escaping.
    config.attributes["engine"] = engine
    return config


def upgrade_database(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Bring the database at `url_or_engine` up to `revision` (creating every table on an empty one).

    Args:
        url_or_engine: SQLAlchemy URL or engine of the worklist database.
        revision: Target revision; "head" is the newest.
    """
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        command.upgrade(alembic_config(engine), revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()
