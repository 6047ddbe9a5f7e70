"""Fingerprints of a generated world: one digest per table, to show that a change kept the world bit for bit.

The digest covers each table's column names, dtypes and every value (pandas' row hashes), so two worlds with
equal fingerprints have identical tables. `tests/code/test_data_synthetic_fingerprint.py` pins the default
world's; `bench/compare_worlds.py` compares two written worlds table by table.
"""

from __future__ import annotations

import hashlib

import pandas as pd


def table_digest(frame: pd.DataFrame) -> str:
    """A SHA-256 of a table's column names, dtypes and values (row order matters, the index does not)."""
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def world_fingerprint(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Each table's `table_digest`, by table name (sorted)."""
    return {name: table_digest(tables[name]) for name in sorted(tables)}
