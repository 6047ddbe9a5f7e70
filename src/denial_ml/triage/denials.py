"""What is known about each denied claim at denial time: reason, amount, deadline, payer history.

Pure functions of a world's tables (no I/O). Every history figure is point-in-time: a denial adjudicated on
day D sees only appeals decided, and payments adjudicated, strictly before D.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.features.history import build_index, to_days
from denial_ml.labels import is_denial_adjustment, label_claims

RESUBMIT_RARC = "MA130"  # "claim unprocessable": a corrected claim is needed, not an appeal
RATE_SMOOTHING = 10.0  # pseudo-appeals pulling a thin payer x category history toward the overall rate
PRIOR_OVERTURN = 0.45  # overall prior before any appeal is decided (DOMAIN.md: 40-80 % overturned)
DENIAL_COLUMNS = [
    "claim_id",
    "remit_id",
    "payer_id",
    "provider_npi",
    "adjudication_date",
    "category",
    "carc",
    "group_code",
    "claim_level_denial",
    "has_ma130",
    "denied_amount",
    "appeal_deadline_days",
    "appeal_deadline",
]


def denied_claims(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per denied, adjudicated claim with its denial facts and appeal deadline.

    Args:
        tables: A world's tables (claims, payers, remittances, remittance_lines, adjustments, remarks).

    Returns:
        `DENIAL_COLUMNS`, sorted by adjudication date then claim id.
    """
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    den = labels[labels["denied"]].rename(columns={"denial_category": "category", "denial_carc": "carc"})
    claims = tables["claims"].set_index("claim_id")
    den = den.assign(
        payer_id=claims["payer_id"].reindex(den["claim_id"]).to_numpy(),
        provider_npi=claims["rendering_provider_npi"].reindex(den["claim_id"]).fillna("none").to_numpy(),
    )
    adj = tables["adjustments"]
    adj = adj[is_denial_adjustment(adj)].drop_duplicates(["remit_id", "carc"])
    group = adj.set_index(["remit_id", "carc"])["group_code"]
    keys = pd.MultiIndex.from_arrays([den["remit_id"], den["carc"]])
    den["group_code"] = group.reindex(keys).fillna("CO").to_numpy()
    remarks = tables["remarks"]
    den["has_ma130"] = den["remit_id"].isin(remarks.loc[remarks["rarc"] == RESUBMIT_RARC, "remit_id"])
    limit = tables["payers"].set_index("payer_id")["appeal_deadline_days"]
    den["appeal_deadline_days"] = limit.reindex(den["payer_id"]).to_numpy(dtype=float)
    den["appeal_deadline"] = den["adjudication_date"] + pd.to_timedelta(den["appeal_deadline_days"], unit="D")
    den = den.sort_values(["adjudication_date", "claim_id"], kind="stable").reset_index(drop=True)
    return den[DENIAL_COLUMNS]


def days_left(denials: pd.DataFrame, as_of: pd.Timestamp | pd.Series) -> np.ndarray:
    """Whole days from `as_of` to each denial's appeal deadline (negative once it has passed)."""
    as_of = pd.to_datetime(as_of)
    return ((denials["appeal_deadline"] - as_of).dt.days).to_numpy(dtype=float)


def decided_appeals(tables: dict[str, pd.DataFrame], denials: pd.DataFrame) -> pd.DataFrame:
    """First-level appeals with a decision, joined to their denial (payer, category, provider, deadline).

    Appeals filed after the deadline are dropped: they are lost by rule and say nothing about the merit.
    """
    appeals = tables["appeals"]
    appeals = appeals[appeals["outcome"].isin(("overturned", "upheld"))]
    appeals = appeals.sort_values(["claim_id", "filed_date"]).drop_duplicates("claim_id")
    out = appeals.merge(denials, on="claim_id", how="inner")
    out = out[out["filed_date"] <= out["appeal_deadline"]]
    return out.assign(overturned=(out["outcome"] == "overturned").astype(float)).reset_index(drop=True)


def overturn_history(denials: pd.DataFrame, decided: pd.DataFrame) -> pd.DataFrame:
    """Smoothed historical overturn rates per denial, from appeals decided before its adjudication date.

    Returns:
        `payer_category_overturn_rate`, `payer_category_appeals`, `provider_overturn_rate`,
        `provider_appeals`, aligned with `denials`.
    """
    day = to_days(decided["decision_date"])
    won = decided[["overturned"]]
    query_day = to_days(denials["adjudication_date"])
    overall = build_index(pd.Series(["all"] * len(decided)), day, won)
    base = overall.before(np.full(len(denials), "all", dtype=object), query_day)
    prior = _smooth(base["overturned"], base["n"], np.full(len(denials), PRIOR_OVERTURN), RATE_SMOOTHING)
    out = {}
    for name, hist_key, query_key in (
        (
            "payer_category",
            decided["payer_id"] + "|" + decided["category"],
            denials["payer_id"] + "|" + denials["category"],
        ),
        ("provider", decided["provider_npi"], denials["provider_npi"]),
    ):
        index = build_index(hist_key, day, won)
        got = index.before(query_key, query_day)
        out[f"{name}_overturn_rate"] = _smooth(got["overturned"], got["n"], prior, RATE_SMOOTHING)
        out[f"{name}_appeals"] = got["n"]
    return pd.DataFrame(out)


def _smooth(wins: np.ndarray, n: np.ndarray, prior: np.ndarray, strength: float) -> np.ndarray:
    return (wins + strength * prior) / (n + strength)
