"""MLflow side effects: log a training run, its bundle and model, and register it."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pandas as pd

from denial_ml.modeling.result import TrainingResult

log = logging.getLogger(__name__)


def flatten_metrics(metrics: dict, prefix: str = "") -> dict[str, float]:
    """Nested metrics -> {"test.roc_auc": 0.9, "test.baselines.truth.pr_auc": ...} (numbers only)."""
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_metrics(value, f"{name}."))
        elif isinstance(value, int | float) and value == value:  # drop NaN
            flat[name] = float(value)
    return flat


def log_training_run(
    result: TrainingResult,
    tracking_uri: str,
    experiment: str = "denial-risk",
    registered_name: str | None = "denial-risk",
    data_dir: Path | None = None,
) -> str:
    """Log params, metrics, plots, the bundle and the LightGBM model (with signature and input example).

    Returns:
        The MLflow run id.
    """
    import lightgbm as lgb
    import mlflow
    from mlflow.models import infer_signature

    # MLflow is chatty about input-example validation and environment capture; keep a user's terminal readable.
    for noisy in ("mlflow", "alembic"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mlflow.start_run() as run:
            mlflow.log_params({k: v for k, v in result.params.items() if not isinstance(v, dict)})
            mlflow.log_metrics(flatten_metrics(result.metrics))
            mlflow.set_tags({"bundle": str(result.bundle), "data_dir": str(data_dir or "")})
            dataset = mlflow.data.from_pandas(  # type: ignore[attr-defined]  # loaded lazily by mlflow.data
                result.test_frame, source=str(data_dir or "memory"), name="test-period", targets="denied"
            )
            mlflow.log_input(dataset, context="test")
            mlflow.log_artifacts(str(result.bundle), artifact_path="bundle")
            booster = lgb.Booster(model_file=str(result.bundle / "denial_model.txt"))
            example = result.X_sample
            signature = infer_signature(example, pd.Series(booster.predict(example), name="raw_probability"))
            mlflow.lightgbm.log_model(
                booster,
                name="model",
                signature=signature,
                input_example=example,
                registered_model_name=registered_name,
            )
            return run.info.run_id
