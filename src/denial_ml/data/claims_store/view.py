"""The current view of a claims store: what features, reports and the worklist see.

Rules per table (the parts keep everything; only the view chooses):
- `claims` / `claim_lines`: every submission is a version (store columns `batch`, `claim_version`); the
  current one of a claim id is the last, and its lines are the claim's lines. A void (frequency 8) as last
  version removes the claim from the view.
- `patients` / `providers`: the latest reference roster (`source` "reference") first, then the ids only X12
  files carry, as first seen (what one run gives).
- `payers`, `coverages`, `authorizations`: the latest batch that wrote the table (reference snapshots).
- `remittance_lines`, `remittance_matches`: per remit id, the rows of the latest batch that wrote it (a run
  of new claims re-matches earlier remittances and writes the rows that changed).
- Everything else accumulates: remittances (payment, reversal, correction, later payment), adjustments,
  remarks, PLB, payments, rejections. `remit_sequence` is numbered over all of a claim's remittances.
"""

from __future__ import annotations

import pandas as pd

BATCH = "batch"  # store column on every part: the sequence number of the batch that wrote the row
VERSION = "claim_version"  # claims / claim_lines parts: the n-th submission of the claim id in its batch
SOURCE = "source"  # patients / providers parts: "reference" or "x12"
STORE_COLUMNS = (BATCH, VERSION, SOURCE)
VOID = "8"
SNAPSHOT_TABLES = ("payers", "coverages", "authorizations")
ROSTER_KEYS = {"patients": "patient_id", "providers": "provider_npi"}
LATEST_PER_REMIT = ("remittance_lines", "remittance_matches")


def number_versions(claims: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add `claim_version` (1, 2, ... per claim id, in row order) to claims and to their lines.

    Lines come in blocks in the order of their claims and each block starts at line number 1, so the
    n-th block of a claim id belongs to its n-th submission.
    """
    claims = claims.assign(**{VERSION: claims.groupby("claim_id", sort=False).cumcount().to_numpy() + 1})
    starts = (lines["line_number"] == 1).astype("int64")
    lines = lines.assign(**{VERSION: starts.groupby(lines["claim_id"], sort=False).cumsum().clip(lower=1).to_numpy()})
    return claims, lines


def current_claims(claims: pd.DataFrame, lines: pd.DataFrame, order: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The current version of each claim and its lines: the last by `order` (columns present in both frames);
    a claim whose last version is a void (frequency 8) is left out. Rows keep their relative order."""
    last = claims.sort_values(order, kind="stable").drop_duplicates("claim_id", keep="last")
    current = claims.loc[claims.index.isin(last.index[last["claim_frequency_code"].astype(str) != VOID])]
    wanted = pd.MultiIndex.from_frame(current[["claim_id", *order]])
    kept = pd.MultiIndex.from_frame(lines[["claim_id", *order]]).isin(wanted)
    return current.reset_index(drop=True), lines[kept].reset_index(drop=True)


def sequence_remittances(remittances: pd.DataFrame) -> pd.DataFrame:
    """remit_sequence: order of a claim's remittances by adjudication date, then by row order."""
    order = remittances.sort_values(["claim_id", "adjudication_date"], kind="stable")
    sequence = order.groupby("claim_id").cumcount() + 1
    return remittances.assign(remit_sequence=sequence.reindex(remittances.index).astype("int64"))


def view_claims(claims: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Current claims (by claim id) and their lines (by claim id, line number) from all parts."""
    claims, lines = current_claims(claims, lines, [BATCH, VERSION])
    claims = claims.sort_values("claim_id", kind="stable", ignore_index=True)
    lines = lines.sort_values(["claim_id", "line_number"], kind="stable", ignore_index=True)
    return drop_store_columns(claims), drop_store_columns(lines)


def view_table(table: str, rows: pd.DataFrame) -> pd.DataFrame:
    """The current view of one table (other than claims / claim_lines) from the rows of all its parts."""
    if table in ROSTER_KEYS:
        rows = _roster(rows, ROSTER_KEYS[table])
    elif table in SNAPSHOT_TABLES:
        rows = rows[rows[BATCH] == rows[BATCH].max()]
    elif table in LATEST_PER_REMIT:
        rows = _latest_per_remit(rows)
    elif table == "remittances":
        rows = sequence_remittances(rows.reset_index(drop=True))
    return drop_store_columns(rows.reset_index(drop=True))


def drop_store_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without the store's own columns."""
    return frame.drop(columns=[c for c in STORE_COLUMNS if c in frame.columns])


def _roster(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    reference = rows[rows[SOURCE] == "reference"]
    if len(reference):
        reference = reference[reference[BATCH] == reference[BATCH].max()]
    x12 = rows[(rows[SOURCE] != "reference") & ~rows[key].isin(reference[key])].drop_duplicates(key)
    return pd.concat([reference, x12])


def _latest_per_remit(rows: pd.DataFrame) -> pd.DataFrame:
    latest = rows.groupby("remit_id", sort=False)[BATCH].transform("max")
    first_seen = rows.groupby("remit_id", sort=False).ngroup()
    kept = rows.assign(_first=first_seen)[rows[BATCH] == latest]
    return kept.sort_values("_first", kind="stable").drop(columns="_first")
