"""Denial-risk model: leakage, online/batch parity, behaviour, metrics file, bundle integrity."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.point_in_time import world_as_of
from denial_ml.features.build import FeatureBuilder
from denial_ml.modeling.bundle import BundleError, Scorer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


def test_features_for_day_d_ignore_everything_adjudicated_after_d(small_world):
    day = small_world["claims"]["submission_date"].quantile(0.6).normalize()
    todays = small_world["claims"][small_world["claims"]["submission_date"] == day]
    assert len(todays) > 10
    full = FeatureBuilder().fit(small_world).transform(todays, small_world["claim_lines"])
    cut = FeatureBuilder().fit(world_as_of(small_world, day)).transform(todays, small_world["claim_lines"])
    pd.testing.assert_frame_equal(full, cut)
    assert full["hist_payer_proc_n"].max() > 0  # the history was really used


def test_one_claim_online_equals_its_batch_row(trained, small_world):
    _, scorer = trained
    claims, lines = small_world["claims"].tail(400), small_world["claim_lines"]
    batch = scorer.score(claims, lines).set_index("claim_id")
    for claim_id in claims["claim_id"].sample(5, random_state=1):
        one = scorer.score(claims[claims["claim_id"] == claim_id], lines[lines["claim_id"] == claim_id])
        pd.testing.assert_series_equal(one.set_index("claim_id").loc[claim_id], batch.loc[claim_id])


def test_scoring_in_partitions_equals_scoring_the_whole_batch(trained, small_world):
    """Batch scoring is a pure function of (claims, lines) and the bundle's snapshot: any split of the batch
    (here four interleaved partitions, as Dask or worker processes would cut it) gives the same rows."""
    _, scorer = trained
    claims, lines = small_world["claims"].tail(2000), small_world["claim_lines"]
    whole = scorer.score(claims, lines).set_index("claim_id")
    parts = [claims.iloc[start::4] for start in range(4)]
    split = pd.concat([scorer.score(part, lines[lines["claim_id"].isin(part["claim_id"])]) for part in parts])
    split = split.set_index("claim_id").loc[whole.index]
    pd.testing.assert_frame_equal(split, whole)
    assert whole["denial_risk"].nunique() > 100  # real, varied scores were compared


def _auth_claims(world: dict) -> pd.DataFrame:
    claims = world["claims"]
    auths = world["authorizations"].set_index("auth_number")
    with_auth = claims[claims["prior_auth_number"].isin(auths.index)].tail(3000)
    a = auths.loc[with_auth["prior_auth_number"]]
    valid = (a["start_date"].to_numpy() <= with_auth["service_date_from"].to_numpy()) & (
        with_auth["service_date_from"].to_numpy() <= a["end_date"].to_numpy()
    )
    return with_auth[valid]


def test_removing_a_valid_authorization_raises_risk(trained, small_world):
    _, scorer = trained
    claims = _auth_claims(small_world).head(200)
    lines = small_world["claim_lines"]
    before = scorer.score(claims, lines)["denial_risk"].to_numpy()
    after = scorer.score(claims.assign(prior_auth_number=None), lines)["denial_risk"].to_numpy()
    assert (after > before).mean() > 0.9
    assert np.median(after - before) > 0.2


def test_claim_past_filing_limit_is_near_certain_timely_filing_denial(trained, small_world):
    _, scorer = trained
    claims = small_world["claims"].tail(300)
    # A service the history has not seen (a day earlier), sent 500 days after it: late and nothing else. Re-sending
    # the very same service would also be a duplicate of its first submission, which the history holds.
    day = pd.Timedelta(days=1)
    service = claims["service_date_from"] - day
    late = claims.assign(
        service_date_from=service, service_date_to=service, submission_date=service + pd.Timedelta(days=500)
    )
    lines = small_world["claim_lines"]
    lines = lines[lines["claim_id"].isin(claims["claim_id"])]
    scored = scorer.score(late, lines.assign(service_date=lines["service_date"] - day))
    assert scored["denial_risk"].median() > 0.85
    assert (scored["likely_category"] == "timely_filing").mean() > 0.9


def test_changing_the_claim_id_changes_nothing(trained, small_world):
    _, scorer = trained
    claims = small_world["claims"].tail(100)
    lines = small_world["claim_lines"][small_world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    renamed = {c: f"NEW-{c}" for c in claims["claim_id"]}
    a = scorer.score(claims, lines).drop(columns="claim_id")
    b = scorer.score(claims.replace({"claim_id": renamed}), lines.replace({"claim_id": renamed}))
    pd.testing.assert_frame_equal(a, b.drop(columns="claim_id"))


def test_metrics_file_carries_required_figures(trained):
    result, _ = trained
    metrics = json.loads((result.bundle / "metrics.json").read_text())["test"]
    for key in ("roc_auc", "pr_auc", "ece", "recall_at_95_precision", "truth_roc_auc", "truth_pr_auc"):
        assert 0 <= metrics[key] <= 1, key
    for name in ("payer_procedure_rate", "logistic_regression", "truth"):
        assert set(metrics["baselines"][name]) >= {"roc_auc", "pr_auc"}
    assert metrics["roc_auc"] > 0.8
    assert metrics["roc_auc"] > metrics["baselines"]["payer_procedure_rate"]["roc_auc"]
    assert metrics["ece"] < 0.03
    assert metrics["category_accuracy"] > 0.6
    # The explanations' ceiling: the truth's most probable cause on the same claims (ours is measured against it).
    assert 0.6 < metrics["truth_explanation_top1_accuracy"] <= 1
    assert metrics["explanation_top1_accuracy"] > metrics["truth_explanation_top1_accuracy"] - 0.1
    assert {p.name for p in (result.bundle / "plots").iterdir()} == {
        "roc.png",
        "precision_recall.png",
        "calibration.png",
    }
    meta = json.loads((result.bundle / "metadata.json").read_text())
    assert meta["training_period"][0] < meta["training_period"][1] and len(meta["data_fingerprint"]) == 64


def test_bundle_with_altered_file_refuses_to_load(trained, tmp_path):
    result, _ = trained
    copy = tmp_path / "bundle"
    shutil.copytree(result.bundle, copy)
    with (copy / "denial_model.txt").open("a") as handle:
        handle.write("\n")
    with pytest.raises(BundleError, match="checksum of denial_model.txt does not match"):
        Scorer.load(copy)
    (copy / "calibration.json").unlink()
    with pytest.raises(BundleError, match="missing calibration.json"):
        Scorer.load(copy)
