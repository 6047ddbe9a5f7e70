"""The history snapshot built from a world's parts on Dask workers, never gathering the world into one process.

Each task reads one part of the world (`denial_ml.engine.partitions`), turns its claims into the snapshot's events
(`snapshot_events`, the code `Snapshot.from_tables` runs on a whole world) and sums them by (key, day), split into
buckets by a hash of the key. The parts are read in waves (`snapshot_from_parts`): a wave's sums of the shared
indexes are added into running totals on the workers, one total per index and key bucket, and each part's task
writes its patient indexes to the bundle's store by part (`features.snapshot_parts`; without a store their sums go
to the client); only each shared index's final sums come to the client. The workers feature their claims with the
world's indexes but for the patient-keyed ones, which each part builds from its own events again when it builds
its rows (`patient_snapshot`): those are most of a snapshot's keys, and keeping them between the two passes would
grow a worker's memory with the world.

The (key, day) sums, and the indexes laid out from them exactly, are `engine.event_sums`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from denial_ml.engine.event_sums import add_sums, bucket_count, bucketed, event_sums, index_from_sums
from denial_ml.engine.partitions import read_part
from denial_ml.features.arrays import claim_arrays, line_arrays
from denial_ml.features.history import Events, HistoryIndex, to_days
from denial_ml.features.key_codes import encode
from denial_ml.features.keys import batch_lines, claim_keys
from denial_ml.features.lookup import map_floats
from denial_ml.features.revenue_lines import line_codes
from denial_ml.features.slice_keys import encoded, slice_lines
from denial_ml.features.slices import birth_days, patient_events, sexes
from denial_ml.features.snapshot import (
    REFERENCE_TABLES,
    PatientParts,
    Snapshot,
    duplicate_keys,
    outcome_values,
    snapshot_events,
)
from denial_ml.features.snapshot_parts import (
    PATIENT_INDEXES,
    PATIENT_TABLES,
    read_patient_parts,
    write_part_indexes,
    write_part_tables,
    write_parts_meta,
    write_patient_parts,
)
from denial_ml.labels import label_claims

if TYPE_CHECKING:
    from distributed import Client, Future

SHARED_REFERENCE = ("payers", "providers")  # the reference tables every part needs whole (small)
WAVE_PER_WORKER = 2  # parts read at a time per worker while the snapshot is built


@dataclass(frozen=True)
class PartStore:
    """Where a part task writes its patient indexes and patient tables (`snapshot_parts`), and as which part."""

    folder: Path
    part: int


@dataclass(frozen=True)
class StoredPart:
    """What a part task that wrote its patient part tells the client: the part's patients and the value names of
    its patient indexes."""

    patients: np.ndarray  # the patient ids, `encode`d
    value_names: dict[str, list[str]]


def part_sums(
    folder: Path, part: int, n_parts: int, shared: dict[str, pd.DataFrame], store: Path | None = None
) -> tuple[dict[str, list[pd.DataFrame]], pd.DataFrame, StoredPart | None]:
    """Every index's (key, day) sums of one part of a world, in key buckets, and the part's labelled claims' facts.

    Args:
        folder: The world folder. part, n_parts: Which part of how many (`read_part`).
        shared: The reference tables every part shares (`SHARED_REFERENCE`); the part brings its own patients.
        store: Where to write the part's patient indexes and tables (as patient part `part`) instead of returning
            the patient indexes' sums.

    Returns:
        {index: its sums in `bucket_count(n_parts)` buckets}, `claim_facts` of the part's labelled claims, and
        what was stored (None without `store`).
    """
    target = None if store is None else PartStore(store, part)
    return table_sums({**shared, **read_part(folder, part, n_parts)}, bucket_count(n_parts), target)


def table_sums(
    tables: dict[str, pd.DataFrame], buckets: int, store: PartStore | None = None, patients: bool = True
) -> tuple[dict[str, list[pd.DataFrame]], pd.DataFrame, StoredPart | None]:
    """`part_sums` of a part's tables already read (with the reference rows its claims need); without `patients`,
    the sums of the shared indexes alone (for jobs whose parts build their patient indexes again,
    `patient_snapshot`)."""
    events = snapshot_events(tables)
    stored = None
    if store is not None:
        stored = store_patient_part(tables, {n: events.pop(n) for n in PATIENT_INDEXES}, store)
    elif not patients:
        events = {n: ev for n, ev in events.items() if n not in PATIENT_INDEXES}
    sums = {name: bucketed(event_sums(ev), buckets) for name, ev in events.items()}
    return sums, claim_facts(tables), stored


def store_patient_part(tables: dict[str, pd.DataFrame], events: dict[str, Events], store: PartStore) -> StoredPart:
    """Write a part's patient indexes (from its own events: their keys hold the patient, and the part holds all of
    its patients' claims) and its patients' rows of the patient tables, as patient part `store.part`."""
    indexes = {name: index_from_sums(event_sums(ev), compact=False) for name, ev in events.items()}
    write_part_indexes(store.folder, store.part, indexes)
    write_part_tables(store.folder, store.part, {name: tables[name] for name in PATIENT_TABLES})
    ids = pd.concat([tables["claims"]["patient_id"], tables["patients"]["patient_id"]]).dropna().astype(str)
    return StoredPart(
        encode(np.unique(ids.to_numpy(dtype=object))), {n: list(i.value_names) for n, i in indexes.items()}
    )


def labelled_part(part: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A part's adjudicated claims with their denial label and category (as `jobs.training.labelled_claims`)."""
    labels = label_claims(part["remittances"], part["remittance_lines"], part["adjustments"])
    return part["claims"].merge(labels[["claim_id", "denied", "denial_category"]], on="claim_id")


def claim_facts(part: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What the client needs of a part's labelled claims: submission date (to cut the periods), label (the
    counts) and the hash the bundle's data fingerprint covers (`jobs.training._fingerprint`)."""
    claims = labelled_part(part)
    hashed = pd.util.hash_pandas_object(claims[["claim_id", "submission_date", "total_charge"]], index=False)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(claims["submission_date"]).to_numpy(),
            "denied": claims["denied"].to_numpy(dtype=np.int8),
            "hash": hashed.to_numpy(),
        }
    )


def patient_snapshot(shared: Snapshot, tables: dict[str, pd.DataFrame]) -> Snapshot:
    """The snapshot a part's claims are featured with: the world's shared indexes, and the part's own reference
    rows and patient indexes (every key of those holds the patient, and a part holds all of its patients' claims,
    so the answers for its claims are the world's)."""
    local = {name: index_from_sums(event_sums(ev)) for name, ev in patient_index_events(tables).items()}
    reference = {name: tables[name] if name in tables else shared.reference[name] for name in REFERENCE_TABLES}
    return Snapshot(reference=reference, indexes={**shared.indexes, **local})


def patient_index_events(tables: dict[str, pd.DataFrame]) -> dict[str, Events]:
    """The events of the `PATIENT_INDEXES` of a part, as `snapshot_events` makes them, without the shared indexes'
    (the slice events alone are many times the claims)."""
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    claims, lines = tables["claims"], tables["claim_lines"]
    events = labels[["claim_id", "adjudication_date", "denied", "denial_category"]].merge(
        claims[["claim_id", "payer_id", "patient_id"]], on="claim_id"
    )
    day, values = to_days(events["adjudication_date"]), outcome_values(events)
    line_sub = lines.assign(procedure_code=line_codes(lines))[["claim_id", "procedure_code", "service_date"]].merge(
        claims[["claim_id", "patient_id", "submission_date"]], on="claim_id"
    )
    a = claim_arrays(claims)
    ln = batch_lines(a, line_arrays(lines))
    s = slice_lines(a, ln, claim_keys(a), birth_days(tables["patients"]), sexes(tables["patients"]))
    decided = map_floats(dict(zip(labels["claim_id"], to_days(labels["adjudication_date"]), strict=True)), a.claim_id)
    denied = map_floats(dict(zip(labels["claim_id"], labels["denied"].astype(float), strict=True)), a.claim_id, 0.0)
    submit = np.nan_to_num(a.submit_day).astype(np.int64)[ln.claim]
    return {
        "patient": Events(events["patient_id"], day, values[["denied"]]),
        "patient_payer": Events(
            events["patient_id"] + "|" + events["payer_id"], day, values[["denied", "cat_eligibility"]]
        ),
        "submitted": Events(
            duplicate_keys(line_sub["patient_id"], line_sub["service_date"], line_sub["procedure_code"]),
            to_days(line_sub["submission_date"]),
            pd.DataFrame({"one": np.ones(len(line_sub))}),
        ),
        **patient_events(s.claim, encoded(s), submit, decided[ln.claim], denied[ln.claim]),
    }


def tree_add(client: Client, futures: list[Future], fan_in: int = 4) -> Future:
    """Add the sums of many parts on the workers, `fan_in` at a time, down to one future."""
    while len(futures) > 1:
        futures = [client.submit(add_sums, *futures[i : i + fan_in]) for i in range(0, len(futures), fan_in)]
    return futures[0]


@dataclass
class PartSnapshot:
    """A world's snapshot built from its parts, and what the client learnt of the parts' labelled claims.

    Attributes:
        snapshot: The whole world's snapshot (what the bundle carries).
        facts: `claim_facts` of every part's labelled claims, parts in order.
    """

    snapshot: Snapshot
    facts: list[pd.DataFrame]

    def shared(self) -> Snapshot:
        """The snapshot without its patient indexes and patients' reference rows: what every part needs besides
        its own patients'."""
        indexes = {n: i for n, i in self.snapshot.indexes.items() if n not in PATIENT_INDEXES}
        reference = {n: t for n, t in self.snapshot.reference.items() if n in SHARED_REFERENCE}
        return Snapshot(reference=reference, indexes=indexes)


def snapshot_from_parts(
    client: Client, folder: Path, n_parts: int, reference: dict[str, pd.DataFrame], store: Path | None = None
) -> PartSnapshot:
    """The snapshot of a world read in parts, equal in every answer to `Snapshot.from_tables` of the whole world.

    The parts are read in waves of `WAVE_PER_WORKER` per worker: a wave's sums of the shared indexes are added into
    running totals on the workers (a total per index and key bucket, whose size saturates with the world) and its
    patient indexes' sums go to the client (their keys hold the patient, so the parts' sums never share a key and
    are simply put together), before the next wave is read. A worker so holds a wave's sums and its buckets of the
    shared totals, whatever the number of parts.

    Args:
        client: The Dask client.
        folder: The world folder. n_parts: How many parts to read it in (`part_count`).
        reference: The whole world's reference tables (the snapshot carries them; the workers get the shared ones).
        store: A folder every worker can write: each part's task writes its patient indexes and patient tables
            there (`snapshot_parts`), and the snapshot stores them by part (the client never holds them). None:
            the patient indexes' sums come to the client and the snapshot holds them whole.

    Returns:
        The snapshot, and the facts of every part's labelled claims.
    """
    shared = client.scatter({n: reference[n] for n in SHARED_REFERENCE}, broadcast=True)

    def read_wave(parts: range) -> list[Future]:
        return client.map(part_sums, [folder] * len(parts), parts, n_parts=n_parts, shared=shared, store=store)

    return snapshot_in_waves(client, n_parts, reference, read_wave, store)


def snapshot_in_waves(
    client: Client,
    n_parts: int,
    reference: dict[str, pd.DataFrame],
    read_wave: Callable[[range], list[Future]],
    store: Path | None = None,
) -> PartSnapshot:
    """The wave loop of `snapshot_from_parts`, given how a wave of parts gets its `part_sums`."""
    from distributed import wait

    buckets, wave = bucket_count(n_parts), WAVE_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))
    totals: dict[tuple[str, int], Future] = {}
    local: dict[str, list[pd.DataFrame]] = {}
    facts: list[pd.DataFrame] = []
    stored: list[StoredPart] = []
    names: list[str] = []
    for lo in range(0, n_parts, wave):
        results = read_wave(range(lo, min(n_parts, lo + wave)))
        sums = client.map(_pick, results, name=0)
        facts += client.gather(client.map(_pick, results, name=1))
        stored += client.gather(client.map(_pick, results, name=2)) if store is not None else []
        del results
        names = names or client.submit(list, sums[0]).result()
        for name in names:
            if name in PATIENT_INDEXES:
                for frames in client.gather(client.map(_pick, sums, name=name)):
                    local.setdefault(name, []).extend(frames)
                continue
            for b in range(buckets):
                before = [totals[name, b]] if (name, b) in totals else []
                totals[name, b] = tree_add(client, before + client.map(_pick, sums, name=name, bucket=b))
        wait(list(totals.values()))  # the wave is added before the next one is read
        del sums
    indexes: dict[str, HistoryIndex] = {}
    for name in names:  # one index at a time: the client holds one index's sums besides the indexes built
        if name in PATIENT_INDEXES:
            frames = local.pop(name)
        else:
            frames = client.gather([totals.pop((name, b)) for b in range(buckets)])
        indexes[name] = index_from_sums(pd.concat(frames, ignore_index=True))
        del frames
    if store is None:
        return PartSnapshot(Snapshot(reference=reference, indexes=indexes), facts)
    return PartSnapshot(stored_snapshot(store, reference, indexes, stored), facts)


def stored_snapshot(
    store: Path, reference: dict[str, pd.DataFrame], indexes: dict[str, HistoryIndex], stored: list[StoredPart]
) -> Snapshot:
    """The snapshot of a world whose parts stored their patient parts in `store`: the shared indexes, the shared
    reference tables (the patient tables without rows: their rows are in the parts) and the parts."""
    write_patient_parts(store, [s.patients for s in stored])
    value_names = stored[0].value_names if stored else {}
    write_parts_meta(store, len(stored), value_names)
    meta = {"parts": len(stored), "indexes": value_names}
    tables = {name: table.iloc[:0] if name in PATIENT_TABLES else table for name, table in reference.items()}
    return Snapshot(tables, indexes, PatientParts(store, meta, read_patient_parts(store)))


def _pick(sums: dict | tuple, name: str | int, bucket: int | None = None) -> object:
    return sums[name] if bucket is None else sums[name][bucket]  # type: ignore[index]
