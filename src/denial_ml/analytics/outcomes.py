"""Appeal outcomes with dollars for the tracking report: appeals decided, overturn rate and dollars recovered,
overall, by payer and by denial category, from two sources:

- *payer decisions on file*: the world's (or claims store's) `appeals` table, as the report's slices count it;
- *recorded in the worklist*: the items the appeals team closed as overturned (in full or in part) or upheld,
  with the dollars and decision date they entered (`WorklistStore.outcomes_frame`).

Pure: frames and the report's slices in, JSON-ready dicts out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

HALF_CENT = 0.005
GROUPS = (("payer", "payer_id", "payer_name"), ("category", "category", "category"))
SLICE_FIELDS = ("appeals", "appeals_decided", "overturned", "overturn_rate", "recovered_dollars")


def _rate(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def _measures(frame: pd.DataFrame) -> dict[str, Any]:
    """The outcome measures of a group of decided worklist items."""
    overturned = frame["outcome"] == "overturned"
    recovered = frame["recovered_amount"].fillna(0.0)
    partial = overturned & (recovered < frame["denied_amount"] - HALF_CENT)
    decided, won = len(frame), int(overturned.sum())
    denied = float(frame["denied_amount"].sum())
    return {
        "appeals_decided": decided,
        "overturned": won - int(partial.sum()),
        "partially_paid": int(partial.sum()),
        "upheld": decided - won,
        "overturn_rate": _rate(won, decided),
        "denied_dollars": round(denied, 2),
        "recovered_dollars": round(float(recovered.sum()), 2),
        "recovered_share": _rate(float(recovered.sum()), denied),
    }


def worklist_outcomes(frame: pd.DataFrame | None) -> dict[str, Any] | None:
    """Outcomes the appeals team recorded: totals and rows by payer and by category (most recovered first).

    Args:
        frame: `WorklistStore.outcomes_frame()` (columns `payer_id`, `payer_name`, `category`, `outcome`
            "overturned"/"upheld", `denied_amount`, `recovered_amount`); None or empty: nothing recorded.

    Returns:
        `{"totals", "payer", "category"}`, or None when no appeal was decided in the worklist.
    """
    if frame is None or frame.empty:
        return None
    out: dict[str, Any] = {"totals": _measures(frame)}
    for name, key, label in GROUPS:
        rows = []
        for value, group in frame.groupby(key, sort=False, dropna=False):
            shown = group[label].dropna()
            rows.append(
                {"key": str(value), "label": str(shown.iloc[0]) if len(shown) else str(value)} | _measures(group)
            )
        out[name] = sorted(rows, key=lambda r: (-r["recovered_dollars"], r["key"]))
    return out


def payer_decisions(report_slices: dict[str, list[dict[str, Any]]], totals: dict[str, Any]) -> dict[str, Any]:
    """The appeal outcomes of the `appeals` table as the report's slices count them: totals and, by payer and
    by category, the rows that have an appeal (most recovered first)."""
    out: dict[str, Any] = {"totals": {f: totals.get(f) for f in SLICE_FIELDS}}
    for name, _, _ in GROUPS:
        rows = [
            {"key": r["key"], "label": r["label"]} | {f: r.get(f) for f in SLICE_FIELDS}
            for r in report_slices.get(name, [])
            if r.get("appeals")
        ]
        out[name] = sorted(rows, key=lambda r: (-(r["recovered_dollars"] or 0.0), r["key"]))
    return out


def appeal_outcomes(
    report_slices: dict[str, list[dict[str, Any]]], totals: dict[str, Any], recorded: pd.DataFrame | None
) -> dict[str, Any]:
    """Both sources side by side: `{"payer_decisions": ..., "worklist": ... or None}`."""
    return {"payer_decisions": payer_decisions(report_slices, totals), "worklist": worklist_outcomes(recorded)}
