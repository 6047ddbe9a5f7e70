"""Preventable denials: each denial's root cause mapped to the front-end step that would have stopped it.

The practice fixes the step with the most dollars at stake first, so the report is ordered by dollars.
"""

from __future__ import annotations

import pandas as pd

PREVENTION_STEP: dict[str, str] = {
    "eligibility": "registration / eligibility",
    "authorization": "prior authorization",
    "coding": "coding and documentation",
    "missing_information": "coding and documentation",
    "medical_necessity": "coding and documentation",
    "timely_filing": "timely filing",
    "duplicate": "claim status check",
    "non_covered": "benefits check",
}
"""Denial category (labelling rule) -> the front-end step that prevents it."""


def preventable_denials(facts: pd.DataFrame) -> pd.DataFrame:
    """Denials grouped by prevention step, ordered by denied dollars (largest first).

    Args:
        facts: `build_claim_facts` output.

    Returns:
        One row per step with: `categories` (the denial categories it covers, comma-separated), `denied`
        (claims), `denied_dollars` (labelling rule's denied amount), `share_of_denials`,
        `share_of_dollars`, `recovered_dollars` (by appeals of those claims) and `write_off_dollars`.
    """
    return preventable_from_sums(preventable_sums(facts))


def preventable_sums(facts: pd.DataFrame) -> pd.DataFrame:
    """Per prevention step: denied claims and their denied, recovered and written-off dollars (sums that
    parts of the facts add up, `measures.add_sums`)."""
    denied = facts.loc[facts["denied"], ["category", "denied_amount", "recovered", "write_off"]]
    step = denied["category"].map(PREVENTION_STEP).fillna("other")
    grouped = denied.groupby(step.to_numpy())
    table = pd.DataFrame(
        {
            "denied": grouped.size(),
            "denied_dollars": grouped["denied_amount"].sum(),
            "recovered_dollars": grouped["recovered"].sum(),
            "write_off_dollars": grouped["write_off"].sum(),
        }
    )
    table.index.name = "step"
    return table


def preventable_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """`preventable_denials` from the steps' sums (`preventable_sums`, of one part of the facts or several)."""
    table = sums.copy()
    table["categories"] = [", ".join(_categories_of(s)) for s in table.index]
    total_count, total_dollars = table["denied"].sum(), table["denied_dollars"].sum()
    table["share_of_denials"] = table["denied"] / total_count if total_count else float("nan")
    table["share_of_dollars"] = table["denied_dollars"] / total_dollars if total_dollars else float("nan")
    table.index.name = "step"
    return table.sort_values(["denied_dollars", "denied"], ascending=False, kind="stable")


def preventable_trend(facts: pd.DataFrame, value: str = "denied_amount") -> pd.DataFrame:
    """Monthly trend of denials per prevention step: months as rows, steps as columns.

    Args:
        facts: `build_claim_facts` output.
        value: `denied_amount` for dollars, or `denied` for claim counts.

    Returns:
        A month x step frame of sums (zero where a step had no denial that month), months ascending and
        steps in the order of `preventable_denials`.
    """
    return trend_from_sums(trend_sums(facts, value), preventable_denials(facts).index)


def trend_sums(facts: pd.DataFrame, value: str) -> pd.Series:
    """Sums of `value` over denials per (month, prevention step): what parts of the facts add up."""
    denied = facts.loc[facts["denied"], ["month", "category", value]]
    step = denied["category"].map(PREVENTION_STEP).fillna("other")
    return denied[value].astype(float).groupby([denied["month"].to_numpy(), step.to_numpy()]).sum()


def trend_from_sums(sums: pd.Series, steps: pd.Index) -> pd.DataFrame:
    """The month x step trend from `trend_sums` (added up over parts), steps in the order `steps` gives."""
    table = sums.unstack(fill_value=0.0).sort_index()
    table = table[[s for s in steps if s in table.columns]]
    table.index.name = "month"
    return table


def _categories_of(step: str) -> list[str]:
    return [c for c, s in PREVENTION_STEP.items() if s == step]
