"""Run the worklist migrations shipped inside the package, with no alembic.ini at the repository root."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from denial_ml.store.db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*=\s*(?:\"([^\"]*)\"|None)\s*$", re.MULTILINE)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the packaged migrations and at `engine`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # The engine travels as an attribute, not as a URL string, so passwords with '%' need no escaping.
    config.attributes["engine"] = engine
    return config


@cache
def packaged_head() -> str:
    """The newest packaged revision: the one no migration names as its `down_revision`.

    Read from the migration files' `revision = "..."` lines, so checking a database costs no Alembic import.
    """
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((key, value or None) for key, value in _ASSIGNMENT.findall(script.read_text(encoding="utf-8")))
        revisions.add(found["revision"])
        parents.add(found.get("down_revision"))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the packaged migrations have {len(heads)} heads: {sorted(map(str, heads))}")
    return heads.pop()


def is_at_head(engine: Engine) -> bool:
    """Whether the database's recorded Alembic revision is the packaged head (nothing to migrate)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        recorded = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return recorded == [packaged_head()]


def upgrade_database(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Bring the database at `url_or_engine` up to `revision` (creating every table on an empty one).

    A database already at the packaged head is left as it is without loading Alembic (0.3 s of every CLI
    command's start-up, issue #20); anything else goes through `alembic upgrade`.

    Args:
        url_or_engine: SQLAlchemy URL or engine of the worklist database.
        revision: Target revision; "head" is the newest.
    """
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        if revision == "head" and is_at_head(engine):
            return
        from alembic import command

        command.upgrade(alembic_config(engine), revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()
