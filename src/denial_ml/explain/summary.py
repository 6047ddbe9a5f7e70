"""Global explanations of a trained denial model: mean |SHAP| by factor and feature, summary and dependence plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from denial_ml.explain.explainer import Contributions, factor_contributions
from denial_ml.explain.factors import FACTORS, grouping_matrix

SAMPLE_ROWS = 5000
GLOBAL_JSON = "global.json"


def global_importance(contrib: Contributions, feature_names: list[str]) -> dict:
    """Mean absolute contribution (log-odds) of every factor and feature, largest first, with shares."""
    by_factor = np.abs(contrib.factors).mean(axis=0)
    by_feature = np.abs(contrib.features).mean(axis=0)
    factors: list[dict[str, Any]] = [
        {"factor": f.name, "label": f.label, "category": f.category, "mean_abs_shap": float(v)}
        for f, v in zip(FACTORS, by_factor, strict=True)
    ]
    features: list[dict[str, Any]] = [
        {"feature": n, "mean_abs_shap": float(v)} for n, v in zip(feature_names, by_feature, strict=True)
    ]
    for rows in (factors, features):
        total = sum(r["mean_abs_shap"] for r in rows) or 1.0
        for r in rows:
            r["share"] = r["mean_abs_shap"] / total
        rows.sort(key=lambda r: -r["mean_abs_shap"])
    return {"factors": factors, "features": features, "n_claims": int(len(contrib.base))}


def save_global_explanations(booster: lgb.Booster, X: pd.DataFrame, folder: Path, seed: int = 0) -> dict:
    """Write `global.json` and PNG plots (factor importance, SHAP summary, top dependence plots) to `folder`.

    Args:
        booster: The denial model.
        X: Feature rows (e.g. the test period); at most `SAMPLE_ROWS` are used.
        folder: Output folder (created).

    Returns:
        The global importance dict (also written to `global.json`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    if len(X) > SAMPLE_ROWS:
        X = X.sample(SAMPLE_ROWS, random_state=seed)
    names = list(X.columns)
    contrib = factor_contributions(booster, X, grouping_matrix(names))
    summary = global_importance(contrib, names)
    (folder / GLOBAL_JSON).write_text(json.dumps(summary, indent=1))
    _plot(contrib, X, summary, folder)
    return summary


def _numeric(X: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as their codes (NaN when missing) so shap's plots can colour by value."""
    out = X.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.codes.replace(-1, np.nan).astype(float)
    return out


def _plot(contrib: Contributions, X: pd.DataFrame, summary: dict, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shap

    top = summary["factors"][:12][::-1]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.barh([r["label"] for r in top], [r["mean_abs_shap"] for r in top], color="#3b6ea5")
    ax.set_xlabel("mean |SHAP| (log-odds)")
    ax.set_title("What drives denial risk: factors")
    fig.tight_layout()
    fig.savefig(folder / "factor_importance.png", dpi=110)
    plt.close(fig)

    numeric = _numeric(X)
    shap.summary_plot(contrib.features, numeric, max_display=15, show=False)
    plt.gcf().savefig(folder / "shap_summary.png", dpi=110, bbox_inches="tight")
    plt.close("all")
    for rank, row in enumerate(summary["features"][:3], start=1):
        shap.dependence_plot(row["feature"], contrib.features, numeric, interaction_index=None, show=False)
        plt.gcf().savefig(folder / f"dependence_{rank}_{row['feature']}.png", dpi=110, bbox_inches="tight")
        plt.close("all")
