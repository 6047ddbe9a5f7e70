"""The policy-file test rotation (issue #19): worlds whose payers have rules of kinds the default world lacks.

Each rotation file's world (30,000 claims) must let every rule hit enough claims, send the rule's CARC on the
denials it causes, and show its added risk in the outcomes; a model trained on it is scored on the test period
and each rule's caught ratio is recorded (printed, and kept as the test's user properties). The ratios are
asserted only loosely: generic features that learn such rules are a separate piece of work (bench/policy_rules.py
measures them on 200,000-claim worlds).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from denial_ml.data.synthetic.policies import load_policies
from denial_ml.data.synthetic.policy_report import rule_figures
from denial_ml.data.synthetic.world import generate_world
from denial_ml.jobs.training import run_training

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]
ROTATIONS = Path(__file__).resolve().parents[1] / "data" / "policies"


@pytest.fixture(scope="module", params=["rotation_a", "rotation_b", "rotation_c"])
def rotation(request):
    policies = load_policies(ROTATIONS / f"{request.param}.yaml")
    return policies, generate_world(30_000, seed=11, policies=policies)


@pytest.fixture(scope="module")
def trained_on_rotation(rotation, tmp_path_factory):
    policies, world = rotation
    return policies, world, run_training(world, tmp_path_factory.mktemp("rotation"), name="rotation")


def test_every_rule_hits_enough_claims_and_sends_its_codes(rotation):
    policies, world = rotation
    truth = world["truth"]
    adjustments = world["adjustments"].dropna(subset=["line_number"])
    denied_lines = adjustments[(adjustments["group_code"] != "PR") & (adjustments["carc"] != "45")]  # denials
    for rule in policies.engine_rules():
        hit = truth[truth["policy_rule"] == rule.id]
        assert len(hit) >= 100, rule.id
        fired = truth.loc[truth["denial_rule"] == rule.id, "claim_id"]
        assert len(fired) >= 50, rule.id
        carcs = denied_lines[denied_lines["claim_id"].isin(fired)]["carc"]
        assert (carcs == rule.carc).mean() > 0.95, rule.id  # the rest: claims still pending or re-sent


def test_the_rules_added_risk_shows_in_the_outcomes(rotation):
    policies, world = rotation
    truth = world["truth"]
    p = truth["denial_probability"].to_numpy()
    without = 1 - (1 - p) * np.exp(truth["policy_hazard"].to_numpy())
    denied = truth["denial_cause"] != ""
    for rule in policies.engine_rules():
        hit = (truth["policy_rule"] == rule.id).to_numpy()
        assert denied[hit].mean() > 0.6, rule.id
        assert denied[hit].mean() - without[hit].mean() > 0.4, rule.id
        # Each hit claim has at least one line with the rule's hazard: it adds at least strength x (1 - p without).
        assert np.all(p[hit] - without[hit] >= rule.strength * (1 - without[hit]) - 1e-9), rule.id


def test_models_catch_part_of_each_rule_and_the_figures_are_recorded(trained_on_rotation, record_property):
    policies, world, result = trained_on_rotation
    test = result.test_frame
    figures = rule_figures(world["truth"], test)
    truth_p = test.merge(world["truth"], on="claim_id")["denial_probability"]
    auc, auc_truth = roc_auc_score(test["denied"], test["risk"]), roc_auc_score(test["denied"], truth_p)
    print(f"\nROC-AUC model {auc:.4f} truth {auc_truth:.4f}\n{figures.round(3).to_string()}")
    record_property("roc_auc_ratio", round(auc / auc_truth, 4))
    record_property("rules", figures.round(4).reset_index().to_dict("records"))
    assert auc / auc_truth > 0.9
    assert set(figures.index) == {r.id for r in policies.engine_rules()}
    mean_risk = test["risk"].mean()
    for rule_id, row in figures.iterrows():
        assert row["claims"] >= 10, rule_id  # in the test period
        assert row["predicted"] > 1.5 * mean_risk, rule_id  # the slice is at least seen as risky


def test_the_codes_the_rules_send_are_current(rotation, shared_data):
    policies, world = rotation
    carc = pd.read_csv(shared_data / "codes" / "carc_codes_status.csv", dtype=str)
    rarc = pd.read_csv(shared_data / "codes" / "rarc_codes_status.csv", dtype=str)
    assert set(world["adjustments"]["carc"]) <= set(carc.loc[carc["status"] == "current", "code"])
    assert set(world["remarks"]["rarc"]) <= set(rarc.loc[rarc["status"] == "current", "code"])
    assert {r.carc for r in policies.engine_rules()} <= set(world["adjustments"]["carc"])
