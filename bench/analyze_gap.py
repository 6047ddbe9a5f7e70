"""Analysis (run by hand): how far the denial model is from what the synthetic world allows, and why.

Run: .venv/bin/python bench/analyze_gap.py [--claims 200000 --seed 7] [--model models/denial-risk] [--draws 30]

Generates the world again with the generator's hazard functions and provider traits recorded (the hidden flags
stay on the generator's frames), then prints, on the test period of `denial-ml train`'s split:
1. the truth's ROC-AUC and the Bayes ceiling without the per-claim examiner noise (the probability averaged over
   `--draws` fresh noise draws, every hidden flag and trait known);
2. LightGBM trained as `denial-ml train` trains it on today's features, then with the hidden flags and traits
   added one group at a time, then with all of them (an oracle no practice has: it shows where information is
   missing, not a model to ship);
3. with `--model`, the explanation's top-1 hit rate by the mechanism that really fired, split into mechanisms
   that leave evidence on the claim and the base rates that do not, and the hit rate of the Bayes-optimal
   explanation (the most probable category given every hidden flag and trait) on the same claims.
"""

from __future__ import annotations

import argparse

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import denial_ml.data.synthetic.outcomes as outcomes
import denial_ml.data.synthetic.policy_rules as policy_rules
import denial_ml.data.synthetic.world as world
from denial_ml.explain.accuracy import CLAIM_LEVEL_CAUSES
from denial_ml.features.build import FeatureBuilder
from denial_ml.labels import label_claims
from denial_ml.modeling.train import DENIAL_PARAMS, REFIT_ROUNDS, assign_periods

CLAIM_FLAGS = {
    "coverage": ["_coverage_inactive"],
    "member": ["_member_typo"],
    "diagnosis": ["_dx_misfit", "_inactive_dx"],
    "authorization": ["_auth_missing", "_auth_needed", "_auth_expired"],
    "duplicate": ["_duplicate"],
}
# The modifier rules (25, telehealth, GP, the 97140-59 bundle) moved to the policy file, which decides them from
# what the claim shows: they have no hidden flag left, only the coders' invalid modifiers do.
LINE_FLAGS = {
    "authorization": ["_auth_wrong_code", "_auth_units"],
    "modifiers": ["_bad_modifier"],
    "pointer": ["_missing_pointer"],
}
TRAITS = ["data_quality", "coding_quality", "doc_quality"]
BASE_MECHANISMS = ("elig_base", "auth_base", "coding_base")


def generate_recorded(n_claims: int, seed: int) -> tuple[dict, dict]:
    """The world, and what the generator knew: hazard inputs, the mechanism that fired, provider traits."""
    seen: dict = {}

    def claim_hazards(rng, claims, providers):
        seen["claims"], seen["providers"] = claims.copy(), providers.copy()
        return original_claim(rng, claims, providers)

    def line_hazards(rng, lines, claims, providers):
        seen["lines"] = lines.copy()
        return original_line(rng, lines, claims, providers)

    def decide(*args, **kwargs):
        result = original_decide(*args, **kwargs)
        seen["mechanism"] = result[2]
        return result

    def cause_rules(H_line, lines, claims, patients, policies):
        seen["patients"], seen["policies"] = patients, policies
        return original_cause_rules(H_line, lines, claims, patients, policies)

    original_claim, original_line, original_decide = (
        outcomes.claim_hazards,
        outcomes.line_hazards,
        outcomes.decide_denials,
    )
    original_cause_rules = policy_rules.apply_cause_rules
    world.outcomes.claim_hazards, world.outcomes.line_hazards = claim_hazards, line_hazards
    world.outcomes.decide_denials = decide
    world.policy_rules.apply_cause_rules = cause_rules
    try:
        tables = world.generate_world(n_claims, seed=seed)
    finally:
        world.outcomes.claim_hazards, world.outcomes.line_hazards = original_claim, original_line
        world.outcomes.decide_denials = original_decide
        world.policy_rules.apply_cause_rules = original_cause_rules
    return tables, seen


def line_hazards_with_policies(seen: dict, rng: object) -> np.ndarray:
    """The generator's line hazards with the policy file's rules, as adjudication adds them: the `cause:` rules
    in their mechanisms' columns, then one column per engine rule (deterministic given the claim)."""
    claims, lines, patients, policies = seen["claims"], seen["lines"], seen["patients"], seen["policies"]
    h = outcomes.line_hazards(rng, lines, claims, seen["providers"])
    h = policy_rules.apply_cause_rules(h, lines, claims, patients, policies)
    return np.hstack([h, policy_rules.policy_hazards(lines, claims, patients, policies)])


class _Noise:
    """Stands in for the generator's random generator where only the examiner noise is drawn."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def lognormal(self, mean: float, sigma: float, size: int) -> np.ndarray:
        return self.rng.lognormal(mean, sigma, size)


def bayes_probability(seen: dict, draws: int) -> np.ndarray:
    """Denial probability per claim averaged over fresh examiner noise, everything else as generated."""
    claims, providers, lines = seen["claims"], seen["providers"], seen["lines"]
    line_claim = lines["_c"].to_numpy()
    total = np.zeros(len(claims))
    for k in range(draws):
        h_claim = outcomes.claim_hazards(_Noise(1000 + k), claims, providers)
        h_line = line_hazards_with_policies(seen, _Noise(5000 + k))
        hazard = h_claim.sum(axis=1) + np.bincount(line_claim, weights=h_line.sum(axis=1), minlength=len(claims))
        total += -np.expm1(-hazard)
    return total / draws


class _MeanNoise:
    """Stands in for the generator's random generator: every examiner-noise draw is the noise's mean."""

    def lognormal(self, mean: float, sigma: float, size: int) -> np.ndarray:
        return np.full(size, np.exp(mean + sigma**2 / 2))


def oracle_categories(seen: dict) -> tuple[np.ndarray, np.ndarray]:
    """The Bayes-optimal denial category of each claim, knowing every hidden flag and trait (mean noise): the
    category with the largest summed hazard, among all categories and among the claim-level ones only."""
    claims, providers, lines = seen["claims"], seen["providers"], seen["lines"]
    h_claim = outcomes.claim_hazards(_MeanNoise(), claims, providers)
    h_line = line_hazards_with_policies(seen, _MeanNoise())
    h_claim = np.hstack([h_claim, np.zeros((len(h_claim), h_line.shape[1] - h_claim.shape[1]))])
    mechanisms = outcomes.MECHANISMS + policy_rules.policy_mechanisms(seen["policies"])
    names, by_category = outcomes.category_hazards(h_claim, h_line, lines["_c"].to_numpy(), mechanisms)
    claim_level = np.isin(names, CLAIM_LEVEL_CAUSES)
    return names[by_category.argmax(axis=1)], names[claim_level][by_category[:, claim_level].argmax(axis=1)]


def oracle_columns(seen: dict, claim_ids: pd.Index) -> dict[str, pd.DataFrame]:
    """Hidden flags (claim flags, line-flag counts) and provider traits per claim, by group."""
    claims = seen["claims"].set_index("claim_id")
    lines = seen["lines"].assign(claim_id=seen["claims"]["claim_id"].to_numpy()[seen["lines"]["_c"].to_numpy()])
    groups: dict[str, pd.DataFrame] = {}
    for group, flags in CLAIM_FLAGS.items():
        groups[group] = claims.loc[claim_ids, flags].astype(float)
    for group, flags in LINE_FLAGS.items():
        counts = lines.groupby("claim_id")[flags].sum().reindex(claim_ids).fillna(0.0)
        groups[group] = pd.concat([groups.get(group, pd.DataFrame(index=claim_ids)), counts.astype(float)], axis=1)
    people = seen["providers"].set_index("provider_npi")
    npi = claims.loc[claim_ids, "rendering_provider_npi"]
    groups["provider traits"] = pd.DataFrame({t: npi.map(people[t]).astype(float) for t in TRAITS}, index=claim_ids)
    return groups


def fit_auc(X: pd.DataFrame, y: np.ndarray, period: np.ndarray) -> float:
    """Test ROC-AUC of the denial model trained as `train_denial_model` does (early stop, refit train + valid)."""
    tr, va, te = period == "train", period == "valid", period == "test"
    dtrain = lgb.Dataset(X[tr], label=y[tr])
    booster = lgb.train(
        DENIAL_PARAMS,
        dtrain,
        3000,
        valid_sets=[lgb.Dataset(X[va], label=y[va], reference=dtrain)],
        callbacks=[lgb.early_stopping(50, verbose=False)],
    )
    rows = tr | va
    refit = lgb.train(
        DENIAL_PARAMS, lgb.Dataset(X[rows], label=y[rows]), int(round(booster.best_iteration * REFIT_ROUNDS))
    )
    return float(roc_auc_score(y[te], refit.predict(X[te])))


def explanation_hits(model: str, X: pd.DataFrame, cause: np.ndarray, mechanism: np.ndarray) -> None:
    """Top-1 explanation hit rate by the mechanism that fired (claim-level causes, test period)."""
    from denial_ml.explain.accuracy import top_factor_categories
    from denial_ml.modeling.bundle import Scorer

    scorer = Scorer.load(model)
    keep = np.isin(cause, CLAIM_LEVEL_CAUSES)
    top = top_factor_categories(scorer.denial_model, scorer.category_model, X[keep], list(X.columns))
    hit = pd.Series(top == cause[keep])
    by_mech = hit.groupby(mechanism[keep]).agg(["size", "mean"]).sort_values("size", ascending=False)
    print(by_mech.rename(columns={"size": "claims", "mean": "top-1 hit"}).to_string(float_format="%.3f"))
    base = np.isin(mechanism[keep], BASE_MECHANISMS)
    print(
        f"overall {hit.mean():.3f}; evidence on the claim {hit[~base].mean():.3f} ({(~base).sum()} claims); "
        f"base rates {hit[base].mean():.3f} ({base.sum()} claims, {base.mean():.1%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--draws", type=int, default=30)
    parser.add_argument("--model", help="A bundle trained on this world (for the explanation analysis).")
    args = parser.parse_args()
    tables, seen = generate_recorded(args.claims, args.seed)
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    claims = tables["claims"].merge(labels[["claim_id", "denied"]], on="claim_id")
    X = FeatureBuilder().fit(tables).transform(claims, tables["claim_lines"])
    y = claims["denied"].to_numpy(dtype=int)
    period, _ = assign_periods(claims["submission_date"])
    te = period == "test"
    ids = pd.Index(claims["claim_id"])
    truth = claims["claim_id"].map(tables["truth"].set_index("claim_id")["denial_probability"]).to_numpy()
    bayes = pd.Series(bayes_probability(seen, args.draws), index=seen["claims"]["claim_id"]).loc[ids].to_numpy()
    truth_auc = roc_auc_score(y[te], truth[te])
    print(f"truth {truth_auc:.4f}; Bayes ceiling without examiner noise {roc_auc_score(y[te], bayes[te]):.4f}")
    base_auc = fit_auc(X, y, period)
    print(f"LightGBM, today's features: {base_auc:.4f} (ratio {base_auc / truth_auc:.4f})")
    groups = oracle_columns(seen, ids)
    for name, cols in groups.items():
        auc = fit_auc(pd.concat([X, cols.add_prefix("oracle").reset_index(drop=True)], axis=1), y, period)
        print(f"  + hidden {name:16s} {auc:.4f} ({auc - base_auc:+.4f})", flush=True)
    everything = pd.concat([X] + [c.add_prefix("oracle").reset_index(drop=True) for c in groups.values()], axis=1)
    print(f"  + all hidden flags and traits {fit_auc(everything, y, period):.4f}")
    if args.model:
        fired = outcomes.MECHANISMS + policy_rules.policy_mechanisms(seen["policies"])
        names = np.array([m.name for m in fired] + [""], dtype=object)
        mechanism = pd.Series(names[seen["mechanism"]], index=seen["claims"]["claim_id"]).loc[ids].to_numpy()
        cause = claims["claim_id"].map(tables["truth"].set_index("claim_id")["denial_cause"]).to_numpy(dtype=object)
        explanation_hits(args.model, X[te], cause[te], mechanism[te])
        oracle = [
            pd.Series(o, index=seen["claims"]["claim_id"]).loc[ids].to_numpy()[te] for o in oracle_categories(seen)
        ]
        counted = np.isin(cause[te], CLAIM_LEVEL_CAUSES)
        best, best_claim_level = ((o == cause[te])[counted].mean() for o in oracle)
        print(
            "Bayes-optimal explanation (every hidden flag and trait known, the most probable category named): top-1 "
            f"{best:.3f}; naming only claim-level categories (as if it knew the cause is one of them, which is "
            f"decided only at adjudication): {best_claim_level:.3f}"
        )


if __name__ == "__main__":
    main()
