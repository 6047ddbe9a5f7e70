"""Events summed by (key, day), and the history indexes laid out from such sums (pure: frames in, indexes out).

The Dask snapshot (`engine.snapshot`) sums each part's events on its worker, adds the sums of many parts, and lays
out each index from its world-wide sums.

Exact: a point-in-time answer ("events with this key strictly before day D") lands on the first event of a
(key, day); summing the events of one key and day keeps every such answer. `index_from_sums` lays the sums out
either as `build_index` lays out the events (one row per event) or, when it is smaller, compactly (one row per
(key, day), the number of events carried as the value `n`, which `HistoryIndex.before` answers in place of the
count of rows). Both answer every query as the whole world's index does, to the bit: the values are 0/1 counts,
whose float sums are exact in any order. The compact form is what keeps the shared indexes (payer, provider,
payer x procedure, slices) from growing with the world: their keys x days saturate where their events do not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.features.history import DAY_BITS, Events, HistoryIndex

COUNT = "_events"  # the number of events summed into a row
N = "n"  # the value a compact index answers its event counts with (`HistoryIndex.before` returns it as `n`)
KEY_COLUMNS = ["key", "day"]
KEY_DTYPE = "string[pyarrow]"
BUCKET_PARTS = 4  # key buckets per this many parts: a bucket's world-wide sums are about those parts' events


def event_sums(events: Events) -> pd.DataFrame:
    """Events summed by (key, day): columns `key`, `day`, each value and `COUNT`."""
    frame = events.values.reset_index(drop=True).astype(float)
    # Arrow strings: a key costs its bytes, not a Python object's ~60 (the sums of millions of keys move and wait).
    frame.insert(0, "key", pd.array(np.asarray(events.keys, dtype=object), dtype=KEY_DTYPE))
    frame.insert(1, "day", np.asarray(events.days, dtype=np.int64))
    frame[COUNT] = np.ones(len(frame), dtype=np.int64)
    return frame.groupby(KEY_COLUMNS, sort=False, as_index=False).sum()


def bucket_count(n_parts: int) -> int:
    """Key buckets for a world read in `n_parts` parts (one per `BUCKET_PARTS` parts)."""
    return max(1, -(-n_parts // BUCKET_PARTS))


def bucketed(sums: pd.DataFrame, buckets: int) -> list[pd.DataFrame]:
    """Sums split by a hash of the key that is the same in every process."""
    if buckets == 1:
        return [sums]
    bucket = pd.util.hash_array(sums["key"].to_numpy(dtype=object)) % np.uint64(buckets)
    return [sums[bucket == b].reset_index(drop=True) for b in range(buckets)]


def add_sums(*frames: pd.DataFrame) -> pd.DataFrame:
    """Sums of several parts added by (key, day)."""
    return pd.concat(frames, ignore_index=True).groupby(KEY_COLUMNS, sort=False, as_index=False).sum()


def index_from_sums(sums: pd.DataFrame, compact: bool | None = None) -> HistoryIndex:
    """A `HistoryIndex` from (key, day) sums.

    Args:
        sums: The (key, day) sums (`event_sums`, `add_sums`).
        compact: One row per (key, day) with the counts as the value `n`; False: laid out as `build_index` lays out
            the events themselves (rows of one (key, day) repeat its key; their running sums all hold the sums
            before it, which is what a query of that key and day reads; the rows inside a run are never read).
            None picks the smaller.
    """
    names = [c for c in sums.columns if c not in (*KEY_COLUMNS, COUNT)]
    counts = sums[COUNT].to_numpy(dtype=np.int64)
    if compact is None:
        compact = len(counts) * (len(names) + 2) < int(counts.sum()) * (len(names) + 1)
    codes, uniques = pd.factorize(pd.Series(sums["key"].to_numpy(dtype=object)), sort=True)  # as `build_index`
    combined = (codes.astype(np.int64) << DAY_BITS) | sums["day"].to_numpy(dtype=np.int64)
    order = np.argsort(combined, kind="stable")
    values = sums[names].to_numpy(dtype=float)[order]
    if compact:
        assert N not in names, "a value named n would hide the event counts"
        sorted_keys, counts = combined[order], counts[order]
        before = np.vstack([np.zeros((1, len(names) + 1)), np.cumsum(np.column_stack([values, counts]), axis=0)])
        cumsums, value_names = before, (*names, N)
    else:
        counts = counts[order]
        sorted_keys = np.repeat(combined[order], counts)
        before = np.vstack([np.zeros((1, len(names))), np.cumsum(values, axis=0)])
        cumsums, value_names = np.vstack([np.repeat(before[:-1], counts, axis=0), before[-1:]]), tuple(names)
    starts = np.searchsorted(sorted_keys, np.arange(len(uniques), dtype=np.int64) << DAY_BITS, side="left")
    return HistoryIndex(
        codes={k: i for i, k in enumerate(uniques)},
        sorted_keys=sorted_keys,
        starts=np.append(starts, len(sorted_keys)),
        cumsums=cumsums,
        value_names=value_names,
    )
