"""The triage bundle folder: LightGBM models as text, JSON calibration, metrics and checksummed metadata.

Nothing is pickled. `metadata.json` records the SHA-256 of every other file; `load_bundle` refuses a bundle
whose files do not match, so a half-copied or edited model is never used to rank real denials.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import lightgbm as lgb

from denial_ml.triage.model import Calibration
from denial_ml.triage.rank import TriageModel

FILES = {
    "overturn": "overturn_model.txt",
    "propensity": "propensity_model.txt",
    "calibration": "calibration.json",
    "metrics": "metrics.json",
}
METADATA = "metadata.json"
FORMAT = 1


class BundleError(ValueError):
    """A triage bundle is missing, incomplete or does not match its checksums."""


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_bundle(model: TriageModel, metrics: dict, out: Path) -> Path:
    """Write the bundle to `out` all at once (a temporary folder renamed into place).

    Returns:
        The bundle folder.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".triage-", dir=out.parent))
    try:
        model.overturn.save_model(str(tmp / FILES["overturn"]))
        model.propensity.save_model(str(tmp / FILES["propensity"]))
        _write_json(tmp / FILES["calibration"], model.calibration.to_json())
        _write_json(tmp / FILES["metrics"], metrics)
        meta = {
            "format": FORMAT,
            "version": model.version,
            "appeal_cost": model.appeal_cost,
            "feature_names": model.feature_names,
            "categories": model.categories,
            **{k: v for k, v in model.metadata.items() if k not in ("sha256",)},
            "sha256": {name: sha256(tmp / name) for name in FILES.values()},
        }
        _write_json(tmp / METADATA, meta)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def load_bundle(folder: Path) -> TriageModel:
    """Read a bundle after checking every file against its recorded SHA-256.

    Raises:
        BundleError: naming the folder and the missing or mismatching file.
    """
    folder = Path(folder)
    meta_path = folder / METADATA
    if not meta_path.is_file():
        raise BundleError(f"triage bundle {folder}: no {METADATA} (run `denial-ml triage train` first)")
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise BundleError(f"triage bundle {folder}: {METADATA} is not valid JSON ({exc})") from None
    recorded = meta.get("sha256", {})
    for name in FILES.values():
        path = folder / name
        if not path.is_file():
            raise BundleError(f"triage bundle {folder}: file {name} is missing")
        if recorded.get(name) != sha256(path):
            raise BundleError(f"triage bundle {folder}: checksum of {name} does not match {METADATA}; refusing it")
    calibration = Calibration.from_json(json.loads((folder / FILES["calibration"]).read_text()))
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


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=_plain) + "\n")


def _plain(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
