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


def gate_tags(metrics: dict) -> dict[str, str]:
    """MLflow tags of the quality gate (`modeling.gates`): `gate.for_use` ("true"/"false"), verdict, reason."""
    gate = metrics.get("gate") or {}
    if not gate:
        return {}
    return {
        "gate.for_use": str(bool(gate["for_use"])).lower(),
        "gate.verdict": str(gate["verdict"]),
        "gate.reason": str(gate["reason"])[:5000],
    }


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
            # Slices hold free-text group names (specialties, payer types): they stay in the bundle's model card.
            mlflow.log_metrics(flatten_metrics({k: v for k, v in result.metrics.items() if k != "slices"}))
            gate = gate_tags(result.metrics)
            mlflow.set_tags({"bundle": str(result.bundle), "data_dir": str(data_dir or ""), **gate})
            dataset = mlflow.data.from_pandas(  # type: ignore[attr-defined]  # loaded lazily by mlflow.data
                result.test_frame, source=str(data_dir or "memory"), name="test-period", targets="denied"
            )
            mlflow.log_input(dataset, context="test")
            mlflow.log_artifacts(str(result.bundle), artifact_path="bundle")
            booster = lgb.Booster(model_file=str(result.bundle / "denial_model.txt"))
            example = result.X_sample
            signature = infer_signature(example, pd.Series(booster.predict(example), name="raw_probability"))
            info = mlflow.lightgbm.log_model(
                booster,
                name="model",
                signature=signature,
                input_example=example,
                registered_model_name=registered_name,
            )
            version = getattr(info, "registered_model_version", None)
            if registered_name and version is not None:
                client = mlflow.MlflowClient()
                for key, value in gate.items():  # the version carries the gate too: promote reads it there
                    client.set_model_version_tag(registered_name, str(version), key, value)
            return run.info.run_id
