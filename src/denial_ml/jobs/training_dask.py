"""Job: the denial-risk model's training run on a Dask cluster (`denial-ml train --engine dask`).

The workers read the world in parts (by patient), build the history snapshot from the parts' summed events,
build every claim's features and train the denial model with `lightgbm.dask`, each part read once per pass and
dropped when its task ends: a worker keeps only its parts' train and valid rows (float32). The client gets the
snapshot (the bundle carries it), the claims' submission dates, labels and hashes (the periods, counts and data
fingerprint) and the rows the evaluation needs: the valid, calib and test periods, the denied train rows (the
category model's) and a 200,000-row train sample for the linear baseline, each set whole up to
`engine.features.EVAL_ROWS` rows and sampled by claim id past it (the shares are logged and in the result's
`evaluation_sample`; the counts, periods and fingerprint are always the whole world's). The category model, the
calibration, the evaluation and the bundle are the single-process code's (`finish_training`).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from denial_ml.artifacts.calibration import fit_calibration
from denial_ml.config import Settings
from denial_ml.data.io import table_parts
from denial_ml.engine.cluster import ClusterSpec, open_client
from denial_ml.engine.features import LABEL, PERIOD, distributed_rows
from denial_ml.engine.partitions import part_count, partitioned, read_reference, read_rows
from denial_ml.engine.snapshot import snapshot_from_parts
from denial_ml.engine.training import MAX_ROUNDS, feature_matrix, train_denial_dask
from denial_ml.features.build import FeatureBuilder
from denial_ml.jobs.training_finish import Progress, TrainingRows, finish_training
from denial_ml.modeling.result import TrainingResult

log = logging.getLogger(__name__)


def run_training_dask(
    data: Path,
    out_dir: Path,
    spec: ClusterSpec,
    name: str = "denial-risk",
    review_capacity: int = 200,
    progress: Progress | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> TrainingResult:
    """Train on a world folder with the dask engine; evaluate and write the bundle as `run_training` does.

    Args:
        data: World folder (one Parquet file per table).
        out_dir: Folder for model bundles.
        spec: The cluster to start or connect to.
        name: Bundle name. review_capacity: Claims a day the precision-at-k figure assumes.
        progress: Called with each step's name as it starts.
        max_rounds: Rounds of the denial model's first fit (`train_denial_dask`).
    """
    n_parts = part_count(data, spec.workers)  # a folder without the tables fails here, before a cluster starts
    # The workers write the snapshot's patient parts beside the bundle (a disk they share with the client); the
    # bundle links or copies them in, and the folder goes when the run ends.
    out_dir.mkdir(parents=True, exist_ok=True)
    store = Path(tempfile.mkdtemp(prefix=f".{name}-patients-", dir=out_dir))
    try:
        return train_in_parts(data, out_dir, spec, (name, review_capacity), (n_parts, store), progress, max_rounds)
    finally:
        shutil.rmtree(store, ignore_errors=True)


def train_in_parts(
    data: Path,
    out_dir: Path,
    spec: ClusterSpec,
    naming: tuple[str, int],
    parts: tuple[int, Path],
    progress: Progress | None,
    max_rounds: int,
) -> TrainingResult:
    """`run_training_dask` with the world read in `parts` = (how many parts, the folder their patient parts go to);
    `naming` = (bundle name, review capacity)."""
    step = progress or (lambda _s: None)
    (name, review_capacity), (n_parts, store) = naming, parts
    reference = read_reference(data)
    with open_client(spec) as client:
        step(f"history snapshot ({n_parts} parts)")
        snapshot = snapshot_from_parts(client, data, n_parts, reference, store)
        builder = FeatureBuilder().fit_snapshot(snapshot.snapshot)
        step("labels and features")
        dist = distributed_rows(client, data, n_parts, snapshot)
        del snapshot
        claims, rows = dist.claims, dist.eval_rows
        X = rows.drop(columns=[LABEL, PERIOD])
        y, period = rows[LABEL].to_numpy(dtype=int), rows[PERIOD].to_numpy(dtype=object)
        meta, dist.eval_rows = rows.iloc[:0], rows.iloc[:0]
        del rows
        va = period == "valid"
        step("denial model")
        booster, picked = train_denial_dask(client, dist.rows, meta, (feature_matrix(X[va]), y[va]), max_rounds)
        dist.rows = {}  # the workers drop the rows before the cluster stops
        log.info("train: %d rounds picked on the valid period, refit with %d", picked, booster.best_iteration)
    ca = period == "calib"
    raw = np.asarray(booster.predict(X[ca], num_iteration=booster.best_iteration))
    calibrator = fit_calibration(raw, y[ca])
    tables = {**reference, **evaluation_truth(data, claims)}
    sampled = {k: round(v, 4) for k, v in dist.shares.items() if v < 1 and k != "train"}
    if sampled:
        log.warning("train: evaluation sets sampled (share of each set the client evaluated on): %s", sampled)
    rows_ = TrainingRows(claims, X, y, period, dist.bounds, dist.n_rows, dist.n_denied, dist.fingerprint, sampled)
    return finish_training(rows_, tables, builder, (booster, calibrator), out_dir, name, review_capacity, step)


def cluster_spec(settings: Settings) -> ClusterSpec:
    """The cluster the settings name (`dask_scheduler`, else a local one of `dask_workers` x `dask_memory_limit`)."""
    return ClusterSpec(
        scheduler=settings.dask_scheduler, workers=settings.dask_workers, memory_limit=settings.dask_memory_limit
    )


def evaluation_truth(data: Path, claims: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The synthetic truth of the evaluated claims, when the world has it ({} otherwise)."""
    files = table_parts(data, "truth") if partitioned(data) else [data / "truth.parquet"]
    if not files or not files[0].exists():
        return {}
    ids = pa.array(claims["claim_id"].to_numpy(dtype=object), type=pa.string())
    keep = lambda b: pc.is_in(b.column("claim_id"), value_set=ids)  # noqa: E731
    return {"truth": pd.concat([read_rows(f, keep) for f in files], ignore_index=True)}
