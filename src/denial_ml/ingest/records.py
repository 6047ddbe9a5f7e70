"""What a run made of each file (the claims store's manifest records) and the rejections table.

Every refused item of a run is one row of `rejections`: file, interchange (sender/ISA13), segment number,
claim id, what was left out (scope) and why. Only ids and codes, never names or birth dates: the problems
quote X12 values the reader refused, and the reader never quotes a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
import pandera.pandas as pa

from denial_ml.data.claims_store import FileRecord
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.frontend_tables import FRONT_END_SCHEMAS
from denial_ml.schemas import validate_schema

# Scopes that refuse claims: a run with any of them is partial (a dropped value keeps its claim).
CLAIM_REFUSING = ("file", "set", "claim")

REJECTIONS = pa.DataFrameSchema(
    {
        "file": pa.Column(str, coerce=True),
        "interchange": pa.Column(str, coerce=True),  # "<ISA06 sender>/<ISA13>", "" outside an interchange
        "segment": pa.Column("int64", coerce=True),  # 1-based segment number in the file, 0 if unknown
        "claim_id": pa.Column(str, nullable=True, coerce=True),
        "scope": pa.Column(str, checks=pa.Check.isin(("file", "set", "claim", "value")), coerce=True),
        "reason": pa.Column(str, coerce=True),
    },
    strict=True,
    name="rejections",
)


def describe_file(
    record: FileRecord, interchanges: list[dict], issues: list[Issue], rows: Mapping[str, pd.DataFrame]
) -> None:
    """Fill a file's record from what reading it gave: status, interchanges, rows taken, items refused.

    Args:
        record: The file's record (name, hash, size, stem already set).
        interchanges: The envelope's interchange records.
        issues: The file's issues.
        rows: What it gave per table (claims and claim_lines with every version).
    """
    record.interchanges = [dict(i) for i in interchanges]
    record.refused = sum(1 for i in issues if i.rejected in CLAIM_REFUSING)
    if interchanges and not any(i["taken"] for i in interchanges):
        record.status = "skipped"
        record.note = "every interchange was already taken"
        return
    counted = (
        "claims",
        "claim_lines",
        "remittances",
        "remittance_lines",
        "remittance_payments",
        "provider_adjustments",
        *FRONT_END_SCHEMAS,
    )
    record.taken = {t: len(rows[t]) if t in rows else 0 for t in counted}
    took = sum(n for t, n in record.taken.items() if t != "claim_lines" and t != "remittance_lines")
    # A file whose every claim was refused took nothing: it may be sent again once corrected.
    record.status = "taken" if not record.refused else ("partial" if took else "failed")


def rejections_frame(issues: Iterable[Issue], files: Iterable[FileRecord]) -> pd.DataFrame:
    """Every issue that left something out, one row each, with the interchange it lies in."""
    ranges = {f.name: f.interchanges for f in files}
    rows = [
        {
            "file": issue.file,
            "interchange": _interchange_of(ranges.get(issue.file, []), issue.segment),
            "segment": issue.segment,
            "claim_id": issue.claim_id,
            "scope": issue.rejected,
            "reason": issue.problem,
        }
        for issue in issues
        if issue.is_error
    ]
    frame = pd.DataFrame(rows, columns=list(REJECTIONS.columns))
    return validate_schema(REJECTIONS, frame)


def _interchange_of(interchanges: list[dict], segment: int) -> str:
    for interchange in interchanges:
        if interchange["first_segment"] <= segment <= interchange["last_segment"]:
            return f"{interchange['sender']}/{interchange['control']}"
    return ""
