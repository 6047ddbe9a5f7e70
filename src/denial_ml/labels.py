"""The denial rule of DOMAIN.md, turning remittances into one label row per adjudicated claim.

Pure functions of frames: no I/O. Used by training (labels), analytics (denial counts) and ingest (checks),
so that every part of the project counts a denial the same way.

Rule:
- A claim's *initial decision* is its first remittance that is a real adjudication: reversals (CLP02 22),
  "not our claim" (23) and predeterminations (25) are not decisions, so a reversal/correction pair never
  counts as a denial.
- The claim is denied when CLP02 = 4; or when it is paid zero and an adjustment carries a denial reason;
  or when any of its lines is denied. A line is denied when it is paid zero and carries a denial CARC under
  group CO, PI or OA. CO-45, PR-1/2/3, OA-23, CO-94 are never denial reasons.
- The category is that of the denial adjustment with the largest amount (claim level before line level
  on ties), read through the versioned CARC map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from denial_ml.domain.denials import (
    CLP_DENIED,
    CLP_NOT_OUR_CLAIM,
    CLP_PREDETERMINATION,
    CLP_REVERSAL,
    DENIAL_GROUP_CODES,
    NON_DENIAL_CARCS,
    carc_category_lookup,
)

NOT_DECISIONS = frozenset({CLP_REVERSAL, CLP_NOT_OUR_CLAIM, CLP_PREDETERMINATION})
LABEL_COLUMNS = [
    "claim_id",
    "remit_id",
    "adjudication_date",
    "claim_status_code",
    "paid_amount",
    "denied",
    "claim_level_denial",
    "denied_lines",
    "denial_category",
    "denial_carc",
    "denied_amount",
]


def isin(column: pd.Series, values: pd.Series) -> np.ndarray:
    """`column.isin(values)` as a boolean array, for a string column looked up in another string column.

    pandas 3's `isin` on an Arrow string column builds one Arrow scalar per value in Python (seconds for a
    million ids); Arrow's own hash lookup gives the same answer (a missing value matches a missing value).
    """
    if not (_arrow_str(column) and _arrow_str(values)):
        return column.isin(values).to_numpy()
    value_set = pa.chunked_array(pa.array(values)).combine_chunks()
    found = pc.is_in(pa.chunked_array(pa.array(column)), value_set=value_set.cast(pa.large_string()))
    return found.to_numpy(zero_copy_only=False).astype(bool)


def map_keys(values: pd.Series, keys: pd.Series, targets: pd.Series) -> pd.Series:
    """`values.map(pd.Series(targets.to_numpy(), index=keys))` (missing where a value is not a key; keys unique),
    with Arrow's hash lookup: pandas' string index hashes every value through a Python object.
    """
    if not (_arrow_str(values) and _arrow_str(keys)):
        return values.map(pd.Series(targets.to_numpy(), index=keys.to_numpy()))
    found = pc.index_in(pa.chunked_array(pa.array(values)), value_set=pa.chunked_array(pa.array(keys)).combine_chunks())
    position = found.fill_null(-1).to_numpy().astype(np.int64)
    taken = pd.api.extensions.take(targets.array, position, allow_fill=True)
    return pd.Series(taken, index=values.index, name=values.name)


def _arrow_str(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"


def initial_decisions(remittances: pd.DataFrame) -> pd.DataFrame:
    """The first real adjudication of each claim (one row per adjudicated claim).

    Args:
        remittances: The `remittances` table.

    Returns:
        The subset of `remittances` holding each claim's initial decision.
    """
    decisions = remittances[~remittances["claim_status_code"].isin(NOT_DECISIONS)]
    decisions = decisions.sort_values(["claim_id", "adjudication_date", "remit_sequence"], kind="stable")
    return decisions.drop_duplicates("claim_id", keep="first").reset_index(drop=True)


def is_denial_adjustment(adjustments: pd.DataFrame) -> pd.Series:
    """Boolean mask of adjustments whose group and CARC make them denial reasons."""
    return adjustments["group_code"].isin(DENIAL_GROUP_CODES) & ~adjustments["carc"].isin(NON_DENIAL_CARCS)


def label_claims(
    remittances: pd.DataFrame,
    remittance_lines: pd.DataFrame,
    adjustments: pd.DataFrame,
) -> pd.DataFrame:
    """Label every adjudicated claim with the denial rule.

    Args:
        remittances: The `remittances` table.
        remittance_lines: The `remittance_lines` table (may be empty).
        adjustments: The `adjustments` table.

    Returns:
        One row per adjudicated claim with `LABEL_COLUMNS`: `denied` (bool), `claim_level_denial` (bool),
        `denied_lines` (count), `denial_category` ("" when not denied), `denial_carc`, `denied_amount`.
    """
    first = initial_decisions(remittances)
    remit_ids = first["remit_id"]
    adj = adjustments[isin(adjustments["remit_id"], remit_ids) & is_denial_adjustment(adjustments).to_numpy()]
    lines = remittance_lines[isin(remittance_lines["remit_id"], remit_ids)]

    # Line denials: zero-paid lines that carry a denial adjustment.
    line_adj = adj[adj["line_number"].notna()]
    zero_lines = lines.loc[lines["paid_amount"].abs() < 0.005, ["remit_id", "line_number"]]
    denied_line_adj = line_adj.merge(zero_lines, on=["remit_id", "line_number"], how="inner")
    denied_lines = denied_line_adj.drop_duplicates(["remit_id", "line_number"]).groupby("remit_id").size()

    claim_adj = adj[adj["line_number"].isna()]
    zero_paid = first["paid_amount"].abs() < 0.005
    has_denial_reason = isin(first["remit_id"], adj["remit_id"])
    claim_level = (first["claim_status_code"] == CLP_DENIED) | (zero_paid & has_denial_reason)

    out = first[["claim_id", "remit_id", "adjudication_date", "claim_status_code", "paid_amount"]].copy()
    counts = denied_lines.reset_index(name="n")
    out["denied_lines"] = map_keys(out["remit_id"], counts["remit_id"], counts["n"]).fillna(0).astype("int64")
    out["claim_level_denial"] = claim_level.to_numpy()
    out["denied"] = out["claim_level_denial"] | (out["denied_lines"] > 0)

    reasons = _denial_reasons(claim_adj, denied_line_adj, claim_level_remits=out.loc[claim_level, "remit_id"])
    out = out.merge(reasons, on="remit_id", how="left")
    out.loc[~out["denied"], ["denial_carc", "denial_category"]] = ""
    out["denial_carc"] = out["denial_carc"].fillna("").astype(str)
    out["denial_category"] = out["denial_category"].fillna("").astype(str)
    # A CLP02=4 claim whose adjustments were all non-denial codes still is denied; default category.
    unknown = out["denied"] & (out["denial_category"] == "")
    out.loc[unknown, "denial_category"] = "missing_information"
    out["denied_amount"] = out["denied_amount"].fillna(0.0).where(out["denied"], 0.0)
    return out[LABEL_COLUMNS]


def _denial_reasons(
    claim_adj: pd.DataFrame, denied_line_adj: pd.DataFrame, claim_level_remits: pd.Series
) -> pd.DataFrame:
    """The main denial reason (largest amount) of each denied remittance and its total denied amount."""
    claim_adj = claim_adj[isin(claim_adj["remit_id"], claim_level_remits)]
    both = pd.concat([claim_adj.assign(_level=0), denied_line_adj.assign(_level=1)], ignore_index=True)
    if both.empty:
        return pd.DataFrame(columns=["remit_id", "denial_carc", "denial_category", "denied_amount"])
    both = both.assign(_abs=both["amount"].abs())
    totals = both.groupby("remit_id")["_abs"].sum().rename("denied_amount")
    top = both.sort_values(["remit_id", "_abs", "_level"], ascending=[True, False, True], kind="stable")
    top = top.drop_duplicates("remit_id")
    lookup = carc_category_lookup()
    fallback = np.where(top["group_code"].eq("OA"), "non_covered", "missing_information")
    category = top["carc"].map(lookup).fillna(pd.Series(fallback, index=top.index))
    return pd.DataFrame(
        {
            "remit_id": top["remit_id"].to_numpy(),
            "denial_carc": top["carc"].astype(str).to_numpy(),
            "denial_category": category.astype(str).to_numpy(),
        }
    ).merge(totals.reset_index(), on="remit_id", how="left")
