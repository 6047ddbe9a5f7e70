"""Job: a training run of the denial-risk model: labels -> features -> models -> evaluation -> bundle, and
`train_and_log`, the same run read from a world folder and logged to MLflow."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import denial_ml
from denial_ml.config import Settings
from denial_ml.data.io import WorldIOError, read_tables
from denial_ml.explain.accuracy import truth_explanation_metrics
from denial_ml.explain.summary import save_global_explanations
from denial_ml.features.build import FeatureBuilder
from denial_ml.ingest.csv_complete import complete_world
from denial_ml.labels import label_claims
from denial_ml.modeling import evaluate
from denial_ml.modeling.baselines import baseline_scores, category_metrics
from denial_ml.modeling.bundle import DenialBundle, save_bundle
from denial_ml.modeling.gates import gate_run
from denial_ml.modeling.model_card import card_slices, write_model_card
from denial_ml.modeling.result import TrainingResult
from denial_ml.modeling.train import DENIAL_PARAMS, assign_periods, train_category_model, train_denial_model

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


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
    X = builder.transform(claims, tables["claim_lines"])
    y = claims["denied"].to_numpy(dtype=int)
    period, bounds = assign_periods(claims["submission_date"])

    step("denial model")
    booster, calibrator = train_denial_model(X, y, period)
    step("category model")
    cat_model = train_category_model(X, claims["denial_category"], period)

    step("evaluation")
    te = period == "test"
    raw = np.asarray(booster.predict(X[te], num_iteration=booster.best_iteration))
    risk = calibrator.apply(raw)
    scores = {"lightgbm": risk, **baseline_scores(tables, claims, X, y, period)}
    test_metrics: dict[str, Any] = dict(evaluate.binary_metrics(y[te], risk))
    test_metrics["precision_at_k"] = evaluate.precision_at_k_per_day(
        y[te], risk, claims.loc[te, "submission_date"].to_numpy(), review_capacity
    )
    test_metrics["review_capacity_k"] = review_capacity
    test_metrics["baselines"] = {k: evaluate.binary_metrics(y[te], v) for k, v in scores.items() if k != "lightgbm"}
    if "truth" in scores:
        test_metrics["truth_roc_auc"] = test_metrics["baselines"]["truth"]["roc_auc"]
        test_metrics["truth_pr_auc"] = test_metrics["baselines"]["truth"]["pr_auc"]
    payer_type = claims["payer_id"].map(tables["payers"].set_index("payer_id")["payer_type"]).to_numpy()
    test_metrics["by_payer_type"] = evaluate.slice_metrics(y[te], risk, payer_type[te])
    test_metrics.update(category_metrics(cat_model, X[te], claims.loc[te, "denial_category"]))
    if "truth" in tables:
        test_metrics.update(
            truth_explanation_metrics(tables["truth"], booster, cat_model, X[te], claims.loc[te, "claim_id"], y[te])
        )
    test_metrics["intervals"], gate = gate_run(y[te], scores, len(claims), int(y.sum()))
    metrics = {
        "gate": gate,
        "test": test_metrics,
        "n_rows": {p: int((period == p).sum()) for p in ("train", "valid", "calib", "test")},
        "best_iteration": int(booster.best_iteration),
        "slices": card_slices(claims[te], tables, y[te], risk),  # the model card's groups
    }

    step("bundle")
    booster.best_iteration = booster.best_iteration or booster.current_iteration()
    contents = DenialBundle(
        builder, booster, cat_model, calibrator, metrics, _bundle_metadata(name, bounds, claims, metrics)
    )
    bundle = _write_bundle(out_dir / name, contents, _Reports(y[te], scores, X[te]))
    params = {**DENIAL_PARAMS, "n_features": X.shape[1], "review_capacity": review_capacity}
    test_frame = pd.DataFrame({"claim_id": claims.loc[te, "claim_id"].to_numpy(), "denied": y[te], "risk": risk})
    return TrainingResult(bundle=bundle, metrics=metrics, params=params, X_sample=X.head(5), test_frame=test_frame)


def train_and_log(
    data: Path, out: Path, settings: Settings, track: bool = True, progress: Progress | None = None
) -> tuple[TrainingResult, str | None]:
    """Train on a world folder and log the run to MLflow (registered under the settings' model name).

    Args:
        data: World folder (Parquet tables).
        out: Folder for model bundles.
        settings: Review capacity, tracking URI and registered model name.
        track: Log to MLflow (False: only the bundle is written).
        progress: Called with each step's name as it starts; steps are logged too.

    Returns:
        The run's result and its MLflow run id (None without tracking).
    """

    def step(name: str) -> None:
        log.info("train: %s", name)
        if progress is not None:
            progress(name)

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


def _fingerprint(claims: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(claims[["claim_id", "submission_date", "total_charge"]], index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


@dataclass
class _Reports:
    """The test-period inputs of the plots and global explanations a bundle carries."""

    y_test: np.ndarray
    scores: dict[str, np.ndarray]
    X_test: pd.DataFrame


def _bundle_metadata(name: str, bounds: dict, claims: pd.DataFrame, metrics: dict) -> dict:
    """What a bundle records about its training run (format, kind and checksums are added on writing)."""
    return {
        "name": name,
        "package_version": denial_ml.__version__,
        "periods": bounds,
        "training_period": [bounds["train"][0], bounds["valid"][1]],
        "data_fingerprint": _fingerprint(claims),
        "n_claims": int(len(claims)),
        "lightgbm_version": __import__("lightgbm").__version__,
        "for_use": metrics["gate"]["for_use"],  # the quality gate (modeling.gates): promote refuses False
        "gate": metrics["gate"],
    }


def _write_bundle(target: Path, contents: DenialBundle, reports: _Reports) -> Path:
    """Write the bundle with its plots and global explanations, which need the evaluation's test rows."""

    def write_reports(folder: Path) -> None:
        evaluate.save_plots(reports.y_test, reports.scores, folder / "plots")
        save_global_explanations(contents.denial_model, reports.X_test, folder / "explain")
        write_model_card(folder, contents.metrics, contents.metadata)

    return save_bundle(contents, target, extras=write_reports)
