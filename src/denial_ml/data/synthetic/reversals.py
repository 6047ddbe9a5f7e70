"""Reversals and corrections: a few paid claims are later reversed and re-adjudicated (not denials)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def add_reversals(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], paid_remits: np.ndarray
) -> dict[str, pd.DataFrame]:
    """A few paid claims are later reversed (CLP02 22) and re-adjudicated (a correction): not denials.

    As in 5010 (which has no group code CR): the reversal repeats the original's adjustments with the
    amounts negated, the correction repeats them with the change in payment taken up by CO-45.

    `paid_remits` flags, per row of `tables["remittances"]`, a claim that was paid (not denied).
    """
    remits = tables["remittances"]
    candidates = remits[paid_remits]
    pick = candidates[rng.random(len(candidates)) < 0.005]
    if pick.empty:
        return tables
    later = pick["adjudication_date"] + pd.to_timedelta(rng.integers(10, 60, len(pick)), unit="D")
    reversal = pick.assign(
        remit_id=pick["remit_id"].str.replace("-1", "-2"),
        claim_status_code="22",
        total_charge=-pick["total_charge"],
        paid_amount=-pick["paid_amount"],
        patient_responsibility=-pick["patient_responsibility"],
        adjudication_date=later,
        remit_sequence=2,
    )
    factor = rng.uniform(0.95, 1.05, len(pick))
    correction = pick.assign(
        remit_id=pick["remit_id"].str.replace("-1", "-3"),
        claim_status_code="1",
        paid_amount=(pick["paid_amount"] * factor).round(2),
        adjudication_date=later,
        remit_sequence=3,
    )
    cas = _reversal_adjustments(
        tables["adjustments"], pick, paid_change=correction["paid_amount"] - pick["paid_amount"]
    )
    tables["remittances"] = pd.concat([remits, reversal, correction], ignore_index=True)
    tables["adjustments"] = pd.concat([tables["adjustments"], cas], ignore_index=True)
    return tables


def _reversal_adjustments(adjustments: pd.DataFrame, pick: pd.DataFrame, paid_change: pd.Series) -> pd.DataFrame:
    """Claim-level CAS rows of the reversals (`-2`) and corrections (`-3`) of the remittances in `pick`.

    The original's adjustments are summed per group code and CARC to claim level (the reversal and the correction
    carry no service lines), so each CLP still balances: charge - paid = sum of its CAS amounts, and its PR rows
    add up to its patient responsibility.
    """
    own = adjustments[adjustments["remit_id"].isin(pick["remit_id"])]
    summed = own.groupby(["remit_id", "claim_id", "group_code", "carc"], as_index=False, sort=True)["amount"].sum()
    summed["amount"] = summed["amount"].round(2)
    # A claim paid in full with no CO-45 still needs one row to take up the corrected payment.
    change = pd.DataFrame(
        {"remit_id": pick["remit_id"], "claim_id": pick["claim_id"], "group_code": "CO", "carc": "45"}
    )
    change["change"] = -paid_change.to_numpy()
    corrected = summed.merge(change, how="outer", on=["remit_id", "claim_id", "group_code", "carc"])
    corrected["amount"] = (corrected["amount"].fillna(0.0) + corrected["change"].fillna(0.0)).round(2)
    reversal = summed.assign(remit_id=summed["remit_id"].str.replace("-1", "-2"), amount=-summed["amount"])
    correction = corrected.drop(columns="change").assign(remit_id=corrected["remit_id"].str.replace("-1", "-3"))
    rows = pd.concat([reversal, correction], ignore_index=True)
    rows = rows[rows["amount"].abs() >= 0.005]
    return rows.assign(line_number=pd.array([pd.NA] * len(rows), dtype="Int64"), quantity=np.nan)[
        list(adjustments.columns)
    ]
