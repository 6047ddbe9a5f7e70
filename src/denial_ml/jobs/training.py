"""Job: a training run of the denial-risk model: labels -> features -> models -> evaluation -> bundle, and
`train_and_log`, the same run read from a world folder and logged to MLflow."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from denial_ml.config import Settings
from denial_ml.data.io import WorldIOError, read_tables
from denial_ml.engine.cluster import check_engine
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.chunks import transform_in_chunks
from denial_ml.ingest.csv_complete import complete_world
from denial_ml.jobs.training_finish import Progress, TrainingRows, fingerprint, finish_training
from denial_ml.labels import label_claims
from denial_ml.modeling.result import TrainingResult
from denial_ml.modeling.train import assign_periods, train_denial_model

log = logging.getLogger(__name__)


def labelled_claims(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Adjudicated claims with their denial label and category."""
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    return tables["claims"].merge(labels[["claim_id", "denied", "denial_category"]], on="claim_id")


def run_training(
    tables: dict[str, pd.DataFrame],
    out_dir: Path,
    name: str = "denial-risk",
    review_capacity: int = 200,
    progress: Progress | None = None,
) -> TrainingResult:
    """Train, evaluate and write a bundle to `out_dir/name` (written whole, then moved into place)."""
    step = progress or (lambda _s: None)
    step("labels and features")
    claims = labelled_claims(tables)
    builder = FeatureBuilder().fit(tables)
    X = transform_in_chunks(builder, claims, tables["claim_lines"])
    y = claims["denied"].to_numpy(dtype=int)
    period, bounds = assign_periods(claims["submission_date"])
    n_rows = {p: int((period == p).sum()) for p in ("train", "valid", "calib", "test")}
    rows = TrainingRows(claims, X, y, period, bounds, n_rows, int(y.sum()), fingerprint(claims))

    step("denial model")
    booster, calibrator = train_denial_model(X, y, period)
    return finish_training(rows, tables, builder, (booster, calibrator), out_dir, name, review_capacity, step)


def train_and_log(
    data: Path,
    out: Path,
    settings: Settings,
    track: bool = True,
    progress: Progress | None = None,
    engine: str = "local",
) -> tuple[TrainingResult, str | None]:
    """Train on a world folder and log the run to MLflow (registered under the settings' model name).

    Args:
        data: World folder (Parquet tables).
        out: Folder for model bundles.
        settings: Review capacity, tracking URI and registered model name.
        track: Log to MLflow (False: only the bundle is written).
        progress: Called with each step's name as it starts; steps are logged too.
        engine: "local" (one process) or "dask" (the cluster of the settings' `dask_*`: `run_training_dask`).

    Returns:
        The run's result and its MLflow run id (None without tracking).
    """

    def step(name: str) -> None:
        log.info("train: %s", name)
        if progress is not None:
            progress(name)

    if check_engine(engine) == "dask":
        from denial_ml.jobs.training_dask import cluster_spec, run_training_dask

        result = run_training_dask(
            data, out, cluster_spec(settings), review_capacity=settings.review_capacity, progress=step
        )
    else:
        try:
            tables = complete_world(read_tables(data))  # absent tables empty or derived, never a KeyError
        except ValueError as exc:
            raise WorldIOError(str(exc)) from None
        result = run_training(tables, out, review_capacity=settings.review_capacity, progress=step)
    if not track:
        return result, None
    from denial_ml.modeling.tracking import log_training_run  # MLflow's import is slow; only when tracking

    step("logging to MLflow")
    run_id = log_training_run(
        result, settings.tracking_uri, registered_name=settings.registry_model_name, data_dir=data
    )
    return result, run_id
