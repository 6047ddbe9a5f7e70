"""What an appeals specialist needs to see of a denied claim on its worklist item: the claim and its lines,
every remittance with its adjustments (group, CARC, amount) and remarks, each code with its summary.

Pure: frames in, JSON-ready dicts out (stored with the item at build time, so the page needs no claim tables).
Nothing identifying the patient (name, member id, birth date) is copied.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from denial_ml.domain.code_text import describe_carc, describe_rarc

HEADER = ("claim_type", "claim_frequency_code", "place_of_service", "service_date_from", "service_date_to",
          "submission_date", "total_charge", "billing_provider_npi", "prior_auth_number", "eligibility_checked",
          "eligibility_check_date")  # fmt: skip
MODIFIERS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")


def _value(value: Any) -> Any:
    """A JSON-safe scalar: dates as YYYY-MM-DD, missing as None, numpy numbers as Python ones."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    present = [c for c in columns if c in frame.columns]
    return [{c: _value(v) for c, v in zip(present, row, strict=True)} for row in frame[present].itertuples(False)]


def _by_claim(frame: pd.DataFrame | None, claim_ids: set[str]) -> dict[str, pd.DataFrame]:
    if frame is None or frame.empty:
        return {}
    picked = frame[frame["claim_id"].isin(claim_ids)]
    return {str(claim): group for claim, group in picked.groupby("claim_id", sort=False)}


def _line(row: dict[str, Any]) -> dict[str, Any]:
    modifiers = [row.pop(m) for m in MODIFIERS if m in row]
    row["modifiers"] = [m for m in modifiers if m]
    return row


def _remittance(remit: dict[str, Any], adjustments: pd.DataFrame, remarks: pd.DataFrame) -> dict[str, Any]:
    mine = adjustments[adjustments["remit_id"] == remit["remit_id"]] if not adjustments.empty else adjustments
    notes = remarks[remarks["remit_id"] == remit["remit_id"]] if not remarks.empty else remarks
    remit["adjustments"] = [
        {**row, "text": describe_carc(row.get("carc"))}
        for row in _rows(mine, ["line_number", "group_code", "carc", "amount"])
    ]
    remit["remarks"] = [
        {**row, "text": describe_rarc(row.get("rarc"))} for row in _rows(notes, ["line_number", "rarc"])
    ]
    return remit


def claim_details(tables: dict[str, pd.DataFrame], claim_ids: list[str]) -> list[dict[str, Any]]:
    """One detail dict per claim id, in order: `claim` (header), `lines`, `remittances` (oldest first).

    Raises:
        KeyError: when `tables` lacks `claims`.
    """
    wanted = set(claim_ids)
    claims = tables["claims"].set_index("claim_id")
    lines = _by_claim(tables.get("claim_lines"), wanted)
    remits = _by_claim(tables.get("remittances"), wanted)
    adjustments = _by_claim(tables.get("adjustments"), wanted)
    remarks = _by_claim(tables.get("remarks"), wanted)
    empty = pd.DataFrame()
    details = []
    for claim_id in claim_ids:
        header = (
            {c: _value(claims.at[claim_id, c]) for c in HEADER if c in claims.columns}
            if claim_id in claims.index
            else {}
        )
        claim_lines = lines.get(claim_id, empty)
        line_columns = [
            "line_number",
            "procedure_code",
            "revenue_code",
            *MODIFIERS,
            "units",
            "line_charge",
            "service_date",
        ]
        ordered = claim_lines.sort_values("line_number") if not claim_lines.empty else claim_lines
        claim_remits = remits.get(claim_id, empty)
        if not claim_remits.empty:
            claim_remits = claim_remits.sort_values(["adjudication_date", "remit_id"])
        remit_rows = _rows(claim_remits, ["remit_id", "adjudication_date", "claim_status_code", "paid_amount",
                                          "patient_responsibility", "payer_claim_id"])  # fmt: skip
        details.append(
            {
                "claim": header,
                "lines": [_line(row) for row in _rows(ordered, line_columns)],
                "remittances": [
                    _remittance(r, adjustments.get(claim_id, empty), remarks.get(claim_id, empty)) for r in remit_rows
                ],
            }
        )
    return details


def attach_details(
    items: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    appeal_cost: float,
    contacts: dict[str, dict[str, Any]],
) -> pd.DataFrame:
    """`items` with its `claim_detail` column: each claim's details, the appeal cost and the payer's contact.

    Args:
        items: Worklist rows (`triage.rank.worklist_items`), with `claim_id` and `payer_id`.
        tables: The claims' tables (`claim_details`).
        appeal_cost: The model's cost of one appeal. contacts: Payer id -> contact record.
    """
    details = claim_details(tables, items["claim_id"].tolist())
    items["claim_detail"] = [
        {**detail, "appeal_cost": appeal_cost, "contact": contacts.get(payer)}
        for detail, payer in zip(details, items["payer_id"], strict=True)
    ]
    return items
