"""Feature rows of many claims built a chunk of claims at a time: the same matrix, with bounded temporaries.

A claim's features read only the fitted snapshot, its own fields and its own lines (a batch's lines of other
claims are dropped: `features.keys.batch_lines`), so building them in chunks gives the very matrix of one pass.
One pass over a million claims held some 2.5 GiB of lookup temporaries at its peak (the slice and history queries
of every line at once); chunks of `CHUNK_CLAIMS` hold a quarter of that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.features.build import FeatureBuilder

CHUNK_CLAIMS = 250_000


def transform_in_chunks(
    builder: FeatureBuilder, claims: pd.DataFrame, lines: pd.DataFrame, rows: int = CHUNK_CLAIMS
) -> pd.DataFrame:
    """`builder.transform(claims, lines)`, `rows` claims at a time (`transform_array_in_chunks`)."""
    return builder.to_frame(transform_array_in_chunks(builder, claims, lines, rows))


def transform_array_in_chunks(
    builder: FeatureBuilder, claims: pd.DataFrame, lines: pd.DataFrame, rows: int = CHUNK_CLAIMS
) -> np.ndarray:
    """`builder.transform_array(claims, lines)`, `rows` claims at a time.

    Args:
        builder: A fitted `FeatureBuilder`.
        claims: The claims, one row each (unique `claim_id`s; otherwise one pass).
        lines: Their lines (any order, kept within each claim; lines of claims not in `claims` are left out, as
            one pass leaves them).
        rows: Claims per chunk.

    Returns:
        The feature matrix, in the order of `claims`.
    """
    ids = pd.Index(claims["claim_id"])
    if len(claims) <= rows or not ids.is_unique:
        return builder.transform_array(claims, lines)
    n_chunks = -(-len(claims) // rows)
    chunk = ids.get_indexer(lines["claim_id"]) // rows  # -1 (a line of no claim here) stays -1
    order = np.argsort(chunk, kind="stable")  # each chunk's lines in their own order
    bounds = np.searchsorted(chunk[order], np.arange(n_chunks + 1))
    X = np.empty((len(claims), len(builder.feature_names_)))
    for k in range(n_chunks):
        lo, hi = k * rows, min(len(claims), (k + 1) * rows)
        X[lo:hi] = builder.transform_array(claims.iloc[lo:hi], lines.iloc[order[bounds[k] : bounds[k + 1]]])
    return X
