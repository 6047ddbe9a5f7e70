"""Alembic migrations of the worklist store and API keys, on SQLite and PostgreSQL."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from denial_ml.store import InvalidUpdate, UnknownKey
from denial_ml.store.db import make_engine
from denial_ml.store.keys import hash_secret
from denial_ml.store.migrate import MIGRATIONS, alembic_config, is_at_head, packaged_head, upgrade_database
from denial_ml.store.models import ApiKey, Base

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "worklist_items",
    "worklist_notes",
    "worklist_history",
    "worklist_outcomes",
    "worklist_views",
    "appeal_letters",
    "web_sessions",
    "api_keys",
    "alembic_version",
}


def test_migration_from_an_empty_database_creates_every_table_and_index(database_url):
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) == TABLES
        indexes = {i["name"] for i in inspector.get_indexes("worklist_items") if i["name"].startswith("ix_")}
        assert indexes == {i.name for i in Base.metadata.tables["worklist_items"].indexes}
        assert {
            "ix_worklist_items_recovery",
            "ix_worklist_items_status",
            "ix_worklist_items_deadline",
        } <= indexes
    finally:
        engine.dispose()


def test_models_match_the_migrations(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_migrating_twice_is_harmless(store):
    store.migrate()
    store.migrate()
    assert store.list_items().total == 0


def test_the_head_read_from_the_files_is_alembics_head():
    engine = make_engine("sqlite://")
    assert packaged_head() == ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == "0005"


def test_only_a_database_at_the_head_skips_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    try:
        assert not is_at_head(engine)  # empty: no alembic_version table
        upgrade_database(url, "0003")
        assert not is_at_head(engine)
        upgrade_database(url)  # from 0003 to the head: alembic runs and adds worklist_views and appeal_letters
        assert is_at_head(engine)
        assert {"worklist_views", "appeal_letters"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_are_shipped_inside_the_package():
    assert (MIGRATIONS / "env.py").is_file() and (MIGRATIONS / "script.py.mako").is_file()
    versions = sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))
    assert versions and versions[0].startswith("0001_")
    # The folders have no __init__.py: a wheel carries them only while setuptools finds namespace packages
    # (its default) and package-data matches the template.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["packages"]["find"].get("namespaces", True) is True
    patterns = pyproject["tool"]["setuptools"]["package-data"]["denial_ml"]
    assert any(fnmatch("store/migrations/script.py.mako", p) for p in patterns)


def test_keys_are_created_authenticated_and_revoked(store):
    issued = store.create_key("ann", "appeals")
    other = store.create_key("bob", "admin")
    assert issued.token.startswith("dml_") and issued.token not in repr(issued)
    assert store.authenticate(issued.token) == ("ann", "appeals")
    assert store.authenticate(other.token) == ("bob", "admin")
    with store.session() as session:
        stored = session.scalars(select(ApiKey).where(ApiKey.id == issued.id)).one()
    secret = issued.token.split("_", 2)[2]
    assert secret not in stored.key_hash and stored.key_hash.startswith("sha256$")
    assert stored.key_hash == hash_secret(secret, stored.key_hash.split("$")[1])
    store.revoke_key(issued.id)
    assert store.authenticate(issued.token) is None
    assert store.authenticate(other.token) == ("bob", "admin")
    assert [k.revoked_at is not None for k in store.list_keys()] == [True, False]


@pytest.mark.parametrize("token", ["", "dml_", "xyz_abc_def", "dml_000000000000_wrong", "dml_a_b_c"])
def test_bad_tokens_do_not_authenticate(store, token):
    issued = store.create_key("ann", "biller")
    assert store.authenticate(token) is None
    tampered = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    assert store.authenticate(tampered) is None


def test_bad_key_requests_are_refused(store):
    with pytest.raises(InvalidUpdate, match="unknown role 'boss'; known: biller, appeals, admin"):
        store.create_key("ann", "boss")
    with pytest.raises(InvalidUpdate, match="owner is empty"):
        store.create_key(" ", "admin")
    with pytest.raises(UnknownKey, match="no API key with id 404"):
        store.revoke_key(404)
    assert store.list_keys() == []
