"""Time windows over a world's tables, pure: what was known on a date, and the outcomes of a period."""

from __future__ import annotations

import pandas as pd

from denial_ml.labels import label_claims


def outcomes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Adjudicated claims with the labelling rule's outcome.

    Returns:
        One row per adjudicated claim: the claim's columns plus `denied`, `denial_category`,
        `denied_amount` and `adjudication_date` (of the initial decision).
    """
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    keep = ["claim_id", "denied", "denial_category", "denied_amount", "adjudication_date"]
    return tables["claims"].merge(labels[keep], on="claim_id", how="inner")


def adjudicated_between(frame: pd.DataFrame, start: object = None, end: object = None) -> pd.DataFrame:
    """Rows of `outcomes(...)` whose initial decision falls in [start, end] (either bound optional)."""
    day = pd.to_datetime(frame["adjudication_date"])
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= day >= pd.Timestamp(start)
    if end is not None:
        keep &= day <= pd.Timestamp(end)
    return frame[keep.to_numpy()].reset_index(drop=True)


def last_days(frame: pd.DataFrame, days: int) -> pd.DataFrame:
    """Rows of `outcomes(...)` decided in the last `days` days before the latest decision (inclusive).

    Raises:
        ValueError: when `days` is not positive or no claim is adjudicated.
    """
    if days < 1:
        raise ValueError(f"period must be a positive number of days, got {days}")
    if frame.empty:
        raise ValueError("no adjudicated claims in the data")
    end = pd.to_datetime(frame["adjudication_date"]).max()
    return adjudicated_between(frame, end - pd.Timedelta(days=days - 1), end)


def tables_as_of(tables: dict[str, pd.DataFrame], as_of: object) -> dict[str, pd.DataFrame]:
    """The world as it was known at the end of `as_of`: later submissions, remittances and appeals removed.

    Used to train a model "last quarter" on a complete world, and to run monitors as of past dates.
    """
    cut = pd.Timestamp(as_of)
    out = dict(tables)
    claims = tables["claims"][pd.to_datetime(tables["claims"]["submission_date"]) <= cut]
    ids = set(claims["claim_id"])
    out["claims"] = claims.reset_index(drop=True)
    out["claim_lines"] = _rows_of(tables["claim_lines"], ids)
    remits = tables["remittances"]
    remits = remits[(pd.to_datetime(remits["adjudication_date"]) <= cut) & remits["claim_id"].isin(ids)]
    out["remittances"] = remits.reset_index(drop=True)
    for name in ("remittance_lines", "adjustments", "remarks"):
        if name in tables:
            out[name] = tables[name][tables[name]["remit_id"].isin(remits["remit_id"])].reset_index(drop=True)
    if "appeals" in tables:
        appeals = tables["appeals"]
        appeals = appeals[(pd.to_datetime(appeals["filed_date"]) <= cut) & appeals["claim_id"].isin(ids)]
        # An appeal decided after the cut was still pending then.
        later = (pd.to_datetime(appeals["decision_date"]) > cut).to_numpy()
        appeals = appeals.copy()
        appeals.loc[later, "outcome"] = "pending"
        appeals.loc[later, "recovered_amount"] = 0.0
        appeals.loc[later, "decision_date"] = pd.NaT
        out["appeals"] = appeals.reset_index(drop=True)
    if "truth" in tables:
        out["truth"] = _rows_of(tables["truth"], ids)
    return out


def _rows_of(frame: pd.DataFrame, claim_ids: set) -> pd.DataFrame:
    return frame[frame["claim_id"].isin(claim_ids)].reset_index(drop=True)
