"""The quality gate of a training run: 95 % bootstrap intervals, and whether the model is fit for use.

A model is *not for use* when
- the data are too small: fewer than `MIN_DECIDED` decided claims or `MIN_DENIALS` denials; or
- it is not better than its best reference baseline beyond the interval: the paired bootstrap interval of
  (model ROC-AUC - baseline ROC-AUC) on the test period reaches zero. Reference baselines learn nothing from
  the claim's own fields (`REFERENCE_BASELINES`: the payer x procedure denial rate); a model that does not beat
  them has learnt nothing a rate table does not know; or
- a comparison model (the logistic regression on the same features) is better beyond the interval.

The synthetic truth is not a baseline (it is the ceiling) and never gates.
"""

from __future__ import annotations

import numpy as np

# Thresholds of "too small". The test period is the last 18 % of decided claims (modeling.train.PERIOD_CUTS):
# 1,000 decided claims leave about 180 test claims and 150 denials about 27 test denials. Below that the 95 %
# interval of the test ROC-AUC is about +-0.1 wide (Hanley-McNeil), as wide as the gap between a useful model
# and a coin, and the training period holds about 100 denials: with min_data_in_leaf 40 a tree gets one or two
# splits, so the model cannot learn more than a rate table anyway.
MIN_DECIDED = 1000
MIN_DENIALS = 150
REFERENCE_BASELINES = ("payer_procedure_rate",)
NOT_BASELINES = ("truth",)
RESAMPLES = 200
FIT = "fit for use"
NOT_BETTER = "not better than baselines"
TOO_SMALL = "too small"


def bootstrap(
    y: np.ndarray, scores: dict[str, np.ndarray], model: str = "lightgbm", resamples: int = RESAMPLES, seed: int = 0
) -> dict[str, dict[str, list[float]]]:
    """95 % percentile intervals of ROC-AUC and PR-AUC of every score, and of the model's paired differences
    with each other score (the same resampled claims for all, so the differences are paired).

    A resample is the number of times it draws each claim; each score's metrics are computed from those counts as
    weights over the claims sorted once by score (`weighted_metrics`), which equals sklearn's metrics on the
    resampled claims up to float rounding (tested) at a small fraction of the cost.

    Returns:
        {name: {"roc_auc": [lo, hi], "pr_auc": [lo, hi]}, and for others also "roc_auc_diff", "pr_auc_diff"
        (model minus that score)}.
    """
    rng = np.random.default_rng(seed)
    names = list(scores)
    draws: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    n = len(y)
    y = np.asarray(y)
    for name in names:  # sklearn's metrics refused them; a rank would silently put them last
        bad = int((~np.isfinite(np.asarray(scores[name], dtype=np.float64))).sum())
        if bad:
            raise ValueError(f"scores[{name!r}]: {bad} of {len(scores[name])} values are NaN or infinite")
    ranked = {name: rank_by_score(y, scores[name]) for name in names}
    for _ in range(resamples):
        rows = rng.integers(0, n, n)
        if not 0 < y[rows].sum() < n:
            continue  # a resample with one class has no ROC-AUC
        counts = np.bincount(rows, minlength=n)
        for name in names:
            draws[name].append(weighted_metrics(ranked[name], counts))
    out: dict[str, dict[str, list[float]]] = {}
    base = np.array(draws[model]) if draws[model] else np.empty((0, 2))
    for name in names:
        values = np.array(draws[name]) if draws[name] else np.full((1, 2), np.nan)
        entry = {"roc_auc": _interval(values[:, 0]), "pr_auc": _interval(values[:, 1])}
        if name != model and len(base):
            entry["roc_auc_diff"] = _interval(base[:, 0] - values[:, 0])
            entry["pr_auc_diff"] = _interval(base[:, 1] - values[:, 1])
        out[name] = entry
    return out


def rank_by_score(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What `weighted_metrics` needs of one score, computed once for all resamples: the claims in descending score
    order, each one's tie group (claims of equal score share one; group 0 holds the highest score) and whether it
    was denied."""
    order = np.argsort(-np.asarray(score, dtype=np.float64), kind="stable")
    ordered = np.asarray(score, dtype=np.float64)[order]
    group = np.concatenate([[0], np.cumsum(ordered[1:] != ordered[:-1])])
    return order, group, np.asarray(y)[order].astype(bool)


def weighted_metrics(ranked: tuple[np.ndarray, np.ndarray, np.ndarray], counts: np.ndarray) -> tuple[float, float]:
    """ROC-AUC and average precision of one score on a resample given as each claim's draw count.

    Per tie group (descending score): the drawn positives and negatives. ROC-AUC is the share of (positive,
    negative) pairs ranked right, ties counting half (the area under sklearn's trapezoid ROC curve); average
    precision is sum over thresholds of (recall gained) x (precision at that threshold), as sklearn's
    `average_precision_score` (a group without positives gains no recall, so it adds nothing).
    """
    order, group, positive = ranked
    weight = counts[order].astype(np.float64)
    groups = int(group[-1]) + 1
    pos = np.bincount(group, weights=np.where(positive, weight, 0.0), minlength=groups)
    neg = np.bincount(group, weights=np.where(positive, 0.0, weight), minlength=groups)
    total_pos, total_neg = pos.sum(), neg.sum()
    neg_below = total_neg - np.cumsum(neg)  # negatives with a strictly lower score than the group
    roc_auc = float((pos * (neg_below + 0.5 * neg)).sum() / (total_pos * total_neg))
    true_pos, drawn = np.cumsum(pos), np.cumsum(pos + neg)
    gains = pos > 0
    pr_auc = float((pos[gains] * (true_pos[gains] / drawn[gains])).sum() / total_pos)
    return roc_auc, pr_auc


def _interval(values: np.ndarray) -> list[float]:
    return [float(np.nanpercentile(values, 2.5)), float(np.nanpercentile(values, 97.5))]


def decide_gate(
    n_decided: int, n_denials: int, intervals: dict[str, dict[str, list[float]]], model: str = "lightgbm"
) -> dict:
    """The gate's verdict from the data size and the intervals of `bootstrap`.

    Returns:
        {"for_use": bool, "verdict": FIT | NOT_BETTER | TOO_SMALL, "reason": a sentence, "n_decided",
        "n_denials", "thresholds"}.
    """
    out = {
        "n_decided": int(n_decided),
        "n_denials": int(n_denials),
        "thresholds": {"min_decided": MIN_DECIDED, "min_denials": MIN_DENIALS},
    }
    if n_decided < MIN_DECIDED or n_denials < MIN_DENIALS:
        reason = (
            f"too small: {n_decided} decided claims / {n_denials} denials, below the thresholds of "
            f"{MIN_DECIDED} decided claims and {MIN_DENIALS} denials"
        )
        return {**out, "for_use": False, "verdict": TOO_SMALL, "reason": reason}
    problems = []
    for name, entry in intervals.items():
        if name == model or name in NOT_BASELINES or "roc_auc_diff" not in entry:
            continue
        lo, hi = entry["roc_auc_diff"]
        if name in REFERENCE_BASELINES and not lo > 0:
            problems.append(f"not better than {name} beyond the interval (ROC-AUC difference {lo:+.3f} to {hi:+.3f})")
        elif hi < 0:
            problems.append(f"worse than {name} beyond the interval (ROC-AUC difference {lo:+.3f} to {hi:+.3f})")
    if problems:
        return {**out, "for_use": False, "verdict": NOT_BETTER, "reason": "; ".join(problems)}
    return {
        **out,
        "for_use": True,
        "verdict": FIT,
        "reason": "better than its baselines beyond the interval",
    }


def gate_run(y: np.ndarray, scores: dict[str, np.ndarray], n_decided: int, n_denials: int) -> tuple[dict, dict]:
    """Intervals of the test-period scores and the gate's verdict (see the module docstring)."""
    intervals = bootstrap(y, scores)
    return intervals, decide_gate(n_decided, n_denials, intervals)
