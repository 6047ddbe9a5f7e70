"""A world as a practice knew it on one day: for leakage tests, which compare features built from the whole world
with features built from what was known then."""

from __future__ import annotations

import pandas as pd


def world_as_of(world: dict[str, pd.DataFrame], day: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """The tables without any remittance adjudicated on or after `day` or claim submitted after it."""
    remits = world["remittances"][world["remittances"]["adjudication_date"] < day]
    keep = set(remits["remit_id"])
    claims = world["claims"][world["claims"]["submission_date"] <= day]
    return {
        **world,
        "claims": claims,
        "claim_lines": world["claim_lines"][world["claim_lines"]["claim_id"].isin(claims["claim_id"])],
        "remittances": remits,
        "remittance_lines": world["remittance_lines"][world["remittance_lines"]["remit_id"].isin(keep)],
        "adjustments": world["adjustments"][world["adjustments"]["remit_id"].isin(keep)],
    }
