"""The revenue-cycle measures, as ratios of per-group sums of the claim facts (`facts.build_claim_facts`).

Every measure is computed the same way overall and per slice: sum the fact columns within the group, then
divide. A rate whose denominator is zero is None (not 0), so an empty slice never reads as a perfect one.
Pending claims (no initial decision yet) add to `claims` and `pending` only.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

SUM_COLUMNS = (
    "adjudicated",
    "pending",
    "denied",
    "charge",
    "charge_adjudicated",
    "denied_amount",
    "original_adjudicated",
    "clean",
    "first_pass_paid",
    "adjudication_days",
    "appeals",
    "appeals_decided",
    "overturned",
    "upheld",
    "appeals_pending",
    "decision_days",
    "decision_timed",
    "recovered",
    "write_off",
    "missed_deadline",
    "missed_deadline_dollars",
    "late_appeals",
    "rejected",
    "rejection_resolved",
    "rejection_open",
    "rejection_days",
    "rejection_timed",
)

SLICES: dict[str, str] = {
    "payer": "payer_id",
    "payer_type": "payer_type",
    "category": "category",
    "carc": "carc",
    "procedure": "procedure_code",
    "provider": "provider_npi",
    "month": "month",
}
"""Slice name -> fact column. `category` and `carc` slices hold denied claims only (the main reason)."""

DENIAL_ONLY_SLICES = frozenset({"category", "carc"})


def group_sums(facts: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Sum the fact columns per value of `by` (one row "all" when None), plus a `claims` count."""
    numeric = facts[list(SUM_COLUMNS)].astype(float)
    if by is None:
        sums = numeric.sum().to_frame("all").T
        sums.insert(0, "claims", float(len(facts)))
        return sums
    grouped = numeric.groupby(facts[by].to_numpy(), sort=True)
    sums = grouped.sum()
    sums.insert(0, "claims", grouped.size().astype(float))
    sums.index.name = by
    return sums


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).astype(float)


def denial_rate_from(s: pd.DataFrame) -> pd.Series:
    """Denied claims / adjudicated claims (labelling rule; pending claims excluded)."""
    return _ratio(s["denied"], s["adjudicated"])


def dollar_denial_rate_from(s: pd.DataFrame) -> pd.Series:
    """Denied dollars (labelling rule's denial adjustments) / charges of adjudicated claims (CLM02)."""
    return _ratio(s["denied_amount"], s["charge_adjudicated"])


def clean_claim_rate_from(s: pd.DataFrame) -> pd.Series:
    """Clean claims / adjudicated original claims (frequency 1).

    Clean = adjudicated, not denied, never reversed (no CLP02 22), frequency code 1, and no later claim
    replacing it; replacements (7/8) are rework themselves and are in neither numerator nor denominator.
    """
    return _ratio(s["clean"], s["original_adjudicated"])


def first_pass_rate_from(s: pd.DataFrame) -> pd.Series:
    """Original claims paid (> $0) and not denied on their initial decision / adjudicated original claims."""
    return _ratio(s["first_pass_paid"], s["original_adjudicated"])


def overturn_rate_from(s: pd.DataFrame) -> pd.Series:
    """Appeals overturned / appeals decided (overturned + upheld), counting each appeal row (level)."""
    return _ratio(s["overturned"], s["appeals_decided"])


def days_to_adjudication_from(s: pd.DataFrame) -> pd.Series:
    """Mean days from submission_date to the initial decision's adjudication_date, adjudicated claims."""
    return _ratio(s["adjudication_days"], s["adjudicated"])


def days_to_appeal_decision_from(s: pd.DataFrame) -> pd.Series:
    """Mean days from filed_date to decision_date over decided appeals that have a decision date."""
    return _ratio(s["decision_days"], s["decision_timed"])


def rejection_rate_from(s: pd.DataFrame) -> pd.Series:
    """Claims rejected before adjudication at least once (277CA A3/A4/A6/A7/A8) / claims submitted."""
    return _ratio(s["rejected"], s["claims"])


def days_lost_to_rejection_from(s: pd.DataFrame) -> pd.Series:
    """Mean days from a claim's first rejection to its acceptance after resubmission, resolved claims."""
    return _ratio(s["rejection_days"], s["rejection_timed"])


RATES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "denial_rate": denial_rate_from,
    "dollar_denial_rate": dollar_denial_rate_from,
    "clean_claim_rate": clean_claim_rate_from,
    "first_pass_rate": first_pass_rate_from,
    "overturn_rate": overturn_rate_from,
    "avg_days_to_adjudication": days_to_adjudication_from,
    "avg_days_to_appeal_decision": days_to_appeal_decision_from,
    "rejection_rate": rejection_rate_from,
    "avg_days_lost_to_rejection": days_lost_to_rejection_from,
}
"""Measure name -> function of a `group_sums` frame. Documented one by one above."""

COUNTS: dict[str, str] = {
    "claims": "claims",
    "adjudicated": "adjudicated",
    "pending": "pending",
    "denied": "denied",
    "submitted_charges": "charge",
    "adjudicated_charges": "charge_adjudicated",
    "denied_dollars": "denied_amount",
    "clean_claims": "clean",
    "appeals": "appeals",
    "appeals_decided": "appeals_decided",
    "overturned": "overturned",
    "upheld": "upheld",
    "appeals_pending": "appeals_pending",
    "recovered_dollars": "recovered",
    "write_off_dollars": "write_off",
    "missed_appeal_deadline": "missed_deadline",
    "missed_appeal_deadline_dollars": "missed_deadline_dollars",
    "late_appeals": "late_appeals",
    "rejected": "rejected",
    "rejections_open": "rejection_open",
}
"""Output name -> summed fact column (counts and dollar totals)."""

CLAIM_DENOMINATOR_MEASURES = (
    "denial_rate",
    "dollar_denial_rate",
    "clean_claim_rate",
    "first_pass_rate",
    "rejection_rate",
)


def measure_table(facts: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Every count, dollar total and rate, overall (`by=None`) or per value of the fact column `by`.

    Args:
        facts: `build_claim_facts` output.
        by: A slice column of `SLICES`, or None for one "all" row.

    Returns:
        One row per group: the `COUNTS` columns (ints for counts, dollars rounded to cents) then the
        `RATES` columns (NaN when the denominator is zero).
    """
    return measures_from_sums(group_sums(facts, by))


def measures_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """`measure_table` from `group_sums` output, or from the added-up sums of several parts of the facts
    (`add_sums`): every measure is a ratio of sums, so parts combine exactly."""
    out = pd.DataFrame(index=sums.index)
    for name, column in COUNTS.items():
        out[name] = sums[column]
    for name, rate in RATES.items():
        out[name] = rate(sums)
    return out


def add_sums(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Add up `group_sums` frames of parts of the facts, group by group (groups sorted, as `group_sums` sorts)."""
    if len(parts) == 1:
        return parts[0]
    combined = pd.concat(parts).groupby(level=0, sort=True).sum()
    combined.index.name = parts[0].index.name
    return combined


def denial_rate(facts: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Denial rate by count overall or per slice; see `denial_rate_from`."""
    return denial_rate_from(group_sums(facts, by))


def dollar_denial_rate(facts: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Denial rate by dollars overall or per slice; see `dollar_denial_rate_from`."""
    return dollar_denial_rate_from(group_sums(facts, by))


def clean_claim_rate(facts: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Clean-claim rate overall or per slice; see `clean_claim_rate_from`."""
    return clean_claim_rate_from(group_sums(facts, by))


def first_pass_rate(facts: pd.DataFrame, by: str | None = None) -> pd.Series:
    """First-pass payment rate overall or per slice; see `first_pass_rate_from`."""
    return first_pass_rate_from(group_sums(facts, by))


def overturn_rate(facts: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Overturn rate overall or per slice; see `overturn_rate_from`."""
    return overturn_rate_from(group_sums(facts, by))


def slice_table(facts: pd.DataFrame, name: str) -> pd.DataFrame:
    """The measure table of one named slice, ordered by denied dollars (largest first).

    The `category` and `carc` slices group denied claims by their main denial reason; there the
    claim-denominator rates (denial, clean-claim, first-pass) are meaningless and are dropped, and a
    `share_of_denials` column is added.
    """
    return slice_from_sums(slice_sums(facts, name), name)


def slice_sums(facts: pd.DataFrame, name: str) -> pd.DataFrame:
    """The `group_sums` behind one named slice (denied claims only for `category` and `carc`)."""
    if name not in SLICES:
        raise KeyError(f"unknown slice {name!r}; known: {', '.join(SLICES)}")
    return group_sums(facts[facts["denied"]] if name in DENIAL_ONLY_SLICES else facts, SLICES[name])


def slice_from_sums(sums: pd.DataFrame, name: str) -> pd.DataFrame:
    """`slice_table` from the slice's sums (`slice_sums`, or those of several parts added by `add_sums`)."""
    table = measures_from_sums(sums)
    if name in DENIAL_ONLY_SLICES:
        table = table.drop(columns=list(CLAIM_DENOMINATOR_MEASURES))
        total = table["denied"].sum()
        table["share_of_denials"] = table["denied"] / total if total else float("nan")
    if name == "month":
        return table.sort_index()
    return table.sort_values(["denied_dollars", "denied"], ascending=False, kind="stable")
