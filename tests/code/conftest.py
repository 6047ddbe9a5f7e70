"""Fixtures of the worklist-store tests: a migrated database per backend (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

import pytest

from denial_ml.store import WorklistStore
from denial_ml.store.testing import backend_params, empty_tables, migrated_database


@pytest.fixture(scope="module", params=backend_params())
def database_url(request, tmp_path_factory):
    """A database migrated from empty (an empty SQLite file or a fresh PostgreSQL schema)."""
    with migrated_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture
def store(database_url):
    """A store over `database_url`, emptied before each test."""
    empty_tables(database_url)
    store = WorklistStore(database_url)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client():
    """A two-worker Dask `LocalCluster` (processes) and its client, started once per test module that asks."""
    from denial_ml.engine.cluster import ClusterSpec, open_client

    with open_client(ClusterSpec(workers=2, memory_limit="1500MiB")) as dask_client:
        yield dask_client
