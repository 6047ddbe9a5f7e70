"""Tie remittances to the claims they answer: CLP01 = CLM01, then REF*6R line control numbers, then
procedure code (a revenue-code-only line: its revenue code) + service date + charge. Unmatched remittances are
reported, never dropped.
"""

from __future__ import annotations

import pandas as pd

LINE_KEYS = ("procedure_code", "service_date", "line_charge")


def match_remittances(
    claims: pd.DataFrame, claim_lines: pd.DataFrame, remittances: pd.DataFrame, remittance_lines: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match remittances (claim level) and remittance lines (line level) to claims.

    Args:
        claims: The `claims` table (may be empty).
        claim_lines: The `claim_lines` table (may be empty).
        remittances: The `remittances` table.
        remittance_lines: The `remittance_lines` table.

    Returns:
        `(matches, remittance_lines)`: one row per remittance with the matched claim and the method
        ("claim_id", "line_control_number", "procedure_date_charge" or "unmatched"), and the remittance
        lines with `claim_line_number` filled where a claim line matched.
    """
    claim_lines, keyed = _code_keyed(claim_lines), _code_keyed(remittance_lines)
    known = set(claims["claim_id"])
    matched = remittances["claim_id"].where(remittances["claim_id"].isin(known))
    method = pd.Series("unmatched", index=remittances.index, dtype=object).where(matched.isna(), "claim_id")
    lines = keyed.merge(remittances[["remit_id"]].assign(_claim=matched.to_numpy()), on="remit_id")
    by_control = _claims_by(claim_lines, ["line_control_number"], lines[lines["_claim"].isna()])
    by_values = _claims_by(claim_lines, list(LINE_KEYS), lines[lines["_claim"].isna()])
    for found, name in ((by_control, "line_control_number"), (by_values, "procedure_date_charge")):
        fill = remittances["remit_id"].map(found)
        newly = matched.isna() & fill.notna()
        matched, method = matched.where(~newly, fill), method.where(~newly, name)
    matches = pd.DataFrame(
        {
            "remit_id": remittances["remit_id"].to_numpy(),
            "claim_id": remittances["claim_id"].to_numpy(),
            "matched_claim_id": matched.to_numpy(),
            "method": method.to_numpy(),
        }
    )
    out = remittance_lines.copy()
    out["claim_line_number"] = _line_numbers(claim_lines, keyed, matches)
    return matches, out


def _code_keyed(lines: pd.DataFrame) -> pd.DataFrame:
    """Lines whose `procedure_code` is the matching key: a revenue-code-only line (837I SV2 without HCPCS,
    835 SVC NU) is matched by its revenue code, never by an empty procedure code."""
    if "revenue_code" not in lines or not lines["procedure_code"].isna().any():
        return lines
    revenue = "NU:" + lines["revenue_code"].astype(object).where(lines["revenue_code"].notna(), "")
    return lines.assign(
        procedure_code=lines["procedure_code"].astype(object).where(lines["procedure_code"].notna(), revenue)
    )


def _claims_by(claim_lines: pd.DataFrame, keys: list[str], lines: pd.DataFrame) -> pd.Series:
    """remit_id -> claim_id for unmatched remittances whose lines share `keys` with exactly one claim."""
    if lines.empty or claim_lines.empty:
        return pd.Series(dtype=object)
    candidates = claim_lines[claim_lines[keys[0]].astype(bool)][keys + ["claim_id"]].drop_duplicates()
    hits = lines[["remit_id"] + keys].merge(candidates, on=keys)
    unique = hits.groupby("remit_id")["claim_id"].nunique()
    hits = hits[hits["remit_id"].isin(unique[unique == 1].index)]
    return hits.drop_duplicates("remit_id").set_index("remit_id")["claim_id"]


def _line_numbers(claim_lines: pd.DataFrame, remittance_lines: pd.DataFrame, matches: pd.DataFrame) -> pd.Series:
    """Claim line number of each remittance line: by REF*6R within its claim, then by procedure + date +
    charge (the n-th identical remittance line takes the n-th identical claim line)."""
    result = pd.Series(pd.NA, index=remittance_lines.index, dtype="Int64")
    if remittance_lines.empty or claim_lines.empty:
        return result
    lines = remittance_lines.reset_index().merge(matches[["remit_id", "matched_claim_id"]], on="remit_id")
    lines = lines[lines["matched_claim_id"].notna()].rename(columns={"matched_claim_id": "_claim"})
    claim_side = claim_lines.rename(columns={"claim_id": "_claim", "line_number": "_line"})
    control = claim_side[claim_side["line_control_number"].astype(bool)]
    by_control = lines.merge(
        control[["_claim", "line_control_number", "_line"]].drop_duplicates(["_claim", "line_control_number"]),
        on=["_claim", "line_control_number"],
    )
    result.loc[by_control["index"].to_numpy()] = by_control["_line"].to_numpy()
    rest = lines[~lines["index"].isin(by_control["index"])]
    keys = ["_claim", *LINE_KEYS]
    candidates = rest[["index", "remit_id", *keys]].merge(claim_side[[*keys, "_line"]], on=keys)
    # Each remittance maps onto the claim's lines on its own (a correction re-adjudicates the same lines);
    # lines a remittance already took by REF*6R are not candidates for its other lines.
    used = pd.MultiIndex.from_frame(by_control[["remit_id", "_line"]])
    candidates = candidates[~pd.MultiIndex.from_frame(candidates[["remit_id", "_line"]]).isin(used)]
    groups = candidates.groupby(["remit_id", *keys])
    nth_line = groups["index"].rank(method="dense")
    nth_claim_line = groups["_line"].rank(method="dense")
    by_values = candidates[nth_line == nth_claim_line]
    result.loc[by_values["index"].to_numpy()] = by_values["_line"].to_numpy()
    return result
