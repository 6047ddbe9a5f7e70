"""Worklist lift curves on the test period: dollars recovered by the share of the appeal list worked.

The list and the value of each denial are those `train.evaluate_test` measures at 20 % (`holdout_appeal_list`):
test-period denials that can be appealed, each triaged on its adjudication day, worth the truth's overturn
probability x its expected payment. The curves put the model's ordering beside the baselines (billed amount,
oldest deadline first, random order) and the truth's own ordering (the ceiling).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from denial_ml.analytics.charts import PALETTE, THOUSANDS, to_svg
from denial_ml.triage.evaluate import recovery_curve, top_count
from denial_ml.triage.train import holdout_appeal_list

__all__ = ["FRACTIONS", "MODEL", "RANDOM", "holdout_appeal_list", "lift_chart", "lift_curves", "ranking_scores"]

FRACTIONS = tuple(round(0.05 * i, 2) for i in range(1, 21))  # 5 %, 10 %, ... 100 % of the list worked
MODEL = "model (expected recovery)"
RANDOM = "random order (expected)"


def ranking_scores(appeal_list: pd.DataFrame) -> dict[str, np.ndarray]:
    """The orderings compared, by name: the model's, the baselines' and the truth's (higher is worked first)."""
    deadline_day = appeal_list["appeal_deadline"].to_numpy().astype("datetime64[D]").astype(float)
    return {
        MODEL: appeal_list["expected_recovery"].to_numpy(dtype=float),
        "billed amount": appeal_list["denied_amount"].to_numpy(dtype=float),
        "oldest deadline first": -deadline_day,
        "truth (ceiling)": appeal_list["recoverable"].to_numpy(dtype=float),
    }


def lift_curves(appeal_list: pd.DataFrame, fractions: tuple[float, ...] = FRACTIONS) -> pd.DataFrame:
    """Recovered dollars per share of the list worked (rows) and ordering (columns), plus random order.

    Random order's expected recovery is the worked share of items times the list's total value.
    """
    value = appeal_list["recoverable"].to_numpy(dtype=float)
    curves = {name: recovery_curve(score, value, fractions) for name, score in ranking_scores(appeal_list).items()}
    n = len(value)
    worked = np.array([top_count(n, f) for f in fractions], dtype=float)
    curves[RANDOM] = worked / n * value.sum() if n else worked
    return pd.DataFrame(curves, index=pd.Index(fractions, name="share_worked"))


def lift_chart(curves: pd.DataFrame) -> str:
    """Line chart of `lift_curves` as an `<svg>` element: recovered dollars against the share of the list worked."""
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    share = 100 * curves.index.to_numpy(dtype=float)
    for i, name in enumerate(curves.columns):
        style = "--" if name in (RANDOM, "truth (ceiling)") else "-"
        ax.plot(share, curves[name].to_numpy(), style, marker="o", ms=3, label=name, color=PALETTE[i % len(PALETTE)])
    ax.axvline(20, color="#7f8c8d", lw=0.8, ls=":")  # the 20 % the target is stated at
    ax.set_xlabel("share of the appeal list worked (%)")
    ax.set_ylabel("recovered dollars")
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.set_xlim(0, 100)
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.25)
    return to_svg(fig, "lift")
