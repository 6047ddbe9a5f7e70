"""The one bundle format of every model: written whole, checksummed, versioned, refused when not current."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from denial_ml.artifacts import bundle as artifacts
from denial_ml.artifacts.bundle import (
    CHECKSUMS,
    FORMAT,
    METADATA,
    BundleError,
    BundleSpec,
    seal_bundle,
    verify_bundle,
    write_bundle,
    write_json,
)
from denial_ml.artifacts.calibration import Calibration
from denial_ml.modeling import bundle as denial_bundle
from denial_ml.modeling.bundle import Scorer
from denial_ml.triage import bundle as triage_bundle
from denial_ml.triage.rank import TriageModel

SPEC = BundleSpec(kind="toy", files=("model.txt", "calibration.json"), retrain="denial-ml toy train")
ARTIFACTS_SRC = Path(denial_bundle.__file__).resolve().parents[1] / "artifacts"


def fill_with(text: str):
    """A `fill` that writes the two required files and a nested one, and records `text` in the metadata."""

    def fill(folder: Path) -> dict:
        (folder / "model.txt").write_text(text)
        write_json(folder / "calibration.json", Calibration("platt", a=1.0, b=0.0).to_json())
        (folder / "plots").mkdir()
        (folder / "plots" / "roc.png").write_bytes(b"not really a png")
        return {"text": text, "count": np.int64(3)}

    return fill


def crash(folder: Path) -> dict:
    (folder / "model.txt").write_text("half written")
    raise RuntimeError("disk full")


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_round_trip_records_format_kind_and_every_file(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    meta = verify_bundle(folder, SPEC)
    assert meta["format"] == FORMAT and meta["kind"] == "toy" and meta["text"] == "v1"
    assert meta["count"] == 3  # numpy scalars are written as plain JSON numbers
    assert set(meta[CHECKSUMS]) == {"model.txt", "calibration.json", "plots/roc.png"}
    assert leftovers(tmp_path) == []


def test_altered_file_is_refused_naming_it(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    (folder / "plots" / "roc.png").write_bytes(b"edited")
    with pytest.raises(BundleError, match=r"toy bundle '.*toy': checksum of plots/roc.png does not match metadata"):
        verify_bundle(folder, SPEC)


def test_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    (folder / "calibration.json").write_text("{}")  # also altered: the missing file is what gets reported
    (folder / "model.txt").unlink()
    with pytest.raises(BundleError, match="is missing model.txt"):
        verify_bundle(folder, SPEC)
    with pytest.raises(BundleError, match=r"has no metadata.json \(run `denial-ml toy train` first\)"):
        verify_bundle(tmp_path / "nowhere", SPEC)


def test_a_writer_that_leaves_out_a_required_file_writes_nothing(tmp_path: Path) -> None:
    def partial(folder: Path) -> dict:
        (folder / "model.txt").write_text("only the model")
        return {}

    with pytest.raises(BundleError, match="is missing calibration.json"):
        write_bundle(tmp_path / "toy", SPEC, partial)
    assert not (tmp_path / "toy").exists() and leftovers(tmp_path) == []


def test_crash_mid_write_leaves_no_bundle(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="disk full"):
        write_bundle(tmp_path / "toy", SPEC, crash)
    assert list(tmp_path.iterdir()) == []


def test_crash_mid_write_leaves_the_previous_bundle_intact(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    with pytest.raises(RuntimeError, match="disk full"):
        write_bundle(folder, SPEC, crash)
    assert verify_bundle(folder, SPEC)["text"] == "v1" and (folder / "model.txt").read_text() == "v1"
    assert leftovers(tmp_path) == []


def test_failed_rename_into_place_restores_the_previous_bundle(tmp_path: Path, monkeypatch) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    real_rename = os.rename

    def refuse_staging(src, dst):
        if ".toy-staging-" in str(src):
            raise OSError("rename failed")
        return real_rename(src, dst)

    monkeypatch.setattr(artifacts.os, "rename", refuse_staging)
    with pytest.raises(OSError, match="rename failed"):
        write_bundle(folder, SPEC, fill_with("v2"))
    assert verify_bundle(folder, SPEC)["text"] == "v1" and leftovers(tmp_path) == []


def test_rewriting_replaces_the_bundle_whole(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    write_bundle(folder, SPEC, fill_with("v2"))
    assert verify_bundle(folder, SPEC)["text"] == "v2" and leftovers(tmp_path) == []


def test_bundle_of_another_kind_is_refused(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    with pytest.raises(BundleError, match="holds a 'toy' model, not a 'denial-risk' one.*`denial-ml train`"):
        denial_bundle.verify_bundle(folder)


def old_bundle(folder: Path, files: tuple[str, ...], metadata: dict, key: str) -> Path:
    """A folder laid out as before format 2: checksums under `key`."""
    folder.mkdir()
    for name in files:
        (folder / name).write_text(f"old {name}\n")
    sums = {name: artifacts.sha256_file(folder / name) for name in files}
    (folder / METADATA).write_text(json.dumps({**metadata, key: sums}))
    return folder


def test_old_denial_bundle_is_refused_with_the_retrain_command(tmp_path: Path) -> None:
    folder = old_bundle(tmp_path / "denial-risk", denial_bundle.DENIAL_SPEC.files, {"name": "denial-risk"}, "files")
    message = (
        r"denial-risk bundle '.*denial-risk' is in an unnumbered format; this version of denial-ml reads "
        r"bundle format 2 only\. Retrain it with `denial-ml train`"
    )
    with pytest.raises(BundleError, match=message):
        Scorer.load(folder)


def test_old_triage_bundle_is_refused_with_the_retrain_command(tmp_path: Path) -> None:
    folder = old_bundle(tmp_path / "triage", tuple(triage_bundle.FILES.values()), {"format": 1}, "sha256")
    with pytest.raises(BundleError, match=r"triage bundle '.*triage' is in format 1; .*`denial-ml triage train`"):
        triage_bundle.load_bundle(folder)


def test_both_models_raise_the_same_bundle_error() -> None:
    assert denial_bundle.BundleError is triage_bundle.BundleError is BundleError
    assert denial_bundle.METADATA == triage_bundle.METADATA == METADATA


def tiny_triage_model() -> TriageModel:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"amount": rng.uniform(0, 1, 300), "age": rng.uniform(0, 1, 300)})
    y = (rng.random(300) < X["amount"]).astype(float)
    params = {"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5}
    booster = lgb.train(params, lgb.Dataset(X, label=y), num_boost_round=5)
    return TriageModel(
        overturn=booster,
        propensity=booster,
        calibration=Calibration("platt", a=1.1, b=-0.2),
        feature_names=["amount", "age"],
        categories={},
        appeal_cost=57.23,
        version="triage-test",
    )


def test_triage_bundle_round_trip_through_the_shared_writer(tmp_path: Path) -> None:
    model = tiny_triage_model()
    folder = triage_bundle.save_bundle(model, {"test": {"recovered_at_20pct": np.float64(1.5)}}, tmp_path / "t")
    loaded = triage_bundle.load_bundle(folder)
    assert loaded.calibration == model.calibration and loaded.version == "triage-test"
    assert loaded.metadata["kind"] == "triage" and loaded.metadata["format"] == FORMAT
    # Saving a loaded model again writes fresh checksums, not the ones it was loaded with.
    again = triage_bundle.save_bundle(loaded, {}, tmp_path / "t2")
    assert triage_bundle.load_bundle(again).version == "triage-test"


def test_seal_makes_a_hand_edited_bundle_verify_again(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "toy", SPEC, fill_with("v1"))
    (folder / "model.txt").write_text("edited on purpose")
    meta = json.loads((folder / METADATA).read_text())
    seal_bundle(folder, SPEC, meta)
    assert verify_bundle(folder, SPEC)["text"] == "v1"


def test_artifacts_depends_on_no_other_project_package() -> None:
    allowed = ("denial_ml.artifacts", "denial_ml.domain")
    for module in ARTIFACTS_SRC.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                if name.startswith("denial_ml"):
                    assert name.startswith(allowed), f"{module.name} imports {name}"
