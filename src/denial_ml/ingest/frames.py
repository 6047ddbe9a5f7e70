"""The mapped rows of X12 transaction sets as the project's tables (pure)."""

from __future__ import annotations

import pandas as pd

from denial_ml.ingest.columns import to_dates
from denial_ml.ingest.schemas_extra import EXTRA_TABLES
from denial_ml.ingest.x835 import Remit835
from denial_ml.ingest.x837 import Claims837
from denial_ml.schemas import validate_schema, validate_table

REMIT_FRAMES = (
    "remittances",
    "remittance_lines",
    "adjustments",
    "remarks",
    "provider_adjustments",
    "remittance_payments",
)
DATE_COLUMNS = {
    "claims": ("service_date_from", "service_date_to", "submission_date", "eligibility_check_date"),
    "claim_lines": ("service_date",),
    "patients": ("birth_date",),
    "remittances": ("adjudication_date",),
    "remittance_lines": ("service_date",),
    "provider_adjustments": ("fiscal_period_date",),
    "remittance_payments": ("payment_date", "production_date"),
}


def table_frames(remits: Remit835, claims: Claims837) -> dict[str, pd.DataFrame]:
    """The mapped rows as frames (dates parsed; schemas not applied yet)."""
    frames = {
        "claims": claims.claims.frame(),
        "claim_lines": claims.lines.frame(),
        "patients": claims.patients.frame().drop_duplicates("patient_id"),
        "providers": claims.providers.frame().drop_duplicates("provider_npi"),
        "remittances": remits.remittances.frame().assign(remit_sequence=1),
        "remittance_lines": remits.lines.frame(),
        "adjustments": remits.adjustments.frame(),
        "remarks": remits.remarks.frame(),
        "provider_adjustments": remits.provider_adjustments.frame(),
        "remittance_payments": remits.payments.frame(),
    }
    lines = frames["remittance_lines"]
    frames["remittance_lines"] = lines.assign(claim_line_number=pd.array([pd.NA] * len(lines), dtype="Int64"))
    for table, columns in DATE_COLUMNS.items():
        for column in columns:
            frames[table][column] = to_dates(frames[table][column].astype(object).fillna(""))
    return frames


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame of one of the tables X12 gives, with its columns."""
    if table == "remittance_matches":  # made by matching, not by the mappers
        return pd.DataFrame({name: pd.Series(dtype=object) for name in EXTRA_TABLES[table].columns})
    return table_frames(Remit835(), Claims837())[table]


def validate_ingested(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate (and coerce) one ingested table: a world table or an ingest-only one."""
    if table in EXTRA_TABLES:
        return validate_schema(EXTRA_TABLES[table], frame)
    return validate_table(table, frame)


def remit_frames(remits: Remit835) -> dict[str, pd.DataFrame]:
    """The 835 tables of mapped rows, validated (one spilled batch; see `spool`).

    Raises:
        TableValidationError: when the rows break the data model.
    """
    frames = table_frames(remits, Claims837())
    return {t: validate_ingested(t, frames[t]) for t in REMIT_FRAMES}
