"""Fingerprints of a generated world: one digest per table, to show that a change kept the world bit for bit.

The digest covers each table's column names, dtypes and every value (pandas' row hashes), so two worlds with
equal fingerprints have identical tables. `tests/code/test_data_synthetic_fingerprint.py` pins the default
world's; `bench/compare_worlds.py` compares two written worlds table by table.
"""

from __future__ import annotations

import hashlib

import pandas as pd

FLOAT_DECIMALS = 10


def table_digest(frame: pd.DataFrame) -> str:
    """A SHA-256 of a table's column names, dtypes and values (row order matters, the index does not).

    Float columns are hashed rounded to `FLOAT_DECIMALS` decimals: numpy's `exp` and `log` take other SIMD paths
    on other processors (with AVX-512 or without), whose last bits differ, so the same code builds a world whose
    probabilities differ in the 16th digit from one machine to the next. Agreeing to 1e-10 is the same world.
    """
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    stable = frame.copy(deep=False)
    for column in frame.columns[[pd.api.types.is_float_dtype(t) for t in frame.dtypes]]:
        stable[column] = frame[column].round(FLOAT_DECIMALS) + 0.0  # + 0.0: -0.0 is 0.0
    h.update(pd.util.hash_pandas_object(stable, index=False).to_numpy().tobytes())
    return h.hexdigest()


def world_fingerprint(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Each table's `table_digest`, by table name (sorted)."""
    return {name: table_digest(tables[name]) for name in sorted(tables)}
