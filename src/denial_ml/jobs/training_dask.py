"""Job: the denial-risk model's training run on a Dask cluster (`denial-ml train --engine dask`).

The workers read the world in parts (by patient), build the history snapshot from the parts' summed events,
build every claim's features and train the denial model with `lightgbm.dask`. The client gets the snapshot (the
bundle carries it), the claims' submission dates (to cut the periods) and the rows the evaluation needs (every
row after the train period, the denied train rows and a sample of the others for the linear baseline); the
category model, the calibration, the evaluation and the bundle are the single-process code's
(`finish_training`).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from denial_ml.artifacts.calibration import fit_calibration
from denial_ml.config import Settings
from denial_ml.engine.cluster import ClusterSpec, open_client
from denial_ml.engine.features import LABEL, PERIOD, data_fingerprint, distributed_rows, gather_evaluation
from denial_ml.engine.partitions import part_count, read_part, read_reference, read_rows, table_path
from denial_ml.engine.snapshot import snapshot_from_parts
from denial_ml.engine.training import MAX_ROUNDS, feature_matrix, rows_frame, train_denial_dask
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
    step = progress or (lambda _s: None)
    n_parts = part_count(data, spec.workers)  # a folder without the tables fails here, before a cluster starts
    with open_client(spec) as client:
        step(f"reading the world in {n_parts} parts")
        parts = client.map(read_part, [data] * n_parts, range(n_parts), n_parts=n_parts)
        reference = read_reference(data)
        step("history snapshot")
        snapshot = snapshot_from_parts(client, parts, reference)
        builder = FeatureBuilder().fit_snapshot(snapshot.snapshot)
        step("labels and features")
        dist = distributed_rows(client, snapshot, parts)
        del parts
        snapshot.sums = []
        claims, rows = gather_evaluation(client, dist)
        fingerprint = data_fingerprint(client, dist)
        n_denied = int(sum(client.gather(client.map(_denied, dist.rows))))
        dist.claims = []  # the workers keep only the training rows from here on
        meta = rows.iloc[:0]
        X = rows.drop(columns=[LABEL, PERIOD])
        y, period = rows[LABEL].to_numpy(dtype=int), rows[PERIOD].to_numpy(dtype=object)
        del rows
        va = period == "valid"
        step("denial model")
        booster, picked = train_denial_dask(
            client, rows_frame(dist.rows, meta), (feature_matrix(X[va]), y[va]), max_rounds=max_rounds
        )
        log.info("train: %d rounds picked on the valid period, refit with %d", picked, booster.best_iteration)
    ca = period == "calib"
    raw = np.asarray(booster.predict(X[ca], num_iteration=booster.best_iteration))
    calibrator = fit_calibration(raw, y[ca])
    tables = {**reference, **evaluation_truth(data, claims)}
    rows_ = TrainingRows(claims, X, y, period, dist.bounds, dist.n_rows, n_denied, fingerprint)
    return finish_training(rows_, tables, builder, (booster, calibrator), out_dir, name, review_capacity, step)


def cluster_spec(settings: Settings) -> ClusterSpec:
    """The cluster the settings name (`dask_scheduler`, else a local one of `dask_workers` x `dask_memory_limit`)."""
    return ClusterSpec(
        scheduler=settings.dask_scheduler, workers=settings.dask_workers, memory_limit=settings.dask_memory_limit
    )


def evaluation_truth(data: Path, claims: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The synthetic truth of the evaluated claims, when the world has it ({} otherwise)."""
    if not (data / "truth.parquet").exists():
        return {}
    ids = pa.array(claims["claim_id"].to_numpy(dtype=object), type=pa.string())
    return {"truth": read_rows(table_path(data, "truth"), lambda b: pc.is_in(b.column("claim_id"), value_set=ids))}


def _denied(rows: pd.DataFrame) -> int:
    return int(rows[LABEL].sum())
