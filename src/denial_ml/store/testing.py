"""Helpers for tests of code that uses the worklist store: a PostgreSQL probe and isolated schemas.

Tests run against SQLite always and against the PostgreSQL server on 127.0.0.1:5432 when it answers. Each
test session works in its own schema, so parallel workers (`pytest -n 2`) and other suites never collide.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
from sqlalchemy import text

from denial_ml.domain.denials import CATEGORIES
from denial_ml.store.db import make_engine
from denial_ml.store.migrate import upgrade_database
from denial_ml.store.models import Base

# Tried in order; the CI server uses trust auth with database `test`.
DEFAULT_PG_URLS = (
    "postgresql+psycopg://root@127.0.0.1:5432/test",
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
)


def _port_open(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def find_postgres() -> tuple[str | None, str]:
    """`(url, "")` of a PostgreSQL server the tests can use, or `(None, reason)`.

    `DENIAL_ML_TEST_PG_URL` overrides the default URLs.
    """
    override = os.environ.get("DENIAL_ML_TEST_PG_URL")
    candidates = (override,) if override else DEFAULT_PG_URLS
    if not override and not _port_open():
        return None, "no PostgreSQL server answers on 127.0.0.1:5432"
    errors = []
    for url in candidates:
        engine = make_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            return url, ""
        except Exception as exc:  # any connection failure means "not usable here"
            errors.append(f"{url.split('@')[-1]}: {type(exc).__name__}")
        finally:
            engine.dispose()
    return None, "PostgreSQL not usable (" + "; ".join(errors) + ")"


def create_schema(base_url: str, label: str) -> tuple[str, str]:
    """Create a uniquely named schema and return `(schema, url)` whose connections use only it."""
    schema = f"wl_{label}_{uuid.uuid4().hex[:10]}".lower()
    engine = make_engine(base_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    separator = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"


def drop_schema(base_url: str, schema: str) -> None:
    """Drop a schema made by `create_schema`, with everything in it."""
    engine = make_engine(base_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def empty_tables(url: str) -> None:
    """Delete every row of the worklist tables (ids restart on PostgreSQL)."""
    engine = make_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
    finally:
        engine.dispose()


def backend_params() -> list[Any]:
    """pytest params "sqlite" and "postgresql" (the latter marked `postgres`)."""
    import pytest

    return [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]


def sqlite_database(tmp_path_factory: Any) -> Iterator[str]:
    """A migrated SQLite worklist: test modules about the model side of the service use it in place of the
    two-backend `database_url` fixture (the store's backends are exercised by the store and worklist tests)."""
    with migrated_database("sqlite", tmp_path_factory.mktemp("sqlite")) as url:
        yield url


@contextmanager
def migrated_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated worklist database; PostgreSQL skips the test when unreachable.

    Args:
        backend: "sqlite" (a file in `tmp_dir`) or "postgresql" (a fresh schema, dropped afterwards).
        tmp_dir: Folder for the SQLite file.
    """
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / 'worklist.db'}"
        upgrade_database(url)
        yield url
        return
    import pytest

    base_url, reason = find_postgres()
    if base_url is None:
        pytest.skip(f"PostgreSQL store tests skipped: {reason}")
    schema, url = create_schema(base_url, os.environ.get("PYTEST_XDIST_WORKER", "main"))
    try:
        upgrade_database(url)
        yield url
    finally:
        drop_schema(base_url, schema)


# One factor of the shape `denial_ml.triage.explain` stores.
SAMPLE_FACTOR = {
    "factor": "payer_overturn_history",
    "label": "Payer's overturn record for this reason",
    "contribution": 0.42,
    "direction": "raises",
    "sentence": "Coding denials of this payer were overturned 78 % of the time (40 decided appeals).",
}


def sample_items(n: int, seed: int = 0, today: dt.date | None = None) -> pd.DataFrame:
    """`n` plausible scored denials (claims `C000000`..), for tests and benchmarks.

    Payers `P0`..`P9` (named "Payer 0"..), all categories, deadlines from 30 days ago to 150 days ahead.
    """
    rng = np.random.default_rng(seed)
    today = today or dt.date.today()
    denied = rng.lognormal(5.5, 1.0, n).round(2)
    payment = (denied * rng.uniform(0.3, 0.9, n)).round(2)
    p_overturn = rng.uniform(0.05, 0.95, n).round(4)
    recovery = (p_overturn * payment - 57.23).round(2)
    payer = rng.integers(0, 10, n)
    offsets = rng.integers(-30, 150, n)
    return pd.DataFrame(
        {
            "claim_id": [f"C{i:06d}" for i in range(n)],
            "payer_id": [f"P{p}" for p in payer],
            "payer_name": [f"Payer {p}" for p in payer],
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)],
            "carc": rng.choice(["16", "50", "97", "197", "27"], n),
            "denied_amount": denied,
            "expected_payment": payment,
            "p_overturn": p_overturn,
            "expected_recovery": recovery,
            "priority": recovery,
            "route": np.where(offsets < 0, "write_off", "appeal"),
            "route_reason": np.where(offsets < 0, "past the appeal deadline", ""),
            "appeal_deadline": [today + dt.timedelta(days=int(d)) for d in offsets],
            "days_left": offsets,
            "model_version": "test-1",
            "score_inputs": [{"payment_basis": "payer_history", "cost": 57.23} for _ in range(n)],
            "factors": [[SAMPLE_FACTOR] for _ in range(n)],
        }
    )
