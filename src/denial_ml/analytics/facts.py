"""One row per submitted claim with every flag and amount the denial measures are sums of.

Pure functions of frames. Denials are counted only through `denial_ml.labels.label_claims`, so the report,
the models and the ingest checks agree on what a denial is.

Definitions (each measure in `measures.py` is a ratio of sums of these columns):
- *adjudicated*: the claim has an initial decision under the labelling rule (a first remittance that is
  not a reversal, "not our claim" or predetermination). Claims without one are *pending* and are left out of
  the denominators of every adjudicated measure.
- *denied*, *denied_amount*, *category*, *carc*: the labelling rule's `denied`, `denied_amount` (sum of the
  denial adjustments of the initial decision), `denial_category` and `denial_carc` (main reason).
- *original*: claim frequency code 1 (CLM05-3); 7/8 are replacements/voids of an earlier claim.
- *replaced*: a later claim names this claim in `original_claim_id`.
- *reversed*: the claim has any remittance with CLP02 = 22.
- *clean*: original, adjudicated, not denied, not reversed, not replaced and never rejected (277CA).
- *first_pass_paid*: original, adjudicated, not denied, never rejected and paid more than zero on the initial
  decision.
- *rejected*, *rejection_resolved*, *rejection_open*, *rejection_days*: see `rejections.py` (optional table
  `claim_events`; without it no claim is rejected).
- *appeal deadline*: adjudication date of the initial decision + the payer's `appeal_deadline_days`.
- *missed_deadline*: denied, not replaced, category appealable (not duplicate), deadline before `as_of`,
  and no appeal filed on or before the deadline (never appealed, or appealed late).
- *write_off*: for denied claims that are closed (not replaced, no pending appeal, and either every appeal
  decided or the deadline passed): denied_amount minus dollars recovered by appeals, floored at zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.analytics.rejections import add_rejections
from denial_ml.domain.denials import CLP_REVERSAL, NON_APPEALABLE_CATEGORIES

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "claims": (
        "claim_id",
        "payer_id",
        "billing_provider_npi",
        "rendering_provider_npi",
        "claim_frequency_code",
        "service_date_from",
        "submission_date",
        "total_charge",
        "original_claim_id",
    ),
    "claim_lines": ("claim_id", "line_number", "procedure_code"),
    "payers": ("payer_id", "payer_name", "payer_type", "appeal_deadline_days"),
    "providers": ("provider_npi", "provider_name"),
    "remittances": ("remit_id", "claim_id", "claim_status_code", "paid_amount", "adjudication_date"),
    "remittance_lines": ("remit_id", "line_number", "paid_amount"),
    "adjustments": ("remit_id", "line_number", "group_code", "carc", "amount"),
    "appeals": ("appeal_id", "claim_id", "filed_date", "outcome", "recovered_amount", "decision_date"),
}
"""Tables the report reads and the columns it needs from each."""

UNKNOWN = "(unknown)"


class ReportInputError(ValueError):
    """The tables cannot make a report; the message names the table, the column or the rows."""


def check_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Check that every table and column the report needs is present (ids are checked by `ids.encode_ids`).

    Raises:
        ReportInputError: naming the missing table or columns, or when there are no claims.
    """
    for name, columns in REQUIRED_COLUMNS.items():
        if name not in tables:
            raise ReportInputError(f"the report needs table {name!r}, which is missing")
        missing = [c for c in columns if c not in tables[name].columns]
        if missing:
            raise ReportInputError(f"table {name!r} lacks column(s) {', '.join(missing)}")
    if tables["claims"].empty:
        raise ReportInputError("table 'claims' is empty: there is nothing to report on")


def default_as_of(tables: dict[str, pd.DataFrame]) -> pd.Timestamp:
    """The latest date in the world (submissions, adjudications, appeals): the report's "today"."""
    candidates = [
        tables["claims"]["submission_date"].max(),
        tables["remittances"]["adjudication_date"].max(),
        tables["appeals"]["filed_date"].max(),
        tables["appeals"]["decision_date"].max(),
    ]
    dates = [pd.Timestamp(d) for d in candidates if pd.notna(d)]
    if not dates:
        raise ReportInputError("table 'claims' is empty: there is nothing to report on")
    return max(dates)


def build_claim_facts(tables: dict[str, pd.DataFrame], labels: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per claim of `claims` with its slice keys, flags and amounts (see module docstring).

    Args:
        tables: The world tables (checked with `check_tables`).
        labels: `label_claims` output for the same tables.
        as_of: The report date; deadlines after it have not passed yet.

    Returns:
        A frame indexed 0..n-1 with slice keys (`payer_id`, `payer_type`, `provider_npi`, `procedure_code`,
        `month`, `category`, `carc`) and numeric columns summed by `measures.group_sums`.
    """
    claims = tables["claims"]
    facts = pd.DataFrame({"claim_id": claims["claim_id"].to_numpy()})
    _add_dimensions(facts, claims, tables)
    facts["charge"] = claims["total_charge"].to_numpy(dtype=float)

    # One aligned lookup (NaN/NaT for pending claims); works even when no claim is adjudicated yet.
    lab = labels.set_index("claim_id").reindex(facts["claim_id"].to_numpy())
    facts["adjudicated"] = lab["remit_id"].notna().to_numpy()
    facts["pending"] = ~facts["adjudicated"]
    facts["denied"] = lab["denied"].fillna(False).astype(bool).to_numpy()
    facts["denied_amount"] = lab["denied_amount"].astype(float).fillna(0.0).to_numpy()
    facts["category"] = lab["denial_category"].fillna("").astype(str).to_numpy()
    facts["carc"] = lab["denial_carc"].fillna("").astype(str).to_numpy()
    adjudicated_on = pd.Series(pd.to_datetime(lab["adjudication_date"]).to_numpy(), index=facts.index)
    paid = pd.Series(lab["paid_amount"].astype(float).fillna(0.0).to_numpy(), index=facts.index)
    submitted = pd.to_datetime(claims["submission_date"]).reset_index(drop=True)
    facts["charge_adjudicated"] = facts["charge"].where(facts["adjudicated"], 0.0)
    facts["adjudication_days"] = ((adjudicated_on - submitted).dt.days).fillna(0).astype(float)

    _add_rework_flags(facts, claims, tables["remittances"], paid)
    add_rejections(facts, claims, tables.get("claim_events"), as_of)
    _add_appeals(facts, tables["appeals"])
    _add_deadlines(facts, claims, tables["payers"], adjudicated_on, as_of)
    return facts


def _add_dimensions(facts: pd.DataFrame, claims: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    """Slice keys: payer, payer type, provider (rendering, else billing), primary procedure, service month."""
    payers = tables["payers"].set_index("payer_id")
    payer = claims["payer_id"].astype(str).reset_index(drop=True)
    facts["payer_id"] = payer
    facts["payer_type"] = payer.map(payers["payer_type"]).fillna(UNKNOWN).astype(str)
    rendering = claims["rendering_provider_npi"].reset_index(drop=True)
    billing = claims["billing_provider_npi"].reset_index(drop=True)
    facts["provider_npi"] = rendering.where(rendering.notna() & (rendering != ""), billing).astype(str)
    lines = tables["claim_lines"]
    first = lines.loc[lines["line_number"] == 1].drop_duplicates("claim_id").set_index("claim_id")
    facts["procedure_code"] = facts["claim_id"].map(first["procedure_code"]).fillna(UNKNOWN).astype(str)
    service = pd.to_datetime(claims["service_date_from"]).reset_index(drop=True)
    facts["month"] = _month_keys(service)


def _month_keys(dates: pd.Series) -> pd.Series:
    """'YYYY-MM' per date; formats each distinct month once (strftime on a million rows is slow)."""
    code = (dates.dt.year * 100 + dates.dt.month).astype("Int64")
    names = {c: f"{c // 100:04d}-{c % 100:02d}" for c in code.dropna().unique()}
    return code.map(names).fillna(UNKNOWN).astype(str)


def _add_rework_flags(facts: pd.DataFrame, claims: pd.DataFrame, remittances: pd.DataFrame, paid: pd.Series) -> None:
    """Original / replaced / reversed, and the clean-claim and first-pass-paid flags built from them."""
    facts["original"] = (claims["claim_frequency_code"].astype(str) == "1").to_numpy()
    originals = claims["original_claim_id"].dropna()
    # Ids may be strings or the integer codes of `ids.encode_ids` (where -1 means none).
    named = originals >= 0 if pd.api.types.is_integer_dtype(originals) else originals != ""
    facts["replaced"] = facts["claim_id"].isin(originals[named])
    reversed_ids = remittances.loc[remittances["claim_status_code"].astype(str) == CLP_REVERSAL, "claim_id"]
    facts["reversed"] = facts["claim_id"].isin(reversed_ids)
    base = facts["original"] & facts["adjudicated"]
    facts["original_adjudicated"] = base
    facts["clean"] = base & ~facts["denied"] & ~facts["reversed"] & ~facts["replaced"]
    facts["first_pass_paid"] = base & ~facts["denied"] & (paid.to_numpy() > 0.005)


def _add_appeals(facts: pd.DataFrame, appeals: pd.DataFrame) -> None:
    """Per-claim appeal counts, decision days, recovered dollars and first filing date."""
    outcome = appeals["outcome"].astype(str)
    decided = outcome != "pending"
    days = (pd.to_datetime(appeals["decision_date"]) - pd.to_datetime(appeals["filed_date"])).dt.days
    timed = decided & days.notna()
    per = (
        pd.DataFrame(
            {
                "claim_id": appeals["claim_id"],
                "appeals": 1,
                "appeals_decided": decided.astype(int),
                "overturned": (outcome == "overturned").astype(int),
                "upheld": (outcome == "upheld").astype(int),
                "appeals_pending": (~decided).astype(int),
                "decision_days": days.where(timed, 0).astype(float),
                "decision_timed": timed.astype(int),
                "recovered": appeals["recovered_amount"].astype(float),
            }
        )
        .groupby("claim_id")
        .sum()
    )
    first_filed = pd.to_datetime(appeals["filed_date"]).groupby(appeals["claim_id"]).min()
    ids = facts["claim_id"].to_numpy()
    aligned = per.reindex(ids).astype(float).fillna(0.0)  # reindex also copes with no appeals at all
    for column in per.columns:
        facts[column] = aligned[column].to_numpy()
    facts["first_filed"] = pd.to_datetime(first_filed.reindex(ids)).to_numpy()


def _add_deadlines(
    facts: pd.DataFrame,
    claims: pd.DataFrame,
    payers: pd.DataFrame,
    adjudicated_on: pd.Series,
    as_of: pd.Timestamp,
) -> None:
    """Appeal deadline, missed-deadline flag and dollars, and write-off dollars of closed denials."""
    deadline_days = claims["payer_id"].astype(str).map(payers.set_index("payer_id")["appeal_deadline_days"])
    deadline = adjudicated_on + pd.to_timedelta(deadline_days.to_numpy(dtype=float), unit="D")
    deadline = pd.Series(deadline.to_numpy(), index=facts.index)
    passed = (deadline < as_of).fillna(False).to_numpy(dtype=bool)
    open_denial = facts["denied"] & ~facts["replaced"]
    appealable = ~facts["category"].isin(NON_APPEALABLE_CATEGORIES)
    timely = (facts["first_filed"] <= deadline).fillna(False).to_numpy(dtype=bool)
    missed = open_denial & appealable & passed & ~timely
    facts["missed_deadline"] = missed
    facts["missed_deadline_dollars"] = facts["denied_amount"].where(missed, 0.0)
    facts["late_appeals"] = (facts["appeals"] > 0) & facts["denied"] & passed & ~timely
    all_decided = (facts["appeals"] > 0) & (facts["appeals_pending"] == 0)
    closed = open_denial & (facts["appeals_pending"] == 0) & (all_decided | passed)
    unrecovered = np.maximum(facts["denied_amount"] - facts["recovered"], 0.0)
    facts["write_off"] = unrecovered.where(closed, 0.0)
    del facts["first_filed"]
