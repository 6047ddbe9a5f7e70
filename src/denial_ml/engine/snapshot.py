"""The history snapshot built from a world's parts on Dask workers, never gathering the world into one process.

Each part (`denial_ml.engine.partitions`) turns its claims into the snapshot's events (`snapshot_events`, the code
`Snapshot.from_tables` runs on a whole world) and sums them by (key, day). The sums of all parts are added
together in a tree on the workers, one index at a time, and only each index's final sums come to the client. The workers
feature their claims with the world's indexes but for the patient-keyed ones, which each part builds from its
own sums (`part_snapshot`): those are most of a snapshot's keys.

Exact: a point-in-time answer ("events with this key strictly before day D") lands on the first event of a
(key, day); summing the events of one key and day keeps every such answer. `index_from_sums` lays the sums out as
`build_index` lays out the events (one row per event, the same keys, starts and running sums at the first event
of every (key, day)), so the features are the same to the bit: the values are 0/1 counts, whose float sums are
exact in any order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from denial_ml.features.history import DAY_BITS, Events, HistoryIndex
from denial_ml.features.snapshot import Snapshot, snapshot_events

if TYPE_CHECKING:
    from distributed import Client, Future

COUNT = "_events"  # the number of events summed into a row
# Indexes keyed by the patient: a worker builds them from its own parts, so it never holds the world's.
PATIENT_INDEXES = ("patient", "patient_payer", "submitted", "pat_proc", "pat_year", "pat_proc_denied")
KEY_COLUMNS = ["key", "day"]
KEY_DTYPE = "string[pyarrow]"


def event_sums(events: Events) -> pd.DataFrame:
    """Events summed by (key, day): columns `key`, `day`, each value and `COUNT`."""
    frame = events.values.reset_index(drop=True).astype(float)
    # Arrow strings: a key costs its bytes, not a Python object's ~60 (the sums of millions of keys move and wait).
    frame.insert(0, "key", pd.array(np.asarray(events.keys, dtype=object), dtype=KEY_DTYPE))
    frame.insert(1, "day", np.asarray(events.days, dtype=np.int64))
    frame[COUNT] = np.ones(len(frame), dtype=np.int64)
    return frame.groupby(KEY_COLUMNS, sort=False, as_index=False).sum()


def part_sums(part: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every index's (key, day) sums of one part of a world.

    Args:
        part: The part's claims, lines and remittance tables (`read_part`).
        reference: The world's reference tables (authorizations and patients are used).
    """
    return {name: event_sums(ev) for name, ev in snapshot_events({**reference, **part}).items()}


def add_sums(*frames: pd.DataFrame) -> pd.DataFrame:
    """Sums of several parts added by (key, day)."""
    return pd.concat(frames, ignore_index=True).groupby(KEY_COLUMNS, sort=False, as_index=False).sum()


def index_from_sums(sums: pd.DataFrame) -> HistoryIndex:
    """A `HistoryIndex` from (key, day) sums, laid out as `build_index` lays out the events themselves.

    Rows of one (key, day) repeat its key; their running sums all hold the sums before it, which is what a
    query of that key and day reads (the rows inside a run are never read).
    """
    names = [c for c in sums.columns if c not in (*KEY_COLUMNS, COUNT)]
    codes, uniques = pd.factorize(pd.Series(sums["key"].to_numpy(dtype=object)), sort=True)  # as `build_index`
    combined = (codes.astype(np.int64) << DAY_BITS) | sums["day"].to_numpy(dtype=np.int64)
    order = np.argsort(combined, kind="stable")
    counts = sums[COUNT].to_numpy(dtype=np.int64)[order]
    sorted_keys = np.repeat(combined[order], counts)
    before = np.vstack([np.zeros((1, len(names))), np.cumsum(sums[names].to_numpy(dtype=float)[order], axis=0)])
    cumsums = np.vstack([np.repeat(before[:-1], counts, axis=0), before[-1:]])
    starts = np.searchsorted(sorted_keys, np.arange(len(uniques), dtype=np.int64) << DAY_BITS, side="left")
    return HistoryIndex(
        codes={k: i for i, k in enumerate(uniques)},
        sorted_keys=sorted_keys,
        starts=np.append(starts, len(sorted_keys)),
        cumsums=cumsums,
        value_names=tuple(names),
    )


def tree_add(client: Client, futures: list[Future], fan_in: int = 4) -> Future:
    """Add the sums of many parts on the workers, `fan_in` at a time, down to one future."""
    while len(futures) > 1:
        futures = [client.submit(add_sums, *futures[i : i + fan_in]) for i in range(0, len(futures), fan_in)]
    return futures[0]


def snapshot_from_parts(client: Client, parts: list[Future], reference: dict[str, pd.DataFrame]) -> PartSnapshot:
    """The snapshot of a world read in parts, equal in every answer to `Snapshot.from_tables` of the whole world.

    Args:
        client: The Dask client.
        parts: Futures of the world's parts (`read_part`), patients split between them.
        reference: The reference tables (the snapshot carries them whole).

    Returns:
        The snapshot, and each part's sums kept on the workers (`PartSnapshot.sums`: release them when done).
    """
    shared = client.scatter(reference, broadcast=True)
    sums = client.map(part_sums, parts, reference=shared)
    names: list[str] = client.submit(list, sums[0]).result()
    indexes = {}
    for name in names:  # one index at a time: the client holds one index's sums besides the indexes built
        total = tree_add(client, client.map(_pick, sums, name=name))
        indexes[name] = index_from_sums(total.result())
        del total
    kept = client.map(_patient_sums, sums)  # the workers keep only what the parts' own indexes need
    del sums
    return PartSnapshot(Snapshot(reference=reference, indexes=indexes), kept)


@dataclass
class PartSnapshot:
    """A world's snapshot and the (key, day) sums of its parts, one future per part."""

    snapshot: Snapshot
    sums: list[Future]

    def shared(self) -> Snapshot:
        """The snapshot without its patient indexes: what every part needs besides its own patients' indexes."""
        indexes = {n: i for n, i in self.snapshot.indexes.items() if n not in PATIENT_INDEXES}
        return Snapshot(reference=self.snapshot.reference, indexes=indexes)


def part_snapshot(shared: Snapshot, sums: dict[str, pd.DataFrame]) -> Snapshot:
    """The snapshot one part's claims are featured with: the world's shared indexes and the part's own patient
    indexes (every key of those holds the patient, and a part holds all of its patients' claims, so the answers for
    its claims are the world's)."""
    local = {name: index_from_sums(sums[name]) for name in PATIENT_INDEXES}
    return Snapshot(reference=shared.reference, indexes={**shared.indexes, **local})


def _pick(sums: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    return sums[name]


def _patient_sums(sums: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: sums[name] for name in PATIENT_INDEXES}
