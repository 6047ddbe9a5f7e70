"""The triage frame of a world folder built part by part on Dask workers (`triage train` / `worklist build
--engine dask`), with no process holding the world.

A part of a world holds its patients' whole histories and their rows of the patient tables (`engine.report`,
`data.synthetic.partition`), so a denial's facts, its claim's features and its lines are all in its part. Each task
reads its part itself and keeps only what later steps need, so a worker's memory follows its parts' denials, not
the world. Three things of `triage_frame` look across the world, and are computed where they are exact:

- the history snapshot the claim features read: the shared indexes from the parts' summed events, read in waves
  (`engine.snapshot`); each part builds its patient indexes from its own events (`patient_snapshot`);
- the payer x category and provider overturn rates: the decided appeals of every part (a few columns each)
  are put together on one worker and sent to every part, which queries them for its own denials;
- the expected payment: medians of every paid line before each month. A procedure's lines give its payer x
  procedure and procedure medians, so the paid lines are split by procedure and each split priced on one worker
  (`payment.key_book`); the allowed/charge median needs every line's ratio, which alone (a date and a number
  per line) goes to one worker (`payment.ratio_book`). Only the prices at the months the denials need travel to
  the parts; the client never holds the paid lines.

Each part then assembles its rows of the frame (`triage.features.assemble_frame`): the same rows, to the bit,
as the whole world's frame; in the world's order once sorted by adjudication date and claim id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from denial_ml.data.io import WorldIOError
from denial_ml.engine.event_sums import bucket_count
from denial_ml.engine.partitions import CLAIM_TABLES, CLAIMS_PER_PART, PATIENT_TABLES, patient_share
from denial_ml.engine.paths import (
    World,
    exists,
    is_table_dir,
    join,
    part_names,
    read_file,
    read_world_tables,
    row_count,
    table_files,
)
from denial_ml.engine.snapshot import SHARED_REFERENCE, patient_snapshot, snapshot_in_waves, table_sums
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.snapshot import Snapshot
from denial_ml.schemas import validate_table
from denial_ml.triage.denials import decided_appeals, denied_claims, overturn_history
from denial_ml.triage.features import assemble_frame, denial_claim_features
from denial_ml.triage.medians import counts_at_most, exact_medians, group_sizes, value_groups
from denial_ml.triage.payment import (
    DEFAULT_RATIO,
    Prices,
    key_book,
    merge_books,
    paid_lines,
    payment_from_book,
    priced_lines,
    procedure_buckets,
)

if TYPE_CHECKING:
    from distributed import Client, Future

SUM_TABLES = (*CLAIM_TABLES, *PATIENT_TABLES, *SHARED_REFERENCE)  # what a part's history events need
PIECE_TABLES = (*SUM_TABLES, "remarks", "appeals")  # ... and its denials
FRAME_ORDER = ["adjudication_date", "claim_id"]  # `denied_claims`' order: the world's frame in this order
PAID_PARTS = 2  # procedure buckets of the paid lines: one per this many parts
Step = Callable[[str], None]  # told each step's name as it starts (`jobs.triage` logs it and shows it)


def quiet(_: str) -> None:
    """A `Step` that says nothing."""


@dataclass(frozen=True)
class PartShare:
    """What one task reads: share `sub` of `split` (by the patient hash, `partitions.patient_share`) of the world's
    part file `file`, so that a task holds about `CLAIMS_PER_PART` claims whatever the files' size."""

    file: str
    sub: int = 0
    split: int = 1


def part_shares(world: World) -> list[PartShare]:
    """The shares a world is read in: each part file (`part_names`) in shares of about `CLAIMS_PER_PART` claims
    (the first file's size decides for all, as `partitions.part_count` does)."""
    names = part_names(world)
    split = max(1, round(row_count(table_files(world, "claims")[0]) / CLAIMS_PER_PART))
    return [PartShare(name, sub, split) for name in names for sub in range(split)]


def read_world_part(world: World, part: PartShare, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The tables `names` of one share of a part (`read_world_file`, then `patient_share`); `names` must hold
    `claims` when the part is split."""
    return patient_share(read_world_file(world, part.file, names), part.sub, part.split)


def read_world_file(world: World, file: str, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The tables `names` of one part file (a folder or an fsspec URL, read by the worker itself), validated as
    `read_tables` validates them; a table the world keeps in one file, such as payers, is read whole.

    Raises:
        WorldIOError: a table is missing, or a partitioned table lacks this part.
    """
    tables = {}
    for name in names:
        if is_table_dir(world, name):
            path = join(world, name, file)
            if not exists(path):
                raise WorldIOError(f"table {name!r} lacks part {file!r} in {str(join(world, name))!r}")
            tables[name] = validate_table(name, read_file(path))
        else:
            tables[name] = read_world_tables(world, [name])[name]
    return tables


def shared_sums(world: World, part: PartShare, buckets: int) -> tuple[dict[str, list[pd.DataFrame]], pd.DataFrame]:
    """The shared indexes' (key, day) sums of one part, in key buckets (`table_sums`; runs on a worker), and no
    claim facts (`snapshot_in_waves` takes them; training's periods need them, triage's do not)."""
    sums, facts, _ = table_sums(read_world_part(world, part, SUM_TABLES), buckets, patients=False)
    return sums, facts.iloc[:0]  # triage cuts its periods from the denials: no claim's facts need travel


def shared_snapshot(client: Client, world: World, shares: list[PartShare]) -> Snapshot:
    """The world's snapshot without its patient indexes and patients' rows (`PartSnapshot.shared`), from the
    parts' sums added on the workers."""
    buckets = bucket_count(len(shares))

    def read_wave(parts: range) -> list[Future]:
        wave = shares[parts.start : parts.stop]
        return client.map(shared_sums, [world] * len(wave), wave, buckets=buckets, pure=False)

    reference = read_world_tables(world, SHARED_REFERENCE)
    return snapshot_in_waves(client, len(shares), reference, read_wave).shared()


@dataclass
class DenialPiece:
    """A part's denials with what they need from the part alone (made on a worker)."""

    denials: pd.DataFrame
    charges: np.ndarray
    features: pd.DataFrame
    lines: pd.DataFrame  # `priced_lines`
    decided: pd.DataFrame  # `decided_appeals` of the part's denials
    appeals: pd.DataFrame  # the appeals of the part's denials
    last_adjudication: pd.Timestamp  # of the part's remittances (the worklist is built as of the world's)


def denial_piece(
    world: World, part: PartShare, shared: Snapshot, buckets: int
) -> tuple[DenialPiece, list[pd.DataFrame], pd.DataFrame]:
    """A part's denials, their claim features (the world's shared indexes with the part's own patient indexes,
    `patient_snapshot`), lines to price and decided appeals; its paid lines by procedure bucket
    (`procedure_buckets`) and their dates and ratios (runs on a worker, which reads the part)."""
    tables = read_world_part(world, part, PIECE_TABLES)
    builder = FeatureBuilder().fit_snapshot(patient_snapshot(shared, tables))
    denials = denied_claims(tables)
    charges, features = denial_claim_features(tables, denials, builder)
    appeals = tables["appeals"]
    piece = DenialPiece(
        denials,
        charges,
        features,
        priced_lines(tables, denials),
        decided_appeals(tables, denials),
        appeals[appeals["claim_id"].isin(denials["claim_id"])].reset_index(drop=True),
        pd.Timestamp(tables["remittances"]["adjudication_date"].max()),
    )
    paid = paid_lines(tables)
    return piece, procedure_buckets(paid, buckets), paid[["date", "ratio"]]


def piece_frame(piece: DenialPiece, book: dict[pd.Timestamp, Prices], decided: pd.DataFrame) -> pd.DataFrame:
    """A part's rows of the triage frame, with the world's prices and decided appeals."""
    history = overturn_history(piece.denials, decided)
    payment = payment_from_book(book, piece.lines, piece.denials)
    return assemble_frame(piece.denials, piece.charges, piece.features, history, payment)


def concat(*frames: pd.DataFrame) -> pd.DataFrame:
    """Frames of the parts, one after the other."""
    return pd.concat(frames, ignore_index=True)


@dataclass
class DistributedFrame:
    """The triage frame of a world, one future per part, and the builder fitted on the world's shared snapshot
    (its feature names and categories are the model's)."""

    world: World
    shares: list[PartShare]  # what each task reads (`part_shares`)
    pieces: list[Future]  # the parts' `DenialPiece`s
    frames: list[Future]  # the parts' rows of the frame (`piece_frame`)
    builder: FeatureBuilder


def distributed_frame(client: Client, world: World, step: Step = quiet) -> DistributedFrame:
    """Build the triage frame of a world folder on the cluster, part by part (see the module's docstring), telling
    `step` each step as it starts.

    Raises:
        WorldIOError, TableValidationError: a table cannot be read (raised from the worker that reads it).
    """
    shares = part_shares(world)
    step(f"shared history snapshot ({len(shares)} shares of {len(part_names(world))} part files)")
    shared = shared_snapshot(client, world, shares)
    builder = FeatureBuilder().fit_snapshot(with_patient_tables(shared, world, shares[0].file))
    scattered = client.scatter(shared, broadcast=True)
    del shared
    buckets = max(1, len(shares) // PAID_PARTS)
    step("denials, their features and paid lines")
    results = client.map(denial_piece, [world] * len(shares), shares, shared=scattered, buckets=buckets, pure=False)
    pieces = client.map(_pick, results, i=0)
    paid = [client.map(_pick, results, i=1, bucket=b) for b in range(buckets)]
    ratios = client.map(_pick, results, i=2)
    del results  # each part's result is released once its pieces are picked
    cutoffs = np.unique(np.concatenate([np.empty(0, "datetime64[ns]"), *client.gather(client.map(_cutoffs, pieces))]))
    step(f"prices at {len(cutoffs)} months: {buckets} procedure buckets, the allowed/charge medians by bisection")
    keys = [client.submit(key_book, cutoffs, *bucket) for bucket in paid]
    groups = client.map(_ratio_groups, ratios, cutoffs=cutoffs)
    del ratios
    book = client.submit(merge_books, ratio_medians(client, groups, cutoffs), *keys)
    decided = client.submit(concat, *client.map(_decided, pieces))
    frames = client.map(piece_frame, pieces, book=book, decided=decided)
    return DistributedFrame(world, shares, pieces, frames, builder)


def with_patient_tables(shared: Snapshot, world: World, file: str) -> Snapshot:
    """`shared` with the patient tables as empty tables of their columns: what a builder needs to be fitted for
    its feature names and categories (the parts' tasks fit theirs on their own patients)."""
    empty = {name: table.iloc[:0] for name, table in read_world_file(world, file, PATIENT_TABLES).items()}
    return Snapshot(reference={**shared.reference, **empty}, indexes=shared.indexes)


def ratio_medians(client: Client, groups: list[Future], cutoffs: np.ndarray) -> dict[pd.Timestamp, float]:
    """The median allowed/charge of every line paid before each cutoff (`payment.ratio_before` of the world's paid
    lines), from each part's ratios grouped by month on its worker (`medians.exact_medians`: rounds of counts)."""
    stats = client.gather(client.map(_group_stats, groups))
    sizes = np.sum([s for s, _ in stats], axis=0) if stats else np.zeros(len(cutoffs), dtype=np.int64)
    ends = np.concatenate([e for _, e in stats]) if stats else np.empty(0)
    bounds = (float(ends.min()), float(ends.max())) if len(ends) else (0.0, 0.0)

    def count(probes: np.ndarray) -> np.ndarray:
        return np.sum(client.gather(client.map(counts_at_most, groups, probes=probes)), axis=0)

    medians = exact_medians(count, sizes, bounds, DEFAULT_RATIO)
    return {pd.Timestamp(c): float(m) for c, m in zip(cutoffs, medians, strict=True)}


def _ratio_groups(paid: pd.DataFrame, cutoffs: np.ndarray) -> list[np.ndarray]:
    return value_groups(paid["date"], paid["ratio"], cutoffs)


def _group_stats(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    ends = [v for g in groups if len(g) for v in (g[0], g[-1])]
    return group_sizes(groups), np.array(ends, dtype=float)


def _pick(result: tuple, i: int, bucket: int | None = None) -> object:
    return result[i] if bucket is None else result[i][bucket]


def _cutoffs(piece: DenialPiece) -> np.ndarray:
    return np.unique(piece.lines["cutoff"].to_numpy(dtype="datetime64[ns]"))


def _decided(piece: DenialPiece) -> pd.DataFrame:
    return piece.decided


def _appeals(piece: DenialPiece) -> pd.DataFrame:
    return piece.appeals


def training_inputs(
    client: Client, world: World, step: Step = quiet
) -> tuple[pd.DataFrame, FeatureBuilder, pd.DataFrame, pd.DataFrame | None]:
    """What `triage.train.train_on_frame` needs of a world, built on the cluster: the triage frame (gathered one
    part at a time: the recovery model is fitted in one process), the builder, and the appeals and truth rows of
    the denied claims.

    Returns:
        `(frame, builder, appeals, truth)`; truth None when the world has none.
    """
    dist = distributed_frame(client, world, step)
    step("the triage frame to the client, one part at a time")
    appeals = concat(*client.gather(client.map(_appeals, dist.pieces)))
    truth = None
    if table_files(world, "truth"):
        n = len(dist.shares)
        truth = concat(*client.gather(client.map(_truth_of, [world] * n, dist.shares, dist.frames, pure=False)))
    frames, builder = dist.frames, dist.builder
    dist.pieces.clear()  # the parts' pieces are released as their frames are made
    del dist
    gathered = []
    while frames:  # one part's rows at a time, each released on its worker once here
        gathered.append(frames.pop(0).result())
    frame = concat(*gathered).sort_values(FRAME_ORDER, kind="stable", ignore_index=True)
    return frame, builder, appeals, truth


def _truth_of(world: World, part: PartShare, frame: pd.DataFrame) -> pd.DataFrame:
    truth = read_world_file(world, part.file, ("truth",))["truth"]  # the frame's claims are the share's
    return truth[truth["claim_id"].isin(frame["claim_id"])]
