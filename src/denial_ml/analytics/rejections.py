"""Front-end rejections in the claim facts and the report: who was rejected, why, and the days it cost.

A rejection (a 277CA claim event of kind `rejection`: categories A3, A4, A6, A7, A8) stops a claim before
adjudication; it never reaches an 835, so only `claim_events` shows it. Pure functions of frames.

Definitions (per claim of `claims`, events dated on or before the report date; an event's date is its STC02,
else the response's BHT04):
- *rejected*: at least one rejection event.
- *resolved*: rejected, then accepted: an acceptance or status event dated on or after its last rejection,
  or the claim has an initial decision (an 835).
- *days lost*: from the first rejection to the acceptance that resolved it (the first acceptance or status
  event on or after the last rejection; else, for a claim adjudicated without one, its resubmission's
  submission date when that is on or after the first rejection). Unresolved claims have no days yet.
- A rejected claim is neither *clean* nor *first-pass paid*, even when resubmitted and paid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from denial_ml.domain.claim_status import REJECTION_REASON_GROUPS, rejection_reason

FACT_COLUMNS = ("rejected", "rejection_resolved", "rejection_open", "rejection_days", "rejection_timed")
EVENT_COLUMNS = ("claim_id", "event_kind", "status_category", "status_code", "status_date", "response_date")


def event_dates(events: pd.DataFrame) -> pd.Series:
    """Each event's date: STC02, else the response date (BHT04)."""
    return pd.to_datetime(events["status_date"]).fillna(pd.to_datetime(events["response_date"]))


def add_rejections(facts: pd.DataFrame, claims: pd.DataFrame, events: pd.DataFrame | None, as_of: pd.Timestamp) -> None:
    """Add the rejection fact columns (`FACT_COLUMNS`) and take rejected claims out of clean / first-pass.

    Args:
        facts: The claim facts (one row per claim of `claims`, same order), with `adjudicated`, `clean`
            and `first_pass_paid`.
        claims: The claims (`claim_id`, `submission_date`); ids coded or not, as `events` are.
        events: `claim_events` (claim ids coded the same way as `claims`), or None when there are none.
        as_of: The report date; later events are not known yet.
    """
    n = len(facts)
    for column in FACT_COLUMNS:
        facts[column] = np.zeros(n, dtype=float if column == "rejection_days" else bool)
    if events is None or events.empty:
        return
    events = events.assign(_on=event_dates(events))
    events = events[events["_on"] <= as_of]
    rejections = events[events["event_kind"] == "rejection"]
    if rejections.empty:
        return
    ids = claims["claim_id"].to_numpy()
    first = rejections.groupby("claim_id")["_on"].min().reindex(ids)
    last = rejections.groupby("claim_id")["_on"].max().reindex(ids)
    later = events[events["event_kind"] != "rejection"]
    later = later[later["_on"].to_numpy() >= last.reindex(later["claim_id"].to_numpy()).to_numpy()]
    accepted_on = later.groupby("claim_id")["_on"].min().reindex(ids)
    rejected = first.notna().to_numpy()
    adjudicated = facts["adjudicated"].to_numpy(dtype=bool)
    resubmitted = pd.to_datetime(claims["submission_date"]).to_numpy()
    resubmitted = np.where(adjudicated & (resubmitted >= first.to_numpy()), resubmitted, np.datetime64("NaT"))
    resolved_on = accepted_on.fillna(pd.Series(resubmitted, index=accepted_on.index))
    days = (resolved_on - first).dt.days.to_numpy(dtype=float)
    facts["rejected"] = rejected
    facts["rejection_resolved"] = rejected & (accepted_on.notna().to_numpy() | adjudicated)
    facts["rejection_open"] = rejected & ~facts["rejection_resolved"].to_numpy()
    facts["rejection_timed"] = rejected & ~np.isnan(days)
    facts["rejection_days"] = np.where(facts["rejection_timed"], days, 0.0)
    facts["clean"] = facts["clean"] & ~facts["rejected"]
    facts["first_pass_paid"] = facts["first_pass_paid"] & ~facts["rejected"]


def rejection_summary(events: pd.DataFrame | None, claims: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Any]:
    """Rejections by reason group and by status code, counted in events and in claims.

    Args:
        events: `claim_events` with raw claim ids (None or empty: no front-end data).
        claims: The claims, for their charges and to count events of claims not in the table.
        as_of: The report date; later events are not known yet.

    Returns:
        `{"events": n, "claims": n, "unknown_claims": n, "by_reason": [...], "by_code": [...]}`; each row has
        `key`, `rejections` (events), `claims` (distinct claims) and `charges` (their CLM02 total, once each).
    """
    return summarize_rejections([rejection_sums(events, claims, as_of)])


def rejection_sums(events: pd.DataFrame | None, claims: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Any]:
    """`rejection_summary`'s counts and charges, unrounded: parts of a world whose claims (with their events)
    are disjoint add up to the whole (`summarize_rejections`)."""
    columns = ["rejections", "claims", "charges"]
    sums: dict[str, Any] = {"events": 0, "claims": 0, "unknown_claims": 0}
    sums |= {"by_reason": pd.DataFrame(columns=columns), "by_code": pd.DataFrame(columns=columns)}
    if events is None or events.empty:
        return sums
    rejections = events[(events["event_kind"] == "rejection") & (event_dates(events) <= as_of)]
    if rejections.empty:
        return sums
    charges = claims.drop_duplicates("claim_id").set_index("claim_id")["total_charge"].astype(float)
    rejections = rejections.assign(
        reason=rejections["status_code"].astype(str).map(rejection_reason),
        code=rejections["status_category"].astype(str) + ":" + rejections["status_code"].astype(str),
    )
    known = rejections["claim_id"].isin(charges.index)
    return {
        "events": len(rejections),
        "claims": int(rejections["claim_id"].nunique()),
        "unknown_claims": int(rejections.loc[~known, "claim_id"].nunique()),
        "by_reason": _grouped(rejections, "reason", charges),
        "by_code": _grouped(rejections, "code", charges),
    }


def summarize_rejections(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The `rejection_summary` of the parts whose `rejection_sums` are given (charges rounded once, at the end)."""
    out: dict[str, Any] = {key: sum(p[key] for p in parts) for key in ("events", "claims", "unknown_claims")}
    for key in ("by_reason", "by_code"):
        frames = [p[key] for p in parts if not p[key].empty]
        table = pd.concat(frames).groupby(level=0, sort=True).sum() if frames else parts[0][key]
        rows = [
            {
                "key": str(k),
                "rejections": int(r["rejections"]),
                "claims": int(r["claims"]),
                "charges": round(float(r["charges"]), 2),
            }
            for k, r in table.iterrows()
        ]
        if key == "by_reason":
            order = REJECTION_REASON_GROUPS
            out[key] = sorted(rows, key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
        else:
            out[key] = sorted(rows, key=lambda r: (-r["rejections"], r["key"]))
    return out


def _grouped(rejections: pd.DataFrame, column: str, charges: pd.Series) -> pd.DataFrame:
    """Per value of `column` (sorted): rejection events, distinct claims and those claims' charges."""
    rows = {}
    for key, group in rejections.groupby(column, sort=True):
        ids = group["claim_id"].drop_duplicates()
        rows[str(key)] = (len(group), len(ids), float(charges.reindex(ids).fillna(0.0).sum()))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["rejections", "claims", "charges"])
