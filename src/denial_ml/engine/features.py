"""Training rows built on the workers: each part's labelled claims, their features and their periods.

`FeatureBuilder.transform` is a pure function of (claims, lines) given its snapshot, so each part's rows are the
rows the whole world's transform gives its claims (the test compares them to the bit, as float32). The periods
need the submission-date quantiles of all labelled claims: only the dates (with each claim's label and hash, for
the counts and the data fingerprint) come to the client, the edges go back.

What a worker keeps after a part's task: the part's rows of the periods the denial model is fitted on (train and
valid), as float32 (LightGBM bins its features anyway), and nothing else; the part's tables, labels and patient
indexes are dropped when its task ends. What the client gets: the evaluation rows, at most `EVAL_ROWS` of each
evaluation set, sampled by claim id past that (`evaluation_shares`), so its memory does not grow with the world.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from denial_ml.engine.partitions import read_part
from denial_ml.engine.snapshot import PartSnapshot, labelled_part, patient_snapshot
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.snapshot import Snapshot
from denial_ml.modeling.train import PERIODS, period_bounds, period_edges, periods_from_edges

if TYPE_CHECKING:
    from distributed import Client, Future

LABEL = "_denied"  # extra columns of a part's rows beside the features
PERIOD = "_period"
FIT_PERIODS = ("train", "valid")  # the rows the workers keep: the denial model's fits use no others
LOGREG_ROWS = 200_000  # train rows the client gets for the logistic-regression baseline (it samples as many)
EVAL_ROWS = 300_000  # at most this many rows of each evaluation set come to the client (sampled by claim id past it)
SAMPLE_SCALE = 1 << 20
FEATURE_DTYPE = np.float32


def compact_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Feature rows with their numbers as float32 (categoricals kept)."""
    numbers = [c for c in rows.columns if not isinstance(rows[c].dtype, pd.CategoricalDtype)]
    return rows.astype(dict.fromkeys(numbers, FEATURE_DTYPE))


def part_rows(
    folder: Path, part: int, n_parts: int, shared: Snapshot, edges: list, shares: dict[str, float]
) -> tuple[dict[str, tuple[pd.DataFrame, pd.Series]], pd.DataFrame, pd.DataFrame]:
    """A part's rows (runs on a worker): read the part, label it, build its features.

    Args:
        folder: The world folder. part, n_parts: Which part of how many (`read_part`).
        shared: The world's snapshot without the patients' indexes and reference rows (`PartSnapshot.shared`).
        edges: The periods' `period_edges`. shares: `evaluation_shares`.

    Returns:
        {period: (features, labels)} of `FIT_PERIODS`, and the evaluation claims and their rows (features,
        `LABEL`, `PERIOD`).
    """
    tables = {**shared.reference, **read_part(folder, part, n_parts)}
    claims = labelled_part(tables)
    builder = FeatureBuilder().fit_snapshot(patient_snapshot(shared, tables))
    rows = compact_rows(builder.transform(claims, tables["claim_lines"]))
    del tables, builder
    rows[LABEL] = claims["denied"].to_numpy(dtype=np.int8)
    rows[PERIOD] = pd.Categorical(periods_from_edges(claims["submission_date"], edges), categories=list(PERIODS))
    keep = evaluation_mask(claims, rows, shares)
    features = [c for c in rows.columns if c not in (LABEL, PERIOD)]
    fit = {}
    for p in FIT_PERIODS:  # features and labels apart: the fits take them as they are, with no copy of the rows
        mask = (rows[PERIOD] == p).to_numpy()
        fit[p] = (rows.loc[mask, features].reset_index(drop=True), rows.loc[mask, LABEL].reset_index(drop=True))
    return fit, claims[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)


def evaluation_shares(n_rows: dict[str, int], n_denied_train: int) -> dict[str, float]:
    """The share of each evaluation set that comes to the client: all of it up to `EVAL_ROWS` rows.

    Sets: the valid, calib and test periods; the denied train rows (the category model's); `train`: the other
    train rows, a `LOGREG_ROWS` sample for the linear baseline.
    """
    shares = {p: min(1.0, EVAL_ROWS / max(1, n_rows.get(p, 0))) for p in ("valid", "calib", "test")}
    shares["denied_train"] = min(1.0, EVAL_ROWS / max(1, n_denied_train))
    shares["train"] = min(1.0, LOGREG_ROWS / max(1, n_rows.get("train", 0)))
    return shares


def evaluation_mask(claims: pd.DataFrame, rows: pd.DataFrame, shares: dict[str, float]) -> np.ndarray:
    """Which rows of a part the client evaluates on: each set's `shares`, sampled by a hash of the claim id (so
    that it does not depend on how the world was split)."""
    draw = (pd.util.hash_array(claims["claim_id"].to_numpy(dtype=object)) % SAMPLE_SCALE) / SAMPLE_SCALE
    period = rows[PERIOD].to_numpy(dtype=object)
    denied_train = (period == "train") & (rows[LABEL] == 1).to_numpy()
    share = np.array(pd.Series(period).map(shares), dtype=float)
    share[denied_train] = shares["denied_train"]
    # A denied train row is also in the linear baseline's sample when its draw is under the train share.
    return (draw < share) | (denied_train & (draw < shares["train"]))


@dataclass
class DistributedRows:
    """A world's training rows held on the workers, one future per part, and what the client evaluates on."""

    rows: dict[str, tuple[list[Future], list[Future]]]  # {period of FIT_PERIODS: (features, labels) per part}
    claims: pd.DataFrame  # the evaluation claims
    eval_rows: pd.DataFrame  # their rows
    edges: list  # period edges (`period_edges`)
    bounds: dict  # {period: [first date, last date]}
    n_rows: dict[str, int]  # rows per period
    n_denied: int
    fingerprint: str
    shares: dict[str, float] = field(default_factory=dict)  # `evaluation_shares`: 1.0 where nothing is sampled


def distributed_rows(client: Client, folder: Path, n_parts: int, snapshot: PartSnapshot) -> DistributedRows:
    """Label the parts and build their features on the workers; the evaluation rows to the client.

    Args:
        client: The Dask client.
        folder: The world folder. n_parts: How many parts it is read in.
        snapshot: The world's snapshot and its claims' facts (`snapshot_from_parts`); the shared indexes are sent
            to every worker once.
    """
    facts = pd.concat(snapshot.facts, ignore_index=True)
    dates = pd.Series(facts["date"])
    edges = period_edges(dates)
    period = periods_from_edges(dates, edges)
    counts = {p: int((period == p).sum()) for p in PERIODS}
    denied = facts["denied"].to_numpy()
    shares = evaluation_shares(counts, int(denied[period == "train"].sum()))
    fingerprint = hashlib.sha256(facts["hash"].to_numpy().tobytes()).hexdigest()
    bounds = period_bounds(dates, period)
    del facts, dates, period
    shared = client.scatter(snapshot.shared(), broadcast=True)
    results = client.map(
        part_rows, [folder] * n_parts, range(n_parts), n_parts=n_parts, shared=shared, edges=edges, shares=shares
    )
    rows = {
        p: (client.map(_fit, results, period=p, i=0), client.map(_fit, results, period=p, i=1)) for p in FIT_PERIODS
    }
    evaluation = client.map(_evaluation, results)
    del results
    pieces = []
    while evaluation:  # one part's evaluation rows at a time, each released on its worker once here
        pieces.append(evaluation.pop(0).result())
    claims = pd.concat([c for c, _ in pieces], ignore_index=True)
    eval_rows = pd.concat([r for _, r in pieces], ignore_index=True)
    return DistributedRows(rows, claims, eval_rows, edges, bounds, counts, int(denied.sum()), fingerprint, shares)


def _fit(result: tuple, period: str, i: int) -> object:
    return result[0][period][i]


def _evaluation(result: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    return result[1], result[2]
