"""The 835 side of the world: remittances, their lines, CAS adjustments and remark codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import lookup, number_ids, str_frame
from denial_ml.data.synthetic.hidden import hidden
from denial_ml.data.synthetic.lines import BASE_CHARGE
from denial_ml.data.synthetic.outcomes import MECHANISMS, Mechanism
from denial_ml.data.synthetic.params import ALLOWED_FACTOR, PAYERS
from denial_ml.data.synthetic.reversals import add_reversals

ALLOWED = {p.payer_id: p.allowed_ratio for p in PAYERS}
REVENUE_LINE_ALLOWED = 0.55  # share of charge a payer allows on a revenue-code-only line (before its ratio)
PAYER_TYPE = {p.payer_id: p.payer_type for p in PAYERS}


@dataclass(frozen=True)
class Remittances:
    """The payer's answers (`build_remittances`)."""

    tables: dict[str, pd.DataFrame]  # `remittances`, `remittance_lines`, `adjustments`, `remarks`
    allowed_denied: np.ndarray  # per claim: expected payment of its denied part (for the appeals step)


@dataclass(frozen=True)
class _DenialRows:
    """Where the denials sit: per line its claim and whether it is on a remittance, per claim the decision."""

    line_claim: np.ndarray  # per line: its claim's row
    on_remit: np.ndarray  # per line: its claim was adjudicated
    mech: np.ndarray  # per claim: winning mechanism (-1: not denied)
    line_row: np.ndarray  # per claim: the denied line's row (-1: claim-level or none)
    claim_level: np.ndarray  # per claim: denied as a whole
    mechanisms: tuple[Mechanism, ...]  # what `mech` indexes: the built-in mechanisms, then policy rules'


@dataclass(frozen=True)
class _LineShares:
    """Per line: the contractual write-down and the patient's shares (all 0 on denied lines)."""

    co45: np.ndarray  # charge above the allowed amount
    deductible: np.ndarray  # PR-1
    coinsurance: np.ndarray  # PR-2
    copay: np.ndarray  # PR-3


def build_remittances(
    rng: np.random.Generator,
    claims: pd.DataFrame,
    lines: pd.DataFrame,
    adjudicated: np.ndarray,
    mech: np.ndarray,
    line_row: np.ndarray,
    mechanisms: tuple[Mechanism, ...] = MECHANISMS,
) -> Remittances:
    """Write the payer's answer for every adjudicated claim.

    Args:
        claims: Claims with `claim_id`, `payer_id`, `total_charge`, hidden `_adj_date`.
        lines: Claim lines (row order = `line_row` indexes), with `_c`, `line_number`, charges.
        adjudicated: Per claim, whether a remittance exists by the end of history.
        mech: Winning mechanism index per claim (-1: not denied).
        line_row: Denied line's row in `lines` per claim (-1: claim-level or none).
        mechanisms: The mechanisms `mech` indexes (their group, CARC and RARC are what the payer sends).

    Returns:
        The `remittances`, `remittance_lines`, `adjustments`, `remarks` tables, and the expected payment of each
        claim's denied part.
    """
    c = hidden(lines, "claim_lines", "_c").to_numpy()
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
    # A revenue-code-only 837I line has no fee schedule entry: payers pay it as a share of its charge.
    fee = np.where(code.isna().to_numpy(), charge * REVENUE_LINE_ALLOWED * ratio, fee)
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
            "adjudication_date": hidden(claims, "claims", "_adj_date").to_numpy(),
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
            "modifiers": hidden(lines, "claim_lines", "_modifiers").array,
            "line_charge": charge,
            "paid_amount": paid,
            "units": lines["units"].to_numpy().astype(float),
            "service_date": lines["service_date"].to_numpy(),
            "revenue_code": lines["revenue_code"].array,
        }
    )[on]
    adjustments, remarks = _adjustments(
        claims,
        lines,
        remit_id,
        _DenialRows(c, on, mech, line_row, claim_level, mechanisms),
        _LineShares(co45=co45, deductible=pr1, coinsurance=pr2, copay=pr3),
    )
    tables = {
        "remittances": remits,
        "remittance_lines": rlines,
        "adjustments": adjustments,
        "remarks": remarks,
    }
    tables = add_reversals(rng, tables, (adjudicated & (mech < 0))[adjudicated])
    denied_allowed = np.bincount(c, weights=np.where(line_denied, allowed, 0.0), minlength=n)
    return Remittances(tables=tables, allowed_denied=denied_allowed)


def _adjustments(
    claims: pd.DataFrame,
    lines: pd.DataFrame,
    remit_id: pd.api.extensions.ExtensionArray,
    rows: _DenialRows,
    shares: _LineShares,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CAS rows: contractual write-downs and patient shares on paid lines; the denial reason where denied.

    Returns:
        The `adjustments` and `remarks` tables.
    """
    c, on, mech, line_row = rows.line_claim, rows.on_remit, rows.mech, rows.line_row
    group_of = np.array([m.group for m in rows.mechanisms])
    carc_of = np.array([m.carc for m in rows.mechanisms])
    rarc_of = np.array([m.rarc for m in rows.mechanisms])
    line_no = lines["line_number"].to_numpy()
    parts = []
    paid_line_rows = (
        ("CO", "45", shares.co45),
        ("PR", "1", shares.deductible),
        ("PR", "2", shares.coinsurance),
        ("PR", "3", shares.copay),
    )
    for group, carc, amount in paid_line_rows:
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
    cl = np.flatnonzero(rows.claim_level & adjudicated_claim)
    parts.append(
        str_frame(
            {
                "remit_id": remit_id[cl],
                "claim_id": claims["claim_id"].array[cl],
                "line_number": -1,  # claim level: missing once the parts are joined
                "group_code": group_of[mech[cl]],
                "carc": carc_of[mech[cl]],
                "amount": claims["total_charge"].to_numpy()[cl],
                "quantity": np.nan,
            }
        )
    )
    ln = np.flatnonzero((line_row >= 0) & adjudicated_claim)
    denied_rows = line_row[ln]
    parts.append(
        str_frame(
            {
                "remit_id": remit_id[ln],
                "claim_id": claims["claim_id"].array[ln],
                "line_number": line_no[denied_rows],
                "group_code": group_of[mech[ln]],
                "carc": carc_of[mech[ln]],
                "amount": lines["line_charge"].to_numpy()[denied_rows],
                "quantity": np.nan,
            }
        )
    )
    adjustments = pd.concat(parts, ignore_index=True)
    line = adjustments["line_number"].to_numpy().astype(np.int64)
    adjustments["line_number"] = pd.arrays.IntegerArray(line, line < 0)
    denied = np.concatenate([cl, ln])
    rarc = rarc_of[mech[denied]]
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
