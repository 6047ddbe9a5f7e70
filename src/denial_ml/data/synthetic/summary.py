"""A world's summary: the figures `generate` and `demo` print, computed with the project's denial rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from denial_ml.labels import label_claims, map_keys


def summarize_world(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Headline figures of a world.

    Args:
        tables: A world as returned by `generate_world` or read by `read_tables` (`truth` optional).

    Returns:
        claims, adjudicated, denial_rate, denial_rate_by_payer_type, denial_mix (share of denials per
        category), appeal_rate (appealed / denied), overturn_rate (overturned / decided), and with the truth,
        truth_roc_auc.
    """
    claims = tables["claims"]
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    payers = tables["payers"]
    payer_type = map_keys(claims["payer_id"], payers["payer_id"], payers["payer_type"])
    labels = labels.assign(payer_type=map_keys(labels["claim_id"], claims["claim_id"], payer_type))
    denied = labels[labels["denied"]]
    appeals = tables["appeals"]
    decided = appeals[appeals["outcome"] != "pending"]
    summary: dict[str, Any] = {
        "claims": int(len(claims)),
        "claim_lines": int(len(tables["claim_lines"])),
        "adjudicated": int(len(labels)),
        "pending": int(len(claims) - len(labels)),
        "denied": int(len(denied)),
        "denial_rate": _rate(len(denied), len(labels)),
        "denial_rate_by_payer_type": {
            k: round(float(v), 4) for k, v in labels.groupby("payer_type")["denied"].mean().items()
        },
        "denial_mix": {
            k: round(float(v), 4) for k, v in denied["denial_category"].value_counts(normalize=True).items()
        },
        "appeals": int(len(appeals)),
        "appeal_rate": _rate(appeals["claim_id"].nunique(), len(denied)),
        "overturn_rate": _rate(int((decided["outcome"] == "overturned").sum()), len(decided)),
        "recovered_amount": round(float(appeals["recovered_amount"].sum()), 2),
    }
    if "truth" in tables:
        truth = tables["truth"]
        y = labels["denied"].to_numpy()
        score = map_keys(labels["claim_id"], truth["claim_id"], truth["denial_probability"]).to_numpy()
        if 0 < y.sum() < len(y):
            summary["truth_roc_auc"] = round(roc_auc(y, score), 4)
    return summary


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """The ROC AUC of `score` for the binary labels `y` (ties count a half), as the Mann-Whitney U statistic.

    The same figure as `sklearn.metrics.roc_auc_score`, without importing scikit-learn (and SciPy) into
    `denial-ml generate`, which needs nothing else from them: the import cost about a second of its start.
    """
    y = np.asarray(y, dtype=bool)
    order = np.argsort(score, kind="stable")
    ranked = np.asarray(score)[order]
    # Tied scores share the mean of their ranks (1-based).
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    ends = np.r_[starts[1:], len(ranked)]
    mean_rank = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    positives = int(y.sum())
    negatives = len(y) - positives
    u = mean_rank[y[order]].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def _rate(numerator: int, denominator: int) -> float:
    return round(float(numerator) / denominator, 4) if denominator else float("nan")


def format_summary(summary: dict[str, Any]) -> str:
    """A readable multi-line rendering of `summarize_world`'s output."""
    lines = [
        f"claims            {summary['claims']:>10,}   lines {summary['claim_lines']:,}",
        f"adjudicated       {summary['adjudicated']:>10,}   pending {summary['pending']:,}",
        f"denial rate       {summary['denial_rate']:>10.1%}   ({summary['denied']:,} denied)",
    ]
    lines.append("by payer type:")
    lines += [f"  {k:<20}{v:>8.1%}" for k, v in summary["denial_rate_by_payer_type"].items()]
    lines.append("denial mix by category:")
    lines += [f"  {k:<20}{v:>8.1%}" for k, v in summary["denial_mix"].items()]
    lines.append(f"appeal rate       {summary['appeal_rate']:>10.1%}   ({summary['appeals']:,} appeals)")
    lines.append(f"overturn rate     {summary['overturn_rate']:>10.1%}   recovered ${summary['recovered_amount']:,.0f}")
    if "truth_roc_auc" in summary and not np.isnan(summary["truth_roc_auc"]):
        lines.append(f"truth ROC-AUC     {summary['truth_roc_auc']:>10.3f}")
    return "\n".join(lines)
