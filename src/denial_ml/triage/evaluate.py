"""Worklist metrics, pure: dollars recovered when working the top of a ranked list."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def top_count(n: int, fraction: float) -> int:
    """How many items "the top `fraction`" of `n` items is (rounded up, at least 1 when n > 0)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return min(n, max(1, math.ceil(n * fraction))) if n else 0


def recovered_at(score: np.ndarray, value: np.ndarray, fraction: float = 0.2) -> float:
    """Dollars recovered by working the `fraction` of items with the highest `score`.

    Ties keep the input order (stable sort), so a result never depends on the sort algorithm.

    Args:
        score: The ranking score (higher first).
        value: The dollars each item brings back when worked.
        fraction: Share of the list worked.
    """
    score = np.asarray(score, dtype=float)
    value = np.asarray(value, dtype=float)
    if score.shape != value.shape:
        raise ValueError(f"score and value differ in length: {score.shape} vs {value.shape}")
    k = top_count(len(score), fraction)
    order = np.argsort(-score, kind="stable")
    return float(value[order[:k]].sum())


def recovery_curve(score: np.ndarray, value: np.ndarray, fractions: Sequence[float] | np.ndarray) -> np.ndarray:
    """Dollars recovered by working the top `f` of items by `score`, for each `f` in `fractions` (a lift curve).

    Each point equals `recovered_at(score, value, f)`: the same rounding (`top_count`) and stable tie order.

    Args:
        score: The ranking score (higher first).
        value: The dollars each item brings back when worked.
        fractions: Shares of the list worked, each in (0, 1].
    """
    score = np.asarray(score, dtype=float)
    value = np.asarray(value, dtype=float)
    if score.shape != value.shape:
        raise ValueError(f"score and value differ in length: {score.shape} vs {value.shape}")
    order = np.argsort(-score, kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(value[order])])
    counts = [top_count(len(score), float(f)) for f in np.atleast_1d(np.asarray(fractions, dtype=float))]
    return cumulative[counts]


def weighted_auc(score: np.ndarray, p_true: np.ndarray) -> float:
    """Expected AUC of `score` when each item is positive with probability `p_true`.

    Every item counts as a positive with weight p and a negative with weight 1 - p; ties count half.
    """
    score = np.asarray(score, dtype=float)
    p = np.asarray(p_true, dtype=float)
    order = np.argsort(score, kind="stable")
    s, pos, neg = score[order], p[order], 1.0 - p[order]
    _, start, counts = np.unique(s, return_index=True, return_counts=True)
    group_pos = np.add.reduceat(pos, start)
    group_neg = np.add.reduceat(neg, start)
    neg_below = np.concatenate([[0.0], np.cumsum(group_neg)[:-1]])
    pairs = float(pos.sum() * neg.sum())
    if pairs == 0:
        return float("nan")
    return float(((group_pos * (neg_below + 0.5 * group_neg)).sum()) / pairs)


def calibration_figures(predicted: np.ndarray, p_true: np.ndarray) -> dict[str, float]:
    """How well predicted probabilities match true ones: AUC, mean bias, Brier distance, correlation."""
    predicted = np.asarray(predicted, dtype=float)
    p_true = np.asarray(p_true, dtype=float)
    return {
        "auc_vs_truth": weighted_auc(predicted, p_true),
        "mean_predicted": float(predicted.mean()),
        "mean_truth": float(p_true.mean()),
        "mean_squared_error_vs_truth": float(np.mean((predicted - p_true) ** 2)),
        "correlation_vs_truth": float(np.corrcoef(predicted, p_true)[0, 1]) if len(p_true) > 1 else float("nan"),
    }
