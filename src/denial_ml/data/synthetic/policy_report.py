"""How much of each policy rule's risk a model caught: per rule, the truth next to the model's risk.

The truth records, per claim, the policy rule with the largest hazard on it (`policy_rule`), that hazard
(`policy_hazard`) and the claim's denial probability. Without the rule the claim's probability would have been
1 - (1 - p) * exp(h), so the rule's true added risk on the claim is the difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rule_figures(truth: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Per policy rule, on the scored claims it hits.

    Args:
        truth: The world's truth table (`claim_id`, `denial_probability`, `policy_rule`, `policy_hazard`).
        scored: `claim_id` and the model's `risk` for the claims to judge (e.g. the test period's).

    Returns:
        One row per rule (index `rule`): `claims` hit, `true_risk` (mean denial probability), `true_added`
        (mean risk the rule adds), `predicted` (mean model risk), `caught` (predicted / true_risk) and
        `caught_added` ((predicted - risk without the rule) / true_added: the share of the rule's own risk learnt).
    """
    rows = scored[["claim_id", "risk"]].merge(
        truth[["claim_id", "denial_probability", "policy_rule", "policy_hazard"]], on="claim_id", validate="1:1"
    )
    rows = rows[rows["policy_rule"] != ""]
    p = rows["denial_probability"].to_numpy()
    without = 1 - (1 - p) * np.exp(rows["policy_hazard"].to_numpy())
    # exp(h) can overshoot p's rounding when p is ~1: the probability without the rule is never below 0.
    rows = rows.assign(without=np.clip(without, 0.0, 1.0), added=lambda f: f["denial_probability"] - f["without"])
    out = rows.groupby("policy_rule").agg(
        claims=("claim_id", "size"),
        true_risk=("denial_probability", "mean"),
        true_added=("added", "mean"),
        without=("without", "mean"),
        predicted=("risk", "mean"),
    )
    out["caught"] = out["predicted"] / out["true_risk"]
    out["caught_added"] = (out["predicted"] - out["without"]) / out["true_added"]
    return out.rename_axis("rule").drop(columns="without")
