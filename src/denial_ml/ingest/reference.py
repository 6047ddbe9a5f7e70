"""Reference data a practice keeps beside its X12 files, and what training needs of it.

An 837/835 history does not carry everything the denial model looks up: payer rules (timely filing limits,
codes needing authorization), the provider roster with specialties, patient demographics keyed by the
practice's own patient id (the 837's medical record number, REF*EA), the insurance on file (coverages), the
authorization log, and the eligibility checks (270/271) made before submission. A practice has these in its
practice-management system; `denial-ml ingest --reference DIR` reads them from Parquet files in DIR with the
world's schemas (`payers`, `providers`, `patients`, `coverages`, `authorizations`) plus `eligibility_checks`
(one row per checked claim: `claim_id` = CLM01, `check_date`, `status`), and writes them beside the ingested
tables. `denial-ml generate --x12` writes a world's reference data to `OUT/x12/reference/`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from denial_ml.data.io import write_tables
from denial_ml.schemas import TableValidationError, validate_table

REFERENCE_TABLES = ("payers", "providers", "patients", "coverages", "authorizations")
ELIGIBILITY = "eligibility_checks"
KEYS = {"patients": "patient_id", "providers": "provider_npi"}
ELIGIBILITY_CHECKS = pa.DataFrameSchema(
    {
        "claim_id": pa.Column(str, unique=True, coerce=True),  # CLM01 of the claim the check was made for
        "check_date": pa.Column("datetime64[ns]", coerce=True),
        "status": pa.Column(str, checks=pa.Check.isin(("active", "inactive", "unknown")), coerce=True),
    },
    strict=True,
    name=ELIGIBILITY,
)


class ReferenceError(ValueError):
    """The reference folder cannot be used; the message names the folder or file and the problem."""


def extract_reference(world: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A world's reference tables and its claims' eligibility checks (what a practice would keep)."""
    claims = world["claims"]
    checked = claims[claims["eligibility_checked"].astype(bool)]
    checks = pd.DataFrame(
        {
            "claim_id": checked["claim_id"].to_numpy(),
            "check_date": checked["eligibility_check_date"].to_numpy(),
            "status": checked["eligibility_status"].to_numpy(),
        }
    )
    return {**{t: world[t] for t in REFERENCE_TABLES}, ELIGIBILITY: ELIGIBILITY_CHECKS.validate(checks)}


def write_reference(reference: dict[str, pd.DataFrame], folder: Path | str) -> list[Path]:
    """Write reference tables as Parquet into `folder`, all or nothing (validated first)."""
    checks = reference.get(ELIGIBILITY)
    tables = {t: f for t, f in reference.items() if t != ELIGIBILITY}
    if checks is not None:
        # Not a world table: validated here, then written through the same staging as the world tables.
        tables_checked = ELIGIBILITY_CHECKS.validate(checks)
        written = write_tables(tables, folder)
        path = Path(folder) / f"{ELIGIBILITY}.parquet"
        tables_checked.to_parquet(path, index=False)
        return [*written, path]
    return write_tables(tables, folder)


def read_reference(folder: Path | str) -> dict[str, pd.DataFrame]:
    """Read the reference tables present in `folder` (validated).

    Raises:
        ReferenceError: when the folder is missing, holds none of the tables, or a table breaks its schema.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ReferenceError(f"reference folder {str(root)!r} does not exist")
    out: dict[str, pd.DataFrame] = {}
    try:
        for table in REFERENCE_TABLES:
            if (root / f"{table}.parquet").exists():
                out[table] = validate_table(table, pd.read_parquet(root / f"{table}.parquet"))
        if (root / f"{ELIGIBILITY}.parquet").exists():
            out[ELIGIBILITY] = ELIGIBILITY_CHECKS.validate(pd.read_parquet(root / f"{ELIGIBILITY}.parquet"))
    except (TableValidationError, pa.errors.SchemaError) as exc:
        raise ReferenceError(f"reference folder {str(root)!r}: {exc}") from None
    if not out:
        names = ", ".join(f"{t}.parquet" for t in (*REFERENCE_TABLES, ELIGIBILITY))
        raise ReferenceError(f"reference folder {str(root)!r} holds none of {names}")
    return out


def apply_reference(tables: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Ingested tables completed with the reference data.

    Reference patients and providers come first; rows the X12 files add for ids the reference lacks are kept
    after them. Payers, coverages and authorizations are the reference's. Eligibility checks fill the claims'
    `eligibility_*` columns by claim id (claims without a check stay unchecked, status "unknown").
    """
    out = dict(tables)
    for table in REFERENCE_TABLES:
        if table not in reference:
            continue
        frame = reference[table]
        if table in KEYS and table in tables:
            extra = tables[table][~tables[table][KEYS[table]].isin(frame[KEYS[table]])]
            frame = pd.concat([frame, extra[frame.columns]], ignore_index=True) if len(extra) else frame
        out[table] = frame.reset_index(drop=True)
    if ELIGIBILITY in reference and "claims" in tables:
        out["claims"] = fill_eligibility(tables["claims"], reference[ELIGIBILITY])
    return out


def fill_eligibility(claims: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """Claims with `eligibility_checked`, `eligibility_check_date`, `eligibility_status` from the checks."""
    found = checks.set_index("claim_id")
    ids = claims["claim_id"]
    checked = ids.isin(found.index)
    return claims.assign(
        eligibility_checked=checked.to_numpy(),
        eligibility_check_date=ids.map(found["check_date"]).to_numpy(),
        eligibility_status=ids.map(found["status"]).fillna("unknown").to_numpy(),
    )
