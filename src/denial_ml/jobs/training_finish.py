"""The end of a denial-model training run, whatever engine trained the model: the category model, the
evaluation on the test period and the bundle."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

import denial_ml
from denial_ml.artifacts.calibration import Calibration
from denial_ml.explain.accuracy import truth_explanation_metrics
from denial_ml.explain.summary import save_global_explanations
from denial_ml.features.build import FeatureBuilder
from denial_ml.modeling import evaluate
from denial_ml.modeling.baselines import baseline_scores, category_metrics
from denial_ml.modeling.bundle import DenialBundle, save_bundle
from denial_ml.modeling.gates import gate_run
from denial_ml.modeling.model_card import card_slices, write_model_card
from denial_ml.modeling.result import TrainingResult
from denial_ml.modeling.train import DENIAL_PARAMS, train_category_model

Progress = Callable[[str], None]


@dataclass
class TrainingRows:
    """The rows a run evaluates on, and what it records of all its rows.

    Attributes:
        claims: Labelled claims (all of them, or the subset `X` holds). X, y, period: Their features, labels and
            periods. bounds: {period: [first date, last date]} of all rows. n_rows: Rows per period of all rows.
        n_denied: Denied claims of all rows. fingerprint: The data fingerprint of all rows.
        evaluation_sample: {period: share of its rows `X` holds} for the periods evaluated on a sample ({}: none).
    """

    claims: pd.DataFrame
    X: pd.DataFrame
    y: np.ndarray
    period: np.ndarray
    bounds: dict
    n_rows: dict[str, int]
    n_denied: int
    fingerprint: str
    evaluation_sample: dict[str, float] = field(default_factory=dict)

    @property
    def n_claims(self) -> int:
        """Labelled claims of the whole run."""
        return sum(self.n_rows.values())


def finish_training(
    rows: TrainingRows,
    tables: dict[str, pd.DataFrame],
    builder: FeatureBuilder,
    denial_model: tuple[lgb.Booster, Calibration],
    out_dir: Path,
    name: str,
    review_capacity: int,
    step: Progress,
) -> TrainingResult:
    """The category model, the evaluation and the bundle of a trained denial model (any engine's).

    Args:
        rows: The rows to evaluate on (and the category model's), with the run's totals.
        tables: The reference tables (and `truth` when the world has it) for the baselines and the model card.
        builder: The fitted feature builder. denial_model: The booster and its calibration.
    """
    claims, X, y, period = rows.claims, rows.X, rows.y, rows.period
    booster, calibrator = denial_model
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
    test_metrics["intervals"], gate = gate_run(y[te], scores, rows.n_claims, rows.n_denied)
    metrics = {
        "gate": gate,
        "test": test_metrics,
        "n_rows": dict(rows.n_rows),
        "best_iteration": int(booster.best_iteration),
        "slices": card_slices(claims[te], tables, y[te], risk),  # the model card's groups
    }
    if rows.evaluation_sample:  # the figures above are then a sample's: the bundle says so
        metrics["evaluation_sample"] = rows.evaluation_sample

    step("bundle")
    booster.best_iteration = booster.best_iteration or booster.current_iteration()
    contents = DenialBundle(builder, booster, cat_model, calibrator, metrics, _bundle_metadata(name, rows, metrics))
    bundle = _write_bundle(out_dir / name, contents, _Reports(y[te], scores, X[te]))
    params = {**DENIAL_PARAMS, "n_features": X.shape[1], "review_capacity": review_capacity}
    test_frame = pd.DataFrame({"claim_id": claims.loc[te, "claim_id"].to_numpy(), "denied": y[te], "risk": risk})
    return TrainingResult(bundle=bundle, metrics=metrics, params=params, X_sample=X.head(5), test_frame=test_frame)


def fingerprint(claims: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(claims[["claim_id", "submission_date", "total_charge"]], index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


@dataclass
class _Reports:
    """The test-period inputs of the plots and global explanations a bundle carries."""

    y_test: np.ndarray
    scores: dict[str, np.ndarray]
    X_test: pd.DataFrame


def _bundle_metadata(name: str, rows: TrainingRows, metrics: dict) -> dict:
    """What a bundle records about its training run (format, kind and checksums are added on writing)."""
    bounds = rows.bounds
    return {
        "name": name,
        "package_version": denial_ml.__version__,
        "periods": bounds,
        "training_period": [bounds["train"][0], bounds["valid"][1]],
        "data_fingerprint": rows.fingerprint,
        "n_claims": rows.n_claims,
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
