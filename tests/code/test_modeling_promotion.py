"""`modeling.promotion` against a temporary MLflow registry holding two placeholder bundles.

The bundles hold files with the right names and checksums but no real models: these steps only move the
alias and record decisions; the comparisons are built from made-up scores with `compare_scores`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from denial_ml.config import Settings
from denial_ml.modeling.bundle import CALIBRATION, CATEGORY_MODEL, DENIAL_MODEL, SPEC, write_checksums
from denial_ml.modeling.compare import compare_scores
from denial_ml.modeling.promotion import (
    FIRST_CHAMPION,
    apply_decision,
    apply_rule,
    ensure_champion,
    latest_version,
    promotion_target,
    registered_versions,
)
from denial_ml.modeling.registry import (
    RegistryError,
    ResolvedModel,
    champion_version,
    mlflow_client,
    register_bundle,
)

pytestmark = pytest.mark.slow


def placeholder_bundle(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True)
    for file in (DENIAL_MODEL, CATEGORY_MODEL, SPEC, CALIBRATION):
        (folder / file).write_text(f"{name} {file}\n")
    write_checksums(folder, {"name": name})
    return folder


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    import mlflow

    root = tmp_path_factory.mktemp("promotion-steps")
    settings = Settings(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", models_dir=root / "models")
    mlflow_client(settings).create_experiment("denial-risk", artifact_location=(root / "artifacts").as_uri())
    yield {"settings": settings, "root": root}
    mlflow.set_tracking_uri(None)


def comparison(better: bool):
    """Champion and challenger scores on the same made-up claims; the better one tracks the labels."""
    rng = np.random.default_rng(1)
    y = (rng.random(3000) < 0.2).astype(int)
    good = np.clip(0.2 + 0.5 * (y - 0.2) + rng.normal(0, 0.15, y.size), 0.01, 0.99)
    poor = np.clip(0.2 + rng.normal(0, 0.15, y.size), 0.01, 0.99)
    dollars = np.where(y == 1, 500.0, 0.0)
    champion, challenger = (poor, good) if better else (good, poor)
    return compare_scores(y, champion, challenger, dollars, resamples=100, seed=0)


def test_steps_from_an_empty_registry_to_a_refusal_and_a_promotion(registry) -> None:
    s = registry["settings"]
    assert registered_versions(s).empty
    with pytest.raises(RegistryError, match="train and log a model first"):
        latest_version(s)
    with pytest.raises(RegistryError, match="can become 'champion'"):
        ensure_champion(s)

    runs = [register_bundle(placeholder_bundle(registry["root"] / f"b{i}", f"b{i}"), s)[0] for i in (1, 2)]
    assert latest_version(s) == "2"
    assert ensure_champion(s) == "1"  # the oldest version becomes the first champion
    tags = mlflow_client(s).get_run(runs[0]).data.tags
    assert tags["promotion.decision"] == "promoted" and tags["promotion.reason"] == FIRST_CHAMPION
    assert ensure_champion(s) == "1"  # and stays so

    challenger = ResolvedModel("2", registry["root"] / "b2", run_id=runs[1], version="2")
    refused = apply_decision(challenger, comparison(better=False), s)
    assert refused.decision == "refused" and refused.previous == "1"
    assert "challenger is worse on roc_auc" in refused.reasons
    assert str(champion_version(s).version) == "1"
    assert mlflow_client(s).get_run(runs[1]).data.tags["promotion.decision"] == "refused"

    promoted = apply_decision(challenger, comparison(better=True), s)
    assert (promoted.decision, promoted.version, promoted.previous) == ("promoted", "2", "1")
    assert str(champion_version(s).version) == "2"
    versions = registered_versions(s)
    assert versions["version"].tolist() == ["1", "2"] and versions["aliases"].tolist() == ["", "champion"]

    again = apply_decision(challenger, comparison(better=True), s)
    assert again.decision == "unchanged" and "already the champion" in again.reasons


def test_a_bundle_folder_cannot_be_promoted(registry) -> None:
    folder = ResolvedModel("some/folder", Path("some/folder"))
    with pytest.raises(RegistryError, match="is a bundle folder; promotion needs a registered version"):
        apply_decision(folder, comparison(better=True), registry["settings"])


def test_the_rule_needs_a_comparison_once_there_is_a_champion_and_records_a_forced_promotion(tmp_path) -> None:
    import mlflow

    s = Settings(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", models_dir=tmp_path / "models")
    mlflow_client(s).create_experiment("denial-risk", artifact_location=(tmp_path / "artifacts").as_uri())
    try:
        runs = [register_bundle(placeholder_bundle(tmp_path / f"b{i}", f"b{i}"), s)[0] for i in (1, 2)]
        assert ensure_champion(s) == "1"
        challenger = ResolvedModel("2", tmp_path / "b2", run_id=runs[1], version="2")
        version, previous = promotion_target(challenger, s)
        assert (version, previous) == ("2", "1")
        with pytest.raises(ValueError, match="version 1 is the champion: promoting needs a comparison"):
            apply_rule(challenger, version, previous, None, s)
        assert str(champion_version(s).version) == "1"
        assert "promotion.decision" not in mlflow_client(s).get_run(runs[1]).data.tags
        forced = apply_rule(challenger, version, previous, comparison(better=False), s, force_reason="contract")
        assert (forced.decision, forced.version, forced.previous) == ("forced", "2", "1")
        assert forced.reasons.startswith("contract (forced over: challenger is worse on roc_auc")
        assert str(champion_version(s).version) == "2"
        assert mlflow_client(s).get_run(runs[1]).data.tags["promotion.forced_reason"] == forced.reasons
    finally:
        mlflow.set_tracking_uri(None)
