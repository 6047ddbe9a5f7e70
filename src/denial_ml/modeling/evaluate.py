"""Model evaluation metrics (pure functions of labels and scores) and their plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE with equal-width bins: sum over bins of |mean(y) - mean(p)| x share of rows."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += abs(y[mask].mean() - p[mask].mean()) * mask.mean()
    return float(total)


def recall_at_precision(y: np.ndarray, p: np.ndarray, precision: float = 0.95) -> float:
    """Highest recall among thresholds whose precision is at least `precision` (0 when none reaches it)."""
    prec, rec, _ = precision_recall_curve(y, p)
    ok = prec >= precision
    return float(rec[ok].max()) if ok.any() else 0.0


def precision_at_k_per_day(y: np.ndarray, p: np.ndarray, day: np.ndarray, k: int) -> float:
    """Mean over days of the share denied among that day's k highest-risk claims (a day's review capacity)."""
    frame = pd.DataFrame({"y": y, "p": p, "day": day})
    top = frame.sort_values("p", ascending=False, kind="stable").groupby("day", sort=False).head(k)
    return float(top.groupby("day")["y"].mean().mean())


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ROC-AUC, PR-AUC, recall at 95 % precision, Brier score, ECE."""
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "recall_at_95_precision": recall_at_precision(y, p, 0.95),
        "brier": float(brier_score_loss(y, np.clip(p, 0, 1))),
        "ece": expected_calibration_error(y, p),
    }


def slice_metrics(y: np.ndarray, p: np.ndarray, groups: np.ndarray) -> dict[str, dict[str, float]]:
    """Per-group count, denial rate, mean predicted risk and ROC-AUC (when both classes occur)."""
    out = {}
    for g in pd.unique(groups):
        m = groups == g
        entry = {"n": int(m.sum()), "denial_rate": float(y[m].mean()), "mean_risk": float(p[m].mean())}
        if 0 < y[m].sum() < m.sum():
            entry["roc_auc"] = float(roc_auc_score(y[m], p[m]))
        out[str(g)] = entry
    return out


def save_plots(y: np.ndarray, scores: dict[str, np.ndarray], folder: Path) -> list[Path]:
    """ROC, precision-recall and calibration plots (PNG) for the model and its baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import roc_curve

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for name, p in scores.items():
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, p):.3f})")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC, test period")
    ax.legend(fontsize=8)
    paths.append(_save(fig, folder / "roc.png"))
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for name, p in scores.items():
        prec, rec, _ = precision_recall_curve(y, p)
        ax.plot(rec, prec, label=f"{name} (AP {average_precision_score(y, p):.3f})")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall, test period")
    ax.legend(fontsize=8)
    paths.append(_save(fig, folder / "precision_recall.png"))
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for name, p in scores.items():
        frac, mean = calibration_curve(y, np.clip(p, 0, 1), n_bins=10, strategy="quantile")
        ax.plot(mean, frac, marker="o", ms=3, label=name)
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xlabel="predicted denial probability", ylabel="observed denial rate", title="Calibration, test period")
    ax.legend(fontsize=8)
    paths.append(_save(fig, folder / "calibration.png"))
    plt.close("all")
    return paths


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _intervals(ci: dict | None) -> str:
    """The 95 % intervals column of the metrics table ("" for a bundle trained before intervals existed)."""
    if not ci:
        return ""
    return f"   ROC [{ci['roc_auc'][0]:.3f}, {ci['roc_auc'][1]:.3f}] PR [{ci['pr_auc'][0]:.3f}, {ci['pr_auc'][1]:.3f}]"


def format_metrics(metrics: dict) -> str:
    """The test-period table: the model beside its baselines."""
    test = metrics["test"]
    intervals = test.get("intervals", {})
    rows = [("lightgbm (calibrated)", "lightgbm", test)] + [(k, k, v) for k, v in test["baselines"].items()]
    lines = [f"{'model':<24}{'ROC-AUC':>9}{'PR-AUC':>9}{'R@95P':>8}{'Brier':>8}{'ECE':>8}   95 % intervals"]
    for name, key, m in rows:
        lines.append(
            f"{name:<24}{m['roc_auc']:>9.4f}{m['pr_auc']:>9.4f}{m['recall_at_95_precision']:>8.3f}"
            f"{m['brier']:>8.4f}{m['ece']:>8.4f}" + _intervals(intervals.get(key))
        )
    if "truth_roc_auc" in test:
        lines.append(
            f"ROC-AUC / truth's: {test['roc_auc'] / test['truth_roc_auc']:.3f}   "
            f"category accuracy: {test['category_accuracy']:.3f}   "
            f"precision@{test['review_capacity_k']}/day: {test['precision_at_k']:.3f}"
        )
    if "explanation_top1_accuracy" in test:
        by_cause = ", ".join(f"{c} {v:.2f}" for c, v in test["explanation_top1_accuracy_by_cause"].items())
        ceiling = test.get("truth_explanation_top1_accuracy")
        truth = f"; truth's most probable cause {ceiling:.3f}" if ceiling is not None else ""
        lines.append(f"explanation top-1 accuracy: {test['explanation_top1_accuracy']:.3f} ({by_cause}{truth})")
    gate = metrics.get("gate")
    if gate:
        kind = "fit for use" if gate["for_use"] else "not for use"
        lines.append(f"verdict: {kind}: {gate['reason']}" + ("" if gate["for_use"] else " (bundle marked not for use)"))
    return "\n".join(lines)
