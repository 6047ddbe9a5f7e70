"""The triage bundle folder: LightGBM models as text, JSON calibration and metrics, checksummed metadata.

The folder format (checksums, format number, atomic writing, `BundleError`) is `denial_ml.artifacts.bundle`'s,
shared with the denial-risk model: `load_bundle` refuses a bundle whose files do not match, so a half-copied or
edited model is never used to rank real denials. This module declares only what a triage bundle holds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm as lgb

from denial_ml.artifacts import bundle as artifacts
from denial_ml.artifacts.bundle import FORMAT as FORMAT
from denial_ml.artifacts.bundle import METADATA as METADATA
from denial_ml.artifacts.bundle import BundleError as BundleError
from denial_ml.artifacts.bundle import BundleSpec
from denial_ml.artifacts.calibration import Calibration
from denial_ml.triage.rank import TriageModel

FILES = {
    "overturn": "overturn_model.txt",
    "propensity": "propensity_model.txt",
    "calibration": "calibration.json",
    "metrics": "metrics.json",
}
TRIAGE_SPEC = BundleSpec(kind="triage", files=tuple(FILES.values()), retrain="denial-ml triage train")
# Written by `write_bundle` itself: never copied from a loaded model's metadata into a new bundle.
_SEALED_KEYS = ("format", "kind", artifacts.CHECKSUMS)


def save_bundle(model: TriageModel, metrics: dict, out: Path) -> Path:
    """Write the bundle to `out` all at once (a staging folder beside it, renamed into place).

    Returns:
        The bundle folder.
    """

    def fill(folder: Path) -> dict[str, Any]:
        model.overturn.save_model(str(folder / FILES["overturn"]))
        model.propensity.save_model(str(folder / FILES["propensity"]))
        artifacts.write_json(folder / FILES["calibration"], model.calibration.to_json(), sort_keys=True)
        artifacts.write_json(folder / FILES["metrics"], metrics, sort_keys=True)
        return {
            **{k: v for k, v in model.metadata.items() if k not in _SEALED_KEYS},
            "version": model.version,
            "appeal_cost": model.appeal_cost,
            "feature_names": model.feature_names,
            "categories": model.categories,
        }

    return artifacts.write_bundle(Path(out), TRIAGE_SPEC, fill)


def load_bundle(folder: Path) -> TriageModel:
    """Read a bundle after checking its format and every file against its recorded SHA-256.

    Raises:
        BundleError: naming the folder and the missing or mismatching file, or the old format found and the
            command that retrains it.
    """
    folder = Path(folder)
    meta = artifacts.verify_bundle(folder, TRIAGE_SPEC)
    try:
        calibration = Calibration.from_json(json.loads((folder / FILES["calibration"]).read_text()))
    except ValueError as exc:
        raise BundleError(f"triage bundle {str(folder)!r}: {exc}") from None
    return TriageModel(
        overturn=lgb.Booster(model_file=str(folder / FILES["overturn"])),
        propensity=lgb.Booster(model_file=str(folder / FILES["propensity"])),
        calibration=calibration,
        feature_names=list(meta["feature_names"]),
        categories={k: list(v) for k, v in meta["categories"].items()},
        appeal_cost=float(meta["appeal_cost"]),
        version=str(meta.get("version", "unknown")),
        metadata=meta,
    )
