"""A claim's eligibility from the 271 responses: the latest one on or before its submission (point in time).

A response belongs to a claim when it has the claim's payer and member id and was received on or before the
day the claim was submitted: a 271 that came later (after a rejection or a denial, say) was not known when
the claim left and never sets its eligibility. The claim's `eligibility_checked` becomes True,
`eligibility_check_date` the response date (so the model's `eligibility_check_gap` is "verified N days
before service"), and `eligibility_status`:
- `inactive` when the payer answered inactive or could not find the member, or when the coverage the response
  gives ends before the service date (or begins after it): the coverage ends before the service date;
- `active` when it answered active and its dates cover the service date;
- `unknown` otherwise.
Pure: frames in, frames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RESPONSE_COLUMNS = ("payer_id", "member_id", "response_date", "coverage_status", "coverage_begin", "coverage_end")


def latest_responses(claims: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Per claim (same row order): the latest matching response on or before its submission date.

    Args:
        claims: `claim_id`, `payer_id`, `member_id`, `submission_date`.
        responses: `eligibility_responses`.

    Returns:
        A frame aligned with `claims` holding `RESPONSE_COLUMNS` (missing where no response matches).
    """
    left = pd.DataFrame(
        {
            "_row": np.arange(len(claims)),
            "payer_id": claims["payer_id"].astype(str).to_numpy(),
            "member_id": claims["member_id"].astype(object).where(claims["member_id"].notna(), "").astype(str),
            "_on": pd.to_datetime(claims["submission_date"]).astype("datetime64[ns]").to_numpy(),
        }
    )
    right = responses[list(RESPONSE_COLUMNS)].dropna(subset=["payer_id", "member_id", "response_date"])
    right = right.assign(
        payer_id=right["payer_id"].astype(str),
        member_id=right["member_id"].astype(str),
        _on=pd.to_datetime(right["response_date"]).astype("datetime64[ns]"),
    )
    if right.empty or left.empty:
        return pd.DataFrame({c: pd.Series([None] * len(claims), dtype=object) for c in RESPONSE_COLUMNS})
    # Ties on the same day: the later response in the table wins (stable sort keeps table order).
    matched = pd.merge_asof(
        left.sort_values("_on", kind="stable"),
        right.sort_values("_on", kind="stable"),
        on="_on",
        by=["payer_id", "member_id"],
        direction="backward",
    )
    matched = matched.sort_values("_row").reset_index(drop=True)
    return matched[list(RESPONSE_COLUMNS)]


def eligibility_from_responses(claims: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Claims with their eligibility columns set from the latest 271 on or before submission (see module).

    Claims no response matches keep their columns as they were.
    """
    found = latest_responses(claims, responses)
    has = found["response_date"].notna().to_numpy()
    if not has.any():
        return claims
    service = pd.to_datetime(claims["service_date_from"]).to_numpy()
    begin = pd.to_datetime(found["coverage_begin"]).to_numpy()
    end = pd.to_datetime(found["coverage_end"]).to_numpy()
    answered = found["coverage_status"].astype(object).fillna("unknown").to_numpy()
    outside = (~np.isnat(end) & (end < service)) | (~np.isnat(begin) & (begin > service))
    status = np.where(
        np.isin(answered, ["inactive", "not_found"]) | outside,
        "inactive",
        np.where(answered == "active", "active", "unknown"),
    )
    checked = claims["eligibility_checked"].astype(bool).to_numpy() | has
    dates = np.where(
        has, pd.to_datetime(found["response_date"]).to_numpy(), claims["eligibility_check_date"].to_numpy()
    )
    return claims.assign(
        eligibility_checked=checked,
        eligibility_check_date=pd.to_datetime(dates),
        eligibility_status=np.where(has, status, claims["eligibility_status"].astype(str).to_numpy()),
    )
