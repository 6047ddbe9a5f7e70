"""The front end of the claim cycle as tables: acknowledgements (999), claim events (277CA, 277) and eligibility
responses (271) (schemas in `denial_ml.schemas.FRONT_END_TABLES`), and the row collector the three readers share.

A rejection stops a claim before adjudication (the clearinghouse or the payer's front end: syntax, missing
patient details, unknown member); it never reaches an 835. A 277CA claim event of kind `rejection` is one.
Only ids, codes, dates and amounts are kept: never a name; a 999's copy of the bad value (IK404) is left out
because it may quote one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from denial_ml.ingest.columns import Columns
from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue, X12Error
from denial_ml.ingest.values import element, is_date8
from denial_ml.schemas import ACKNOWLEDGEMENTS, CLAIM_EVENTS, ELIGIBILITY_RESPONSES, FRONT_END_TABLES, validate_schema

FRONT_END_SCHEMAS = FRONT_END_TABLES


DATE_COLUMNS = {
    "claim_events": ("status_date", "service_date", "response_date"),
    "eligibility_responses": ("response_date", "birth_date", "coverage_begin", "coverage_end", "service_date"),
}


@dataclass
class FrontEndRows:
    """Rows read from 999, 277CA, 277 and 271 sets, with the problems found (rolled back per set or claim)."""

    acknowledgements: Columns = field(default_factory=lambda: Columns(list(ACKNOWLEDGEMENTS.columns)))
    claim_events: Columns = field(default_factory=lambda: Columns(list(CLAIM_EVENTS.columns)))
    eligibility_responses: Columns = field(default_factory=lambda: Columns(list(ELIGIBILITY_RESPONSES.columns)))
    issues: list[Issue] = field(default_factory=list)

    def table(self, name: str) -> Columns:
        """The rows of one front-end table."""
        rows: Columns = getattr(self, name)
        return rows

    def frames(self, file: str) -> dict[str, pd.DataFrame]:
        """Every front-end table of one file, validated (dates parsed from CCYYMMDD).

        Raises:
            X12Error: mapped rows break a front-end table's schema (the file gives nothing).
        """
        try:
            return {name: front_end_frame(name, self.table(name).frame()) for name in FRONT_END_SCHEMAS}
        except (pa.errors.SchemaError, pa.errors.SchemaErrors) as exc:
            raise X12Error(file, 0, f"mapped rows break the data model: {exc}") from None


def front_end_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate one front-end table's rows, parsing its CCYYMMDD date strings first."""
    frame = frame.copy()
    for column in DATE_COLUMNS.get(name, ()):
        raw = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        frame[column] = pd.to_datetime(raw.where(raw != "", None), format="%Y%m%d", errors="coerce")
    return validate_schema(FRONT_END_SCHEMAS[name], frame)


def empty_front_end(name: str) -> pd.DataFrame:
    """An empty front-end table with its columns and dtypes."""
    return front_end_frame(name, Columns(list(FRONT_END_SCHEMAS[name].columns)).frame())


def response_header(ts: TransactionSet, rows: FrontEndRows, kind: str) -> tuple[int, str] | None:
    """The position of a response set's BHT and its date (BHT04, CCYYMMDD).

    Args:
        ts: A 271, 277CA or 277 set.
        rows: The collector; the set's issue goes there when it has no usable BHT.
        kind: "271" or "277", for the issue's text.

    Returns:
        (segment index, BHT04), or None when the set must be left out (no BHT, or BHT04 not a date).
    """
    bht = next((i for i, s in enumerate(ts.segments) if s[0] == "BHT"), None)
    if bht is not None and is_date8(element(ts.segments[bht], 4)):
        return bht, element(ts.segments[bht], 4)
    where = ts.segment_number(bht if bht is not None else 0)
    problem = f"{kind} without BHT" if bht is None else f"BHT04 {element(ts.segments[bht], 4)!r} is not a CCYYMMDD date"
    rows.issues.append(Issue(ts.file, where, f"{problem}; {kind} set left out", "set"))
    return None
