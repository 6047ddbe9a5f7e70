"""What a training run produced: the contract between the training job and MLflow logging."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass
class TrainingResult:
    """What a run produced: the bundle folder, its metrics, and the frames MLflow logging needs."""

    bundle: Path
    metrics: dict
    params: dict
    X_sample: pd.DataFrame
    test_frame: pd.DataFrame
