"""Denial-risk bundles: LightGBM text models, JSON calibration and specification, the history snapshot; and
the scorer that serves them.

The folder format (checksums, format number, atomic writing, `BundleError`) is `denial_ml.artifacts.bundle`'s,
shared with the triage model; this module declares only what a denial-risk bundle holds (`DENIAL_SPEC`).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.artifacts import bundle as artifacts
from denial_ml.artifacts.bundle import METADATA as METADATA
from denial_ml.artifacts.bundle import BundleError as BundleError
from denial_ml.artifacts.bundle import BundleSpec
from denial_ml.artifacts.bundle import sha256_file as sha256_file
from denial_ml.artifacts.calibration import Calibration
from denial_ml.domain.denials import CATEGORIES
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.chunks import transform_array_in_chunks
from denial_ml.features.snapshot import Snapshot

DENIAL_MODEL = "denial_model.txt"
CATEGORY_MODEL = "category_model.txt"
SPEC = "feature_spec.json"
CALIBRATION = "calibration.json"
METRICS = "metrics.json"
SNAPSHOT = "snapshot"
DENIAL_SPEC = BundleSpec(
    kind="denial-risk", files=(DENIAL_MODEL, CATEGORY_MODEL, SPEC, CALIBRATION), retrain="denial-ml train"
)
PARTS_KEPT = 2  # patient parts a scorer loaded by part keeps (a part's claims are scored together)


@dataclass
class DenialBundle:
    """What a denial-risk bundle is written from (the parameter object of `save_bundle`)."""

    builder: FeatureBuilder
    denial_model: lgb.Booster
    category_model: lgb.Booster
    calibration: Calibration
    metrics: dict
    metadata: dict = field(default_factory=dict)


def feature_spec(builder: FeatureBuilder) -> dict:
    """The specification a bundle's models were trained on: names, order, categorical levels, parameters."""
    return {
        "features": list(builder.feature_names_),
        "categorical": {k: list(v) for k, v in builder.categories_.items()},
        "params": builder.get_params(),
    }


def save_bundle(contents: DenialBundle, target: Path, extras: Callable[[Path], None] | None = None) -> Path:
    """Write a denial-risk bundle to `target` whole (staged beside it, then renamed into place).

    Args:
        contents: The fitted models, calibration, metrics and the metadata to record.
        target: The bundle folder (replaced only once the new bundle is complete).
        extras: Writes further files (plots, explanations) into the staging folder; they are checksummed too.

    Returns:
        `target`.
    """

    def fill(folder: Path) -> dict[str, Any]:
        booster, cat_model = contents.denial_model, contents.category_model
        booster.save_model(str(folder / DENIAL_MODEL), num_iteration=booster.best_iteration)
        cat_model.save_model(str(folder / CATEGORY_MODEL), num_iteration=cat_model.best_iteration)
        (folder / SPEC).write_text(json.dumps(feature_spec(contents.builder), indent=1))
        artifacts.write_json(folder / CALIBRATION, contents.calibration.to_json())
        # Written as in every earlier bundle (no final newline), so metrics.json files compare byte for byte.
        (folder / METRICS).write_text(json.dumps(contents.metrics, indent=2, default=artifacts.json_default))
        contents.builder.snapshot_.save(folder / SNAPSHOT)
        if extras is not None:
            extras(folder)
        return contents.metadata

    return artifacts.write_bundle(target, DENIAL_SPEC, fill)


def write_checksums(folder: Path, metadata: dict) -> dict:
    """Seal a filled folder as a denial-risk bundle in place: format, kind and checksums into metadata.json.

    For tests and tools that build or edit a bundle by hand; training writes through `save_bundle`.
    """
    return artifacts.seal_bundle(folder, DENIAL_SPEC, metadata)


def verify_bundle(folder: Path) -> dict:
    """Check that the denial-risk bundle is current, whole and unchanged; return its metadata.

    Raises:
        BundleError: naming the missing or altered file, or the old format found and the command to retrain.
    """
    return artifacts.verify_bundle(folder, DENIAL_SPEC)


@dataclass
class Scorer:
    """A loaded bundle: builds features for claims and returns calibrated risk with category probabilities.

    A scorer loaded `by_part` from a bundle whose patient history is stored by patient part holds the shared
    history only (`builder`'s snapshot) and loads each patient part when it scores that part's claims
    (`part_builder`, the last `PARTS_KEPT` kept): its memory is the shared history and a part's, not the world's.
    """

    builder: FeatureBuilder
    denial_model: lgb.Booster
    category_model: lgb.Booster
    calibrator: Calibration
    metadata: dict
    parts: OrderedDict[int, FeatureBuilder] = field(default_factory=OrderedDict, repr=False)

    @classmethod
    def load(cls, folder: Path | str, by_part: bool = False) -> Scorer:
        """Load and verify a bundle folder.

        Args:
            folder: The bundle folder.
            by_part: Load a bundle stored by patient part part by part, as claims ask for them (a bundle stored
                whole loads whole either way); else whole.
        """
        path = Path(folder)
        metadata = verify_bundle(path)
        spec = json.loads((path / SPEC).read_text())
        builder = FeatureBuilder(**spec["params"]).fit_snapshot(Snapshot.load(path / SNAPSHOT, by_part=by_part))
        if builder.feature_names_ != spec["features"]:
            raise BundleError(f"bundle {str(path)!r} was trained on other features than this code builds")
        try:
            calibrator = Calibration.from_json(json.loads((path / CALIBRATION).read_text()))
        except ValueError as exc:
            raise BundleError(f"bundle {str(path)!r}: {exc}") from None
        return cls(
            builder=builder,
            denial_model=lgb.Booster(model_file=str(path / DENIAL_MODEL)),
            category_model=lgb.Booster(model_file=str(path / CATEGORY_MODEL)),
            calibrator=calibrator,
            metadata=metadata,
        )

    @property
    def version(self) -> str:
        """The model version: bundle name plus the first characters of the denial model's checksum."""
        checksum = self.metadata[artifacts.CHECKSUMS][DENIAL_MODEL]
        return f"{self.metadata.get('name', 'model')}-{checksum[:8]}"

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

    def part_builder(self, part: int) -> FeatureBuilder:
        """The feature builder of one patient part's claims (loaded on first use; the last `PARTS_KEPT` kept)."""
        if part not in self.parts:
            while len(self.parts) >= PARTS_KEPT:
                self.parts.popitem(last=False)
            params = self.builder.get_params()
            self.parts[part] = FeatureBuilder(**params).fit_snapshot(self.builder.snapshot_.for_part(part))
        self.parts.move_to_end(part)
        return self.parts[part]

    def features(self, claims: pd.DataFrame, lines: pd.DataFrame) -> np.ndarray:
        """The claims' feature matrix (`FeatureBuilder.transform_array`); for a scorer loaded by part, each patient
        part's claims with that part's builder, the rows in the claims' order."""
        stored = self.builder.snapshot_.parts
        if stored is None:
            return transform_array_in_chunks(self.builder, claims, lines)
        part = stored.part_of(claims["patient_id"])
        present = np.unique(part)
        if len(present) <= 1:
            return self.part_builder(int(present[0]) if len(present) else 0).transform_array(claims, lines)
        X = np.empty((len(claims), len(self.builder.feature_names_)))
        line_part = lines["claim_id"].map(dict(zip(claims["claim_id"], part.tolist(), strict=True))).to_numpy()
        for p in present.tolist():
            mine = part == p
            X[mine] = self.part_builder(p).transform_array(claims[mine], lines[line_part == p])
        return X

    def score(self, claims: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
        """Score claims (features built against the bundle's history snapshot)."""
        X = self.features(claims, lines)
        return pd.concat([claims[["claim_id"]].reset_index(drop=True), self.predict_features(X)], axis=1)


def prediction_threads(n_rows: int) -> int:
    """LightGBM threads for a prediction: one for small batches, where starting a thread team costs more than
    the trees (and spins badly on a busy machine); LightGBM's default (0: all cores) for large ones."""
    return 1 if n_rows < 2000 else 0
