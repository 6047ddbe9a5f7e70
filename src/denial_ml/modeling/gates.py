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
from sklearn.metrics import average_precision_score, roc_auc_score

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


def _metrics(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    return float(roc_auc_score(y, p)), float(average_precision_score(y, p))


def bootstrap(
    y: np.ndarray, scores: dict[str, np.ndarray], model: str = "lightgbm", resamples: int = RESAMPLES, seed: int = 0
) -> dict[str, dict[str, list[float]]]:
    """95 % percentile intervals of ROC-AUC and PR-AUC of every score, and of the model's paired differences
    with each other score (the same resampled claims for all, so the differences are paired).

    Returns:
        {name: {"roc_auc": [lo, hi], "pr_auc": [lo, hi]}, and for others also "roc_auc_diff", "pr_auc_diff"
        (model minus that score)}.
    """
    rng = np.random.default_rng(seed)
    names = list(scores)
    draws: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    n = len(y)
    ordered = {name: _score_order(scores[name]) for name in names}
    for _ in range(resamples):
        rows = rng.integers(0, n, n)
        if not 0 < y[rows].sum() < n:
            continue  # a resample with one class has no ROC-AUC
        for name in names:
            order, rank = ordered[name]
            # The resample's claims in score order: sklearn's stable sort of already sorted scores is linear, and
            # the metrics do not depend on the claims' order (their counts above each threshold are whole numbers).
            taken = order[np.sort(rank[rows])]
            draws[name].append(_metrics(y[taken], scores[name][taken]))
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


def _score_order(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows in score order, and each row's place in it."""
    order = np.argsort(score, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return order, rank


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
