"""Model bundles: LightGBM text models, JSON calibration and specification, checksums; and the scorer.

A bundle never holds a pickle: models are LightGBM's own text format, everything else JSON, Parquet or npz
(read with `allow_pickle=False`). Loading verifies every file's SHA-256 against `metadata.json`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.domain.denials import CATEGORIES
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.snapshot import Snapshot
from denial_ml.modeling.train import Calibrator

DENIAL_MODEL = "denial_model.txt"
CATEGORY_MODEL = "category_model.txt"
SPEC = "feature_spec.json"
CALIBRATION = "calibration.json"
METADATA = "metadata.json"


class BundleError(ValueError):
    """A bundle is missing a file, fails its checksum, or does not match this code's feature specification."""


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def feature_spec(builder: FeatureBuilder) -> dict:
    """The specification a bundle's models were trained on: names, order, categorical levels, parameters."""
    return {
        "features": list(builder.feature_names_),
        "categorical": {k: list(v) for k, v in builder.categories_.items()},
        "params": builder.get_params(),
    }


def write_checksums(folder: Path, metadata: dict) -> dict:
    """Add the SHA-256 of every file in `folder` (except metadata.json) to `metadata` and write it."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != METADATA)
    metadata["files"] = {str(p.relative_to(folder)): sha256_file(p) for p in files}
    (folder / METADATA).write_text(json.dumps(metadata, indent=2, default=str))
    return metadata


def verify_bundle(folder: Path) -> dict:
    """Check that the bundle is whole and unchanged; return its metadata.

    Raises:
        BundleError: naming the missing or altered file.
    """
    meta_path = folder / METADATA
    if not meta_path.exists():
        raise BundleError(f"bundle {str(folder)!r} has no {METADATA}")
    metadata = json.loads(meta_path.read_text())
    for name, expected in metadata.get("files", {}).items():
        path = folder / name
        if not path.exists():
            raise BundleError(f"bundle {str(folder)!r} is missing {name}")
        if sha256_file(path) != expected:
            raise BundleError(f"bundle {str(folder)!r}: checksum of {name} does not match metadata.json")
    for required in (DENIAL_MODEL, CATEGORY_MODEL, SPEC, CALIBRATION):
        if required not in metadata.get("files", {}):
            raise BundleError(f"bundle {str(folder)!r} is missing {required}")
    return metadata


@dataclass
class Scorer:
    """A loaded bundle: builds features for claims and returns calibrated risk with category probabilities."""

    builder: FeatureBuilder
    denial_model: lgb.Booster
    category_model: lgb.Booster
    calibrator: Calibrator
    metadata: dict

    @classmethod
    def load(cls, folder: Path | str) -> Scorer:
        """Load and verify a bundle folder."""
        path = Path(folder)
        metadata = verify_bundle(path)
        spec = json.loads((path / SPEC).read_text())
        builder = FeatureBuilder(**spec["params"]).fit_snapshot(Snapshot.load(path / "snapshot"))
        if builder.feature_names_ != spec["features"]:
            raise BundleError(f"bundle {str(path)!r} was trained on other features than this code builds")
        return cls(
            builder=builder,
            denial_model=lgb.Booster(model_file=str(path / DENIAL_MODEL)),
            category_model=lgb.Booster(model_file=str(path / CATEGORY_MODEL)),
            calibrator=Calibrator.from_json(json.loads((path / CALIBRATION).read_text())),
            metadata=metadata,
        )

    @property
    def version(self) -> str:
        """The model version: bundle name plus the first characters of the denial model's checksum."""
        return f"{self.metadata.get('name', 'model')}-{self.metadata['files'][DENIAL_MODEL][:8]}"

    def predict_features(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """Risk and category probabilities for ready feature rows (a frame or `transform_array`'s matrix)."""
        threads = prediction_threads(len(X))
        raw = np.asarray(self.denial_model.predict(X, num_threads=threads))
        risk = self.calibrator.apply(raw)
        cat = np.asarray(self.category_model.predict(X, num_threads=threads))
        # One DataFrame from a dict of arrays: adding columns one by one costs milliseconds per call.
        columns = {"denial_risk": risk}
        columns.update({f"p_{name}": risk * cat[:, j] for j, name in enumerate(CATEGORIES)})
        columns["likely_category"] = np.array(CATEGORIES, dtype=object)[cat.argmax(axis=1)]
        columns["model_version"] = np.full(len(risk), self.version, dtype=object)
        return pd.DataFrame(columns)

    def score(self, claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
        """Score claims (features built against the bundle's history snapshot)."""
        X = self.builder.transform_array(claims, lines)
        return pd.concat([claims[["claim_id"]].reset_index(drop=True), self.predict_features(X)], axis=1)


def prediction_threads(n_rows: int) -> int:
    """LightGBM threads for a prediction: one for small batches, where starting a thread team costs more than
    the trees (and spins badly on a busy machine); LightGBM's default (0: all cores) for large ones."""
    return 1 if n_rows < 2000 else 0
