"""Benchmark: how much of each policy-file rule a trained model caught (issue #19).

Run:
    denial-ml generate --claims 200000 --seed 7 --policies tests/data/policies/rotation_a.yaml --out /tmp/policies-a
    denial-ml train --data /tmp/policies-a --out /tmp/policies-ma --no-mlflow
    .venv/bin/python bench/policy_rules.py --data /tmp/policies-a --model /tmp/policies-ma/denial-risk

Rebuilds the training run's features and test period (the same code `denial-ml train` runs), scores the test
period with the bundle's model and prints ROC-AUC next to the truth's, then per rule: claims hit in the test period,
true mean risk and the rule's true added risk, the mean predicted risk and the ratio predicted / true
(`caught`), and the share of the rule's own added risk the model learnt (`caught_added`).
"""

from __future__ import annotations

import argparse

import pandas as pd
from sklearn.metrics import roc_auc_score

from denial_ml.data.io import read_tables
from denial_ml.data.synthetic.policies import Policies, load_policies
from denial_ml.data.synthetic.policy_report import rule_figures
from denial_ml.explain.explainer import Explainer
from denial_ml.features.build import FeatureBuilder
from denial_ml.jobs.training import labelled_claims
from denial_ml.modeling.bundle import Scorer
from denial_ml.modeling.train import assign_periods


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="world folder (generated with --policies)")
    parser.add_argument("--model", required=True, help="bundle folder trained on it")
    parser.add_argument("--policies", help="the world's policy file: also judge the top factor's sentences")
    args = parser.parse_args()
    tables = read_tables(args.data)
    scorer = Scorer.load(args.model)
    claims = labelled_claims(tables)
    period, _ = assign_periods(claims["submission_date"])
    X = FeatureBuilder().fit(tables).transform(claims, tables["claim_lines"])
    te = period == "test"
    risk = scorer.predict_features(X[te])["denial_risk"].to_numpy()
    test = pd.DataFrame({"claim_id": claims.loc[te, "claim_id"].to_numpy(), "risk": risk})
    y = claims.loc[te, "denied"].to_numpy(dtype=int)
    truth = tables["truth"]
    p_true = test.merge(truth, on="claim_id")["denial_probability"].to_numpy()
    auc, auc_truth = roc_auc_score(y, risk), roc_auc_score(y, p_true)
    print(f"test claims {len(test):,}  ROC-AUC model {auc:.4f}  truth {auc_truth:.4f}  ratio {auc / auc_truth:.3f}")
    figures = rule_figures(truth, test)
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(figures.to_string())
    denied_by = truth["denial_rule"].value_counts()
    print("denials caused by each rule (whole world):", {k: int(v) for k, v in denied_by.items() if k})
    if args.policies:
        print_sentences(tables, Explainer(scorer), test, load_policies(args.policies))


def print_sentences(tables: dict, explainer: Explainer, test: pd.DataFrame, policies: Policies) -> None:
    """Per rule, the share of its test-period denials whose top factor's sentence names one of its codes, and
    one of its codes and its payer (id or name): the rule's slice."""
    truth = tables["truth"].merge(test[["claim_id"]], on="claim_id")
    names = dict(zip(tables["payers"]["payer_id"], tables["payers"]["payer_name"], strict=True))
    claims, lines = tables["claims"], tables["claim_lines"]
    for rule in policies.engine_rules():
        ids = truth.loc[truth["denial_rule"] == rule.id, "claim_id"]
        if ids.empty:
            continue
        batch = claims[claims["claim_id"].isin(ids)].reset_index(drop=True)
        explained = explainer.explain(batch, lines[lines["claim_id"].isin(ids)])
        code_hits = slice_hits = 0
        for claim, expl in zip(batch.itertuples(), explained, strict=True):
            top = expl["factors"][0]["sentence"] if expl["factors"] else ""
            has_code = any(code in top for code in rule.codes)
            code_hits += has_code
            slice_hits += has_code and (claim.payer_id in top or names.get(claim.payer_id, "?") in top)
        n = len(batch)
        print(
            f"{rule.id}: {n} test denials; top sentence names a code {code_hits / n:.0%}, code + payer "
            f"{slice_hits / n:.0%}; e.g. {explained[0]['factors'][0]['sentence'] if explained[0]['factors'] else ''!r}"
        )


if __name__ == "__main__":
    main()
