"""The triage frame of a world folder built part by part on Dask workers (`triage train` / `worklist build
--engine dask`).

A part of a world holds its patients' whole histories (`engine.report`, `data.synthetic.partition`), so a
denial's facts, its claim's features and its lines are all in its part. Three things of `triage_frame` look
across the world, and are computed where they are exact:

- the history snapshot the claim features read: built from the parts' summed events (`engine.snapshot`), the
  world's patient-free indexes sent to every worker and each part's patient indexes kept on its worker;
- the payer x category and provider overturn rates: the decided appeals of every part (a few columns each)
  are put together on one worker and sent to every part, which queries them for its own denials;
- the expected payment: medians of every paid line before each month. The parts' paid lines are put
  together on one worker, which computes the prices at the months the denials need (`triage.payment.Prices`);
  only those prices travel to the parts. The client never holds the paid lines.

Each part then assembles its rows of the frame (`triage.features.assemble_frame`): the same rows, to the bit,
as the whole world's frame; in the world's order once sorted by adjudication date and claim id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from denial_ml.data.io import WorldIOError
from denial_ml.engine.partitions import CLAIM_TABLES
from denial_ml.engine.paths import (
    World,
    exists,
    is_table_dir,
    join,
    part_names,
    read_file,
    read_world_tables,
    table_files,
)
from denial_ml.engine.snapshot import PartSnapshot, patient_snapshot, snapshot_of_tables
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.snapshot import REFERENCE_TABLES, Snapshot
from denial_ml.schemas import validate_table
from denial_ml.triage.denials import decided_appeals, denied_claims, overturn_history
from denial_ml.triage.features import assemble_frame, denial_claim_features
from denial_ml.triage.payment import Prices, paid_lines, payment_from_book, price_book, priced_lines

if TYPE_CHECKING:
    from distributed import Client, Future

PART_TABLES = (*CLAIM_TABLES, "remarks", "appeals")  # per claim: in the claim's part
WHOLE_TABLES = ("payers",)  # read whole by every part
FRAME_ORDER = ["adjudication_date", "claim_id"]  # `denied_claims`' order: the world's frame in this order


def read_world_part(world: World, part: str, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The tables `names` of one part (a folder or an fsspec URL, read by the worker itself), validated as
    `read_tables` validates them; a table the world keeps in one file, such as payers, is read whole.

    Raises:
        WorldIOError: a table is missing, or a partitioned table lacks this part.
    """
    tables = {}
    for name in names:
        if is_table_dir(world, name):
            path = join(world, name, part)
            if not exists(path):
                raise WorldIOError(f"table {name!r} lacks part {part!r} in {str(join(world, name))!r}")
            tables[name] = validate_table(name, read_file(path))
        else:
            tables[name] = read_world_tables(world, [name])[name]
    return tables


@dataclass
class DenialPiece:
    """A part's denials with what they need from the part alone (made on a worker)."""

    denials: pd.DataFrame
    charges: np.ndarray
    features: pd.DataFrame
    lines: pd.DataFrame  # `priced_lines`
    paid: pd.DataFrame  # `paid_lines` (the world's prices are the medians of every part's)
    decided: pd.DataFrame  # `decided_appeals` of the part's denials


def denial_piece(part: dict[str, pd.DataFrame], shared: Snapshot, reference: dict[str, pd.DataFrame]) -> DenialPiece:
    """A part's denials, their claim features (the world's shared indexes with the part's own patient indexes,
    `patient_snapshot`), lines to price, paid lines and decided appeals."""
    builder = FeatureBuilder().fit_snapshot(patient_snapshot(shared, {**reference, **part}))
    denials = denied_claims(part)
    charges, features = denial_claim_features(part, denials, builder)
    return DenialPiece(
        denials, charges, features, priced_lines(part, denials), paid_lines(part), decided_appeals(part, denials)
    )


def piece_frame(piece: DenialPiece, book: dict[pd.Timestamp, Prices], decided: pd.DataFrame) -> pd.DataFrame:
    """A part's rows of the triage frame, with the world's prices and decided appeals."""
    history = overturn_history(piece.denials, decided)
    payment = payment_from_book(book, piece.lines, piece.denials)
    return assemble_frame(piece.denials, piece.charges, piece.features, history, payment)


def book_from_parts(cutoffs: np.ndarray, *paid: pd.DataFrame) -> dict[pd.Timestamp, Prices]:
    """The prices at `cutoffs` from every part's paid lines (runs on one worker)."""
    return price_book(pd.concat(paid, ignore_index=True), cutoffs)


def concat(*frames: pd.DataFrame) -> pd.DataFrame:
    """Frames of the parts, one after the other."""
    return pd.concat(frames, ignore_index=True)


@dataclass
class DistributedFrame:
    """The triage frame of a world, one future per part, and the builder fitted on the world's snapshot."""

    parts: list[Future]  # the parts' tables (`read_world_part`)
    frames: list[Future]  # the parts' rows of the frame (`piece_frame`)
    builder: FeatureBuilder


def distributed_frame(client: Client, world: World) -> DistributedFrame:
    """Build the triage frame of a world folder on the cluster, part by part (see the module's docstring).

    Raises:
        WorldIOError, TableValidationError: a table cannot be read (raised from the worker that reads it).
    """
    names = part_names(world)
    reference = read_world_tables(world, REFERENCE_TABLES)
    parts = client.map(read_world_part, [world] * len(names), names, names=(*PART_TABLES, *WHOLE_TABLES), pure=False)
    whole = client.scatter(reference, broadcast=True)
    snapshot: PartSnapshot = snapshot_of_tables(client, client.map(_claim_tables, parts, reference=whole), reference)
    builder = FeatureBuilder().fit_snapshot(snapshot.snapshot)
    shared = client.scatter(snapshot.shared(), broadcast=True)
    pieces = client.map(denial_piece, parts, shared=shared, reference=whole)
    cutoffs = np.unique(np.concatenate(client.gather(client.map(_cutoffs, pieces))))
    book = client.submit(book_from_parts, cutoffs, *client.map(_paid, pieces))
    decided = client.submit(concat, *client.map(_decided, pieces))
    frames = client.map(piece_frame, pieces, book=book, decided=decided)
    return DistributedFrame(parts, frames, builder)


def _claim_tables(part: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {**reference, **{name: part[name] for name in CLAIM_TABLES}}


def _cutoffs(piece: DenialPiece) -> np.ndarray:
    return np.unique(piece.lines["cutoff"].to_numpy(dtype="datetime64[ns]"))


def _paid(piece: DenialPiece) -> pd.DataFrame:
    return piece.paid


def _decided(piece: DenialPiece) -> pd.DataFrame:
    return piece.decided


def training_inputs(
    client: Client, world: World
) -> tuple[pd.DataFrame, FeatureBuilder, pd.DataFrame, pd.DataFrame | None]:
    """What `triage.train.train_on_frame` needs of a world, built on the cluster: the triage frame (gathered: the
    recovery model is fitted in one process), the builder, and the appeals and truth rows of the denied claims.

    Returns:
        `(frame, builder, appeals, truth)`; truth None when the world has none.
    """
    dist = distributed_frame(client, world)
    frame = concat(*client.gather(dist.frames)).sort_values(FRAME_ORDER, kind="stable", ignore_index=True)
    appeals = concat(*client.gather(client.map(_appeals_of, dist.parts, dist.frames)))
    truth = None
    if table_files(world, "truth"):
        names = part_names(world)
        truth = concat(*client.gather(client.map(_truth_of, [world] * len(names), names, dist.frames, pure=False)))
    return frame, dist.builder, appeals, truth


def _appeals_of(part: dict[str, pd.DataFrame], frame: pd.DataFrame) -> pd.DataFrame:
    appeals = part["appeals"]
    return appeals[appeals["claim_id"].isin(frame["claim_id"])]


def _truth_of(world: World, part: str, frame: pd.DataFrame) -> pd.DataFrame:
    truth = read_world_part(world, part, ("truth",))["truth"]
    return truth[truth["claim_id"].isin(frame["claim_id"])]
