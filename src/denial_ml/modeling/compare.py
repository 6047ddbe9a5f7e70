"""Champion against challenger on the same claims, with paired bootstrap intervals (pure).

Both models score the same recently decided claims. Each bootstrap resample draws claims with replacement
once and measures both models on it, so the interval of a difference reflects the pairing (the claims that
are hard for one model are hard for the other). Resamples are count weights, and every metric is computed
for a block of resamples at once with sorted cumulative sums (no Python loop over resamples).

Metrics: ROC-AUC, PR-AUC (average precision), ECE (10 equal-width bins) and denied dollars caught in the
top 20 % by risk (the denied amounts of the riskiest fifth of claims: what pre-submission review of that
share could have prevented; the appeal-recovery figure of the triage model needs its own bundle and is not
part of a denial-model comparison). The challenger may replace the champion unless it is worse beyond the
interval on any of the four.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from denial_ml.modeling.bundle import Scorer

HIGHER_IS_BETTER = {"roc_auc": True, "pr_auc": True, "ece": False, "denied_dollars_at_20pct": True}
DECISION_METRICS = tuple(HIGHER_IS_BETTER)  # the rule of issue 7: not worse on any of them
TOP_FRACTION = 0.2
_CELLS_PER_BLOCK = 4_000_000  # resamples x claims held in memory at once


@dataclass
class MetricComparison:
    """One metric for both models, with 95 % (or `confidence`) bootstrap intervals."""

    metric: str
    champion: float
    challenger: float
    difference: float  # challenger - champion
    difference_low: float
    difference_high: float
    champion_low: float
    champion_high: float
    challenger_low: float
    challenger_high: float
    higher_is_better: bool

    @property
    def worse(self) -> bool:
        """The challenger is worse beyond the interval: the whole interval lies on the wrong side of 0."""
        return self.difference_high < 0 if self.higher_is_better else self.difference_low > 0

    @property
    def better(self) -> bool:
        """The challenger is better beyond the interval."""
        return self.difference_low > 0 if self.higher_is_better else self.difference_high < 0


@dataclass
class Comparison:
    """Every metric, and how it was measured."""

    metrics: dict[str, MetricComparison]
    claims: int
    denied: int
    resamples: int
    seed: int
    confidence: float

    def to_json(self) -> dict:
        """JSON-ready form."""
        body = {k: {**asdict(m), "worse": m.worse, "better": m.better} for k, m in self.metrics.items()}
        head = {k: v for k, v in asdict(self).items() if k != "metrics"}
        return {**head, "metrics": body}


@dataclass
class Decision:
    """Whether the challenger may replace the champion, and why."""

    promote: bool
    reasons: list[str]


def weighted_metrics(y: np.ndarray, p: np.ndarray, dollars: np.ndarray, W: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric for each row of count weights `W` (shape resamples x claims); a row of ones is the sample.

    Ties in `p` count as sklearn counts them (one threshold per distinct score).
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    W = np.atleast_2d(np.asarray(W, dtype=float))
    asc = np.argsort(p, kind="stable")
    _, start = np.unique(p[asc], return_index=True)
    Wa = W[:, asc]
    pos = np.add.reduceat(Wa * y[asc], start, axis=1)
    neg = np.add.reduceat(Wa, start, axis=1) - pos
    n_pos, n_neg = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (pos * (np.cumsum(neg, axis=1) - 0.5 * neg)).sum(axis=1) / (n_pos * n_neg)
        # Average precision walks the distinct scores from the highest down.
        tp, fp = np.cumsum(pos[:, ::-1], axis=1), np.cumsum(neg[:, ::-1], axis=1)
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        ap = (pos[:, ::-1] * precision).sum(axis=1) / n_pos
    return {
        "roc_auc": auc,
        "pr_auc": ap,
        "ece": _weighted_ece(y, p, W),
        "denied_dollars_at_20pct": _weighted_top_value(p, np.asarray(dollars, dtype=float), W),
    }


def _weighted_ece(y: np.ndarray, p: np.ndarray, W: np.ndarray, bins: int = 10) -> np.ndarray:
    """ECE = sum over bins of |sum(y) - sum(p)| / total weight (the share-weighted mean gap)."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    onehot = np.zeros((len(p), bins))
    onehot[np.arange(len(p)), which] = 1.0
    gap = W @ (onehot * (y - p)[:, None])
    return np.abs(gap).sum(axis=1) / W.sum(axis=1)


def _weighted_top_value(p: np.ndarray, value: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Value of the riskiest `TOP_FRACTION` of the (weighted) claims; the claim at the edge counts in part."""
    desc = np.argsort(-p, kind="stable")
    Ws = W[:, desc]
    k = np.ceil(TOP_FRACTION * W.sum(axis=1, keepdims=True))
    before = np.cumsum(Ws, axis=1) - Ws
    take = np.clip(k - before, 0, Ws)
    return (take * value[desc]).sum(axis=1)


def bootstrap_blocks(n: int, resamples: int, seed: int):
    """Yield blocks of count weights (rows: resamples, columns: claims), seeded, drawn with replacement."""
    rng = np.random.default_rng(seed)
    per_block = max(1, _CELLS_PER_BLOCK // max(n, 1))
    done = 0
    while done < resamples:
        b = min(per_block, resamples - done)
        draws = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        yield np.bincount(draws.ravel(), minlength=b * n).reshape(b, n).astype(float)
        done += b


def compare_scores(
    y: np.ndarray,
    champion: np.ndarray,
    challenger: np.ndarray,
    dollars: np.ndarray,
    resamples: int = 300,
    seed: int = 0,
    confidence: float = 0.95,
) -> Comparison:
    """Both models' metrics and their differences on the same claims, with paired bootstrap intervals.

    Args:
        y: 1 when the claim was denied.
        champion, challenger: Each model's denial risk for the same claims.
        dollars: Denied amount of each claim (0 when paid).
        resamples: Bootstrap resamples.
        seed: Seed of the resampling (the same seed gives the same intervals).
        confidence: Coverage of the percentile intervals.

    Raises:
        ValueError: when lengths differ or the claims hold only one class.
    """
    y = np.asarray(y, dtype=int)
    arrays = [np.asarray(a, dtype=float) for a in (champion, challenger, dollars)]
    if any(len(a) != len(y) for a in arrays):
        raise ValueError(f"labels, scores and dollars differ in length: {[len(y)] + [len(a) for a in arrays]}")
    if y.sum() in (0, len(y)):
        raise ValueError(f"the claims must hold both denied and paid claims (got {y.sum()} denied of {len(y)})")
    point = [weighted_metrics(y, s, arrays[2], np.ones((1, len(y)))) for s in arrays[:2]]
    draws: list[list[dict[str, np.ndarray]]] = [[], []]
    for W in bootstrap_blocks(len(y), resamples, seed):
        for i, s in enumerate(arrays[:2]):
            draws[i].append(weighted_metrics(y, s, arrays[2], W))
    tail = (1 - confidence) / 2 * 100
    out = {}
    for name, higher in HIGHER_IS_BETTER.items():
        a = np.concatenate([d[name] for d in draws[0]])
        b = np.concatenate([d[name] for d in draws[1]])
        ok = ~(np.isnan(a) | np.isnan(b))  # a resample with one class has no AUC
        lo_a, hi_a = np.percentile(a[ok], [tail, 100 - tail])
        lo_b, hi_b = np.percentile(b[ok], [tail, 100 - tail])
        lo_d, hi_d = np.percentile((b - a)[ok], [tail, 100 - tail])
        champ, chall = float(point[0][name][0]), float(point[1][name][0])
        out[name] = MetricComparison(
            name, champ, chall, chall - champ, float(lo_d), float(hi_d), float(lo_a), float(hi_a),
            float(lo_b), float(hi_b), higher,
        )  # fmt: skip
    return Comparison(out, int(len(y)), int(y.sum()), int(resamples), int(seed), float(confidence))


def decide(comparison: Comparison, metrics: tuple[str, ...] = DECISION_METRICS) -> Decision:
    """Promote unless the challenger is worse beyond the interval on one of `metrics`."""
    worse = [comparison.metrics[m] for m in metrics if comparison.metrics[m].worse]
    if worse:
        return Decision(False, [f"challenger is worse on {_describe(m)}" for m in worse])
    better = [_describe(comparison.metrics[m]) for m in metrics if comparison.metrics[m].better]
    reasons = [f"challenger is better on {b}" for b in better] or ["challenger is not worse beyond the interval"]
    return Decision(True, reasons)


def _describe(m: MetricComparison) -> str:
    fmt = _money if m.metric.startswith("denied_dollars") else _num
    interval = f"{fmt(m.difference_low, True)} .. {fmt(m.difference_high, True)}"
    return f"{m.metric}: {fmt(m.challenger)} vs {fmt(m.champion)} (difference interval {interval})"


def score_both(
    champion: Scorer, challenger: Scorer, claims: pd.DataFrame, lines: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Denial risk of the same claims from two scorers (each builds features against its own history)."""
    risks = []
    for scorer in (champion, challenger):
        scored = scorer.score(claims, lines)
        risks.append(scored["denial_risk"].to_numpy(dtype=float))
    return risks[0], risks[1]


def format_comparison(comparison: Comparison, champion: str, challenger: str) -> str:
    """Text table: each metric for both models with intervals, and the difference."""
    pct = f"{comparison.confidence:.0%}"
    rows = [("metric", "champion", "challenger", "difference", "verdict")]
    for m in comparison.metrics.values():
        fmt = _money if m.metric.startswith("denied_dollars") else _num
        verdict = "worse" if m.worse else "better" if m.better else "no clear change"
        rows.append(
            (
                m.metric,
                _cell(fmt, m.champion, m.champion_low, m.champion_high),
                _cell(fmt, m.challenger, m.challenger_low, m.challenger_high),
                _cell(fmt, m.difference, m.difference_low, m.difference_high, signed=True),
                verdict,
            )
        )
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        f"{comparison.claims:,} decided claims ({comparison.denied:,} denied); {comparison.resamples} paired"
        f" bootstrap resamples (seed {comparison.seed}), {pct} intervals",
        f"champion = {champion}   challenger = {challenger}",
    ]
    for r in rows:
        lines.append(f"{r[0]:<{width[0]}}" + "".join(f"  {r[i]:>{width[i]}}" for i in (1, 2, 3)) + f"  {r[4]}")
    return "\n".join(lines)


def _num(x: float, signed: bool = False) -> str:
    return "nan" if math.isnan(x) else (f"{x:+.4f}" if signed else f"{x:.4f}")


def _money(x: float, signed: bool = False) -> str:
    return f"{x:+,.0f}" if signed else f"{x:,.0f}"


def _cell(fmt, value: float, low: float, high: float, signed: bool = False) -> str:
    return f"{fmt(value, signed)} [{fmt(low, signed)}, {fmt(high, signed)}]"
