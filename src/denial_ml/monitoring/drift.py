"""Drift of a deployed denial model (pure): inputs, outcomes against expectations, calibration.

Three views, each comparing recent claims with the period the model was trained on:
- population stability index (PSI) of the model's most important features;
- observed denials by payer x denial category against the model's expected count (its category
  probabilities), with a z-score and a Bonferroni bound over the cells;
- calibration: ECE, calibration in the large and slope on recent outcomes, beside the model's test-period ECE.
Payer rule changes (cells whose denial rate jumped) are in `denial_ml.monitoring.rule_changes`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import LogisticRegression

from denial_ml.domain.denials import CATEGORIES
from denial_ml.modeling.evaluate import expected_calibration_error

PSI_MODERATE, PSI_MAJOR = 0.1, 0.25  # the usual reading of the index
_FLOOR = 1e-4  # share given to an empty bin, so that the logarithm stays finite


def population_stability(reference: pd.Series, recent: pd.Series, bins: int = 10) -> float:
    """PSI = sum over bins of (recent share - reference share) x ln(recent share / reference share).

    Numbers are binned at the reference's quantiles, categories by value; missing values are a bin of their own.
    """
    if isinstance(reference.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(reference.dtype):
        ref_bin, new_bin = reference.astype(str), recent.astype(str)
    else:
        ref = reference.to_numpy(dtype=float)
        edges = np.unique(np.nanquantile(ref, np.linspace(0, 1, bins + 1)[1:-1])) if np.isfinite(ref).any() else None
        ref_bin = _bin(ref, edges)
        new_bin = _bin(recent.to_numpy(dtype=float), edges)
    q = pd.Series(ref_bin).value_counts(normalize=True)
    r = pd.Series(new_bin).value_counts(normalize=True)
    keys = q.index.union(r.index)
    q = np.maximum(q.reindex(keys, fill_value=0).to_numpy(), _FLOOR)
    r = np.maximum(r.reindex(keys, fill_value=0).to_numpy(), _FLOOR)
    return float(np.sum((r - q) * np.log(r / q)))


def _bin(values: np.ndarray, edges: np.ndarray | None) -> np.ndarray:
    which = np.searchsorted(np.asarray(edges if edges is not None else [], dtype=float), values, side="right")
    which = which.astype(float)
    return np.where(np.isnan(values), -1.0, which)


def top_features(importance: dict[str, float], n: int = 10) -> list[str]:
    """The `n` features with the highest importance (e.g. LightGBM gain)."""
    return [name for name, _ in sorted(importance.items(), key=lambda kv: -kv[1])[:n]]


def feature_stability(reference: pd.DataFrame, recent: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """PSI of each feature, with its reading ("stable", "moderate", "major")."""
    rows = []
    for name in features:
        psi = population_stability(reference[name], recent[name])
        level = "major" if psi >= PSI_MAJOR else "moderate" if psi >= PSI_MODERATE else "stable"
        rows.append({"feature": name, "psi": psi, "level": level})
    return pd.DataFrame(rows, columns=["feature", "psi", "level"])


def expected_vs_observed(outcomes: pd.DataFrame, scored: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Denials by payer x category: observed against the model's expected count.

    Args:
        outcomes: Adjudicated claims (`payer_id`, `denied`, `denial_category`), aligned row by row with
            `scored` (the scorer's output: `p_<category>` columns).
        alpha: Family-wise level of the `flag` column (Bonferroni over the cells, two-sided).

    Returns:
        One row per payer x category: claims, observed and expected denials and rates, observed/expected,
        z = (observed - expected) / sqrt(sum p(1 - p)), and whether |z| passes the Bonferroni bound.
    """
    parts = []
    for cat in CATEGORIES:
        p = scored[f"p_{cat}"].to_numpy(dtype=float)
        hit = (outcomes["denied"].to_numpy(dtype=bool) & (outcomes["denial_category"].to_numpy() == cat)).astype(float)
        parts.append(
            pd.DataFrame(
                {"payer_id": outcomes["payer_id"].to_numpy(), "category": cat, "o": hit, "e": p, "v": p * (1 - p)}
            )
        )
    cells = pd.concat(parts).groupby(["payer_id", "category"], sort=True)
    table = cells.agg(claims=("o", "size"), observed=("o", "sum"), expected=("e", "sum"), var=("v", "sum"))
    table = table.reset_index()
    table["observed_rate"] = table["observed"] / table["claims"]
    table["expected_rate"] = table["expected"] / table["claims"]
    table["ratio"] = table["observed"] / table["expected"].where(table["expected"] > 0)
    table["z"] = (table["observed"] - table["expected"]) / np.sqrt(table["var"].where(table["var"] > 0))
    z_crit = stats.norm.isf(alpha / (2 * max(len(table), 1)))
    table["flag"] = table["z"].abs() >= z_crit
    return table.drop(columns="var").sort_values("z", ascending=False, key=np.abs).reset_index(drop=True)


def calibration_summary(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """ECE, mean predicted and observed rates, and the calibration slope / intercept (logit of p as input)."""
    y = np.asarray(y, dtype=int)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    out = {
        "claims": int(len(y)),
        "ece": expected_calibration_error(y, p),
        "mean_predicted": float(p.mean()),
        "observed_rate": float(y.mean()),
        "slope": float("nan"),
        "intercept": float("nan"),
    }
    if 0 < y.sum() < len(y):
        fit = LogisticRegression(C=1e6, max_iter=500).fit(np.log(p / (1 - p)).reshape(-1, 1), y)
        out["slope"], out["intercept"] = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    return out


def calibration_drift(recent: dict[str, float], reference_ece: float | None) -> dict[str, float | None]:
    """Recent calibration beside the model's test-period ECE: the change in ECE and in the mean gap."""
    return {
        **recent,
        "reference_ece": reference_ece,
        "ece_change": None if reference_ece is None else recent["ece"] - reference_ece,
        "calibration_in_the_large": recent["observed_rate"] - recent["mean_predicted"],
    }
