"""Training rows built on the workers: each part's labelled claims, their features and their periods.

`FeatureBuilder.transform` is a pure function of (claims, lines) given its snapshot, so each part's rows are the
rows the whole world's transform gives its claims (the test compares them to the bit). The periods need the
submission-date quantiles of all labelled claims: only the dates come to the client, the edges go back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from denial_ml.engine.snapshot import PartSnapshot, part_snapshot
from denial_ml.features.build import FeatureBuilder
from denial_ml.labels import label_claims
from denial_ml.modeling.train import period_bounds, period_edges, periods_from_edges

if TYPE_CHECKING:
    from distributed import Client, Future

LABEL = "_denied"  # extra columns of a part's rows beside the features
PERIOD = "_period"
LOGREG_ROWS = 200_000  # train rows the client gets for the logistic-regression baseline (it samples as many)
SAMPLE_SCALE = 1 << 20


def labelled_part(part: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A part's adjudicated claims with their denial label and category (as `jobs.training.labelled_claims`)."""
    labels = label_claims(part["remittances"], part["remittance_lines"], part["adjustments"])
    return part["claims"].merge(labels[["claim_id", "denied", "denial_category"]], on="claim_id")


def submission_dates(claims: pd.DataFrame) -> np.ndarray:
    """The claims' submission dates (datetime64), what the client needs of them to cut the periods."""
    return pd.to_datetime(claims["submission_date"]).to_numpy()


def part_rows(
    shared: FeatureBuilder, sums: dict[str, pd.DataFrame], claims: pd.DataFrame, lines: pd.DataFrame, edges: list
) -> pd.DataFrame:
    """A part's training rows: the features, the label and the period of each claim.

    Args:
        shared: A builder fitted on the world's shared indexes (`PartSnapshot.shared`).
        sums: The part's (key, day) sums (`part_sums`), for its patients' indexes.
        claims: The part's labelled claims. lines: Their lines. edges: The periods' `period_edges`.
    """
    builder = FeatureBuilder(shared.smoothing, shared.recent_days).fit_snapshot(part_snapshot(shared.snapshot_, sums))
    rows = builder.transform(claims, lines)
    rows[LABEL] = claims["denied"].to_numpy(dtype=int)
    rows[PERIOD] = periods_from_edges(claims["submission_date"], edges)
    return rows


def claim_hashes(claims: pd.DataFrame) -> np.ndarray:
    """Each claim's hash of what the bundle's data fingerprint covers (`jobs.training._fingerprint`)."""
    return pd.util.hash_pandas_object(claims[["claim_id", "submission_date", "total_charge"]], index=False).to_numpy()


def evaluation_part(claims: pd.DataFrame, rows: pd.DataFrame, train_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of a part the client evaluates on: every row outside the train period, the denied train rows (the
    category model's) and a `train_share` sample of the other train rows (the linear baseline's, by claim id so
    that it does not depend on how the world was split)."""
    sample = (pd.util.hash_array(claims["claim_id"].to_numpy(dtype=object)) % SAMPLE_SCALE) < train_share * SAMPLE_SCALE
    keep = (rows[PERIOD] != "train").to_numpy() | (rows[LABEL] == 1).to_numpy() | sample
    return claims[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)


@dataclass
class DistributedRows:
    """A world's training rows held on the workers, one future per part."""

    claims: list[Future]  # labelled claims
    rows: list[Future]  # features + LABEL + PERIOD
    edges: list  # period edges (`period_edges`)
    bounds: dict  # {period: [first date, last date]}
    n_rows: dict[str, int]  # rows per period


def distributed_rows(client: Client, snapshot: PartSnapshot, parts: list[Future]) -> DistributedRows:
    """Label the parts and build their features on the workers.

    Args:
        client: The Dask client.
        snapshot: The world's snapshot and its parts' sums (`snapshot_from_parts`); the shared indexes are sent to
            every worker once.
        parts: Futures of the world's parts (`read_part`).
    """
    claims = client.map(labelled_part, parts)
    dates = pd.Series(np.concatenate(client.gather(client.map(submission_dates, claims))))
    edges = period_edges(dates)
    period = periods_from_edges(dates, edges)
    counts = {p: int((period == p).sum()) for p in ("train", "valid", "calib", "test")}
    shared = client.scatter(FeatureBuilder().fit_snapshot(snapshot.shared()), broadcast=True)
    lines = client.map(_lines, parts)
    rows = client.map(part_rows, [shared] * len(parts), snapshot.sums, claims, lines, edges=edges)
    return DistributedRows(claims, rows, edges, period_bounds(dates, period), counts)


def gather_evaluation(client: Client, dist: DistributedRows) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evaluation rows of every part (`evaluation_part`), concatenated on the client."""
    share = min(1.0, LOGREG_ROWS / max(1, dist.n_rows["train"]))
    pieces = client.gather(client.map(evaluation_part, dist.claims, dist.rows, train_share=share))
    claims = pd.concat([c for c, _ in pieces], ignore_index=True)
    rows = pd.concat([r for _, r in pieces], ignore_index=True)
    return claims, rows


def data_fingerprint(client: Client, dist: DistributedRows) -> str:
    """The bundle's data fingerprint over every labelled claim, part by part (parts in order)."""
    import hashlib

    hashed = np.concatenate(client.gather(client.map(claim_hashes, dist.claims)))
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def _lines(part: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return part["claim_lines"]
