"""The 835 side of the world: remittances, their lines, CAS adjustments and remark codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import lookup, number_ids, str_frame
from denial_ml.data.synthetic.lines import BASE_CHARGE
from denial_ml.data.synthetic.outcomes import MECHANISMS
from denial_ml.data.synthetic.params import ALLOWED_FACTOR, PAYERS

ALLOWED = {p.payer_id: p.allowed_ratio for p in PAYERS}
PAYER_TYPE = {p.payer_id: p.payer_type for p in PAYERS}
MECH_CARC = np.array([m.carc for m in MECHANISMS])
MECH_RARC = np.array([m.rarc for m in MECHANISMS])
MECH_GROUP = np.array([m.group for m in MECHANISMS])
MECH_LEVEL = np.array([m.level for m in MECHANISMS])


def build_remittances(
    rng: np.random.Generator,
    claims: pd.DataFrame,
    lines: pd.DataFrame,
    adjudicated: np.ndarray,
    mech: np.ndarray,
    line_row: np.ndarray,
) -> dict[str, pd.DataFrame]:
    """Write the payer's answer for every adjudicated claim.

    Args:
        claims: Claims with `claim_id`, `payer_id`, `total_charge`, hidden `_adj_date`.
        lines: Claim lines (row order = `line_row` indexes), with `_c`, `line_number`, charges.
        adjudicated: Per claim, whether a remittance exists by the end of history.
        mech: Winning mechanism index per claim (-1: not denied).
        line_row: Denied line's row in `lines` per claim (-1: claim-level or none).

    Returns:
        `remittances`, `remittance_lines`, `adjustments`, `remarks` tables, and hidden `_allowed_denied`
        (expected payment of the denied part, per claim) for the appeals step.
    """
    c = lines["_c"].to_numpy()
    n = len(claims)
    claim_level = (mech >= 0) & (line_row < 0)
    line_denied = np.zeros(len(lines), dtype=bool)
    line_denied[line_row[line_row >= 0]] = True
    line_denied |= claim_level[c]
    ratio = lookup(claims["payer_id"], ALLOWED, dtype=float)[c] * rng.uniform(0.9, 1.05, len(c))
    charge = lines["line_charge"].to_numpy()
    code = lines["procedure_code"]
    schedule = lookup(code, BASE_CHARGE, 0.0, float) * lookup(code, ALLOWED_FACTOR, 1.0, float)
    fee = schedule * lines["units"].to_numpy() * ratio
    allowed = np.round(np.minimum(charge, fee), 2)
    ptype = lookup(claims["payer_id"], PAYER_TYPE, None, object)[c]
    coins = np.where(np.isin(ptype, ["medicare", "medicare_advantage", "tricare"]), np.round(allowed * 0.2, 2), 0.0)
    first_line = lines["line_number"].to_numpy() == 1
    month = claims["service_date_from"].dt.month.to_numpy()[c]
    deductible = np.where(
        (ptype == "commercial") & first_line & (month <= 4) & (rng.random(len(c)) < 0.35),
        np.round(np.minimum(allowed, rng.uniform(50, 400, len(c))), 2),
        0.0,
    )
    copay = np.where(
        (ptype == "commercial") & first_line & (deductible == 0),
        np.minimum(allowed, rng.choice([20.0, 25.0, 30.0, 40.0], len(c))),
        0.0,
    )
    ok = ~line_denied
    pr1, pr2, pr3 = deductible * ok, np.minimum(coins, allowed - deductible) * ok, copay * ok
    pr2 = np.where(pr3 > 0, 0.0, pr2)
    co45 = np.round((charge - allowed) * ok, 2)
    paid = np.round((allowed - pr1 - pr2 - pr3) * ok, 2)

    adj_claims = np.flatnonzero(adjudicated)
    remit_id = number_ids("R", n, 8, "-1")
    claim_paid = np.bincount(c, weights=paid, minlength=n)
    claim_pr = np.bincount(c, weights=pr1 + pr2 + pr3, minlength=n)
    all_denied = np.bincount(c, weights=~line_denied, minlength=n) == 0
    status = np.where(all_denied, "4", "1")
    remits = str_frame(
        {
            "remit_id": remit_id,
            "claim_id": claims["claim_id"].array,
            "claim_status_code": status,
            "total_charge": claims["total_charge"].to_numpy(),
            "paid_amount": np.round(claim_paid, 2),
            "patient_responsibility": np.round(claim_pr, 2),
            "payer_claim_id": number_ids("PCN", n, 10),
            "payer_id": claims["payer_id"].array,
            "adjudication_date": claims["_adj_date"].to_numpy(),
            "remit_sequence": 1,
        }
    ).iloc[adj_claims]
    on = adjudicated[c]
    rlines = str_frame(
        {
            "remit_id": remit_id[c],
            "claim_id": claims["claim_id"].array[c],
            "line_number": lines["line_number"].to_numpy(),
            "claim_line_number": lines["line_number"].to_numpy(),
            "line_control_number": lines["line_control_number"].array,
            "procedure_code": lines["procedure_code"].array,
            "modifiers": lines["_modifiers"].array,
            "line_charge": charge,
            "paid_amount": paid,
            "units": lines["units"].to_numpy().astype(float),
            "service_date": lines["service_date"].to_numpy(),
        }
    )[on]
    adjustments, remarks = _adjustments(
        claims, lines, remit_id, c, on, mech, line_row, claim_level, co45, pr1, pr2, pr3
    )
    tables = {
        "remittances": remits,
        "remittance_lines": rlines,
        "adjustments": adjustments,
        "remarks": remarks,
    }
    tables = _add_reversals(rng, tables, (adjudicated & (mech < 0))[adjudicated])
    denied_allowed = np.bincount(c, weights=np.where(line_denied, allowed, 0.0), minlength=n)
    tables["_allowed_denied"] = pd.DataFrame({"allowed_denied": denied_allowed})
    return tables


def _adjustments(claims, lines, remit_id, c, on, mech, line_row, claim_level, co45, pr1, pr2, pr3):
    """CAS rows: contractual write-downs and patient shares on paid lines; the denial reason where denied."""
    line_no = lines["line_number"].to_numpy()
    parts = []
    for group, carc, amount in (("CO", "45", co45), ("PR", "1", pr1), ("PR", "2", pr2), ("PR", "3", pr3)):
        keep = on & (amount > 0.004)
        parts.append(
            str_frame(
                {
                    "remit_id": remit_id.take(c[keep]),
                    "claim_id": claims["claim_id"].array.take(c[keep]),
                    "line_number": line_no[keep],
                    "group_code": group,
                    "carc": carc,
                    "amount": amount[keep],
                    "quantity": np.nan,
                }
            )
        )
    adjudicated_claim = np.zeros(len(claims), dtype=bool)
    adjudicated_claim[c[on]] = True
    cl = np.flatnonzero(claim_level & adjudicated_claim)
    parts.append(
        str_frame(
            {
                "remit_id": remit_id[cl],
                "claim_id": claims["claim_id"].array[cl],
                "line_number": -1,  # claim level: missing once the parts are joined
                "group_code": MECH_GROUP[mech[cl]],
                "carc": MECH_CARC[mech[cl]],
                "amount": claims["total_charge"].to_numpy()[cl],
                "quantity": np.nan,
            }
        )
    )
    ln = np.flatnonzero((line_row >= 0) & adjudicated_claim)
    rows = line_row[ln]
    parts.append(
        str_frame(
            {
                "remit_id": remit_id[ln],
                "claim_id": claims["claim_id"].array[ln],
                "line_number": line_no[rows],
                "group_code": MECH_GROUP[mech[ln]],
                "carc": MECH_CARC[mech[ln]],
                "amount": lines["line_charge"].to_numpy()[rows],
                "quantity": np.nan,
            }
        )
    )
    adjustments = pd.concat(parts, ignore_index=True)
    line = adjustments["line_number"].to_numpy().astype(np.int64)
    adjustments["line_number"] = pd.arrays.IntegerArray(line, line < 0)
    denied = np.concatenate([cl, ln])
    rarc = MECH_RARC[mech[denied]]
    has = rarc != ""
    line_of = np.concatenate([np.full(len(cl), -1), line_no[line_row[ln]]])
    remarks = str_frame(
        {
            "remit_id": remit_id[denied][has],
            "claim_id": claims["claim_id"].array[denied][has],
            "line_number": pd.array(np.where(line_of[has] > 0, line_of[has], 0), dtype="Int64"),
            "rarc": rarc[has],
        }
    )
    remarks.loc[remarks["line_number"] == 0, "line_number"] = pd.NA
    return adjustments, remarks


def _add_reversals(rng, tables, paid_remits):
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
