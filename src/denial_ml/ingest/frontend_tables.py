"""The front end of the claim cycle as tables: acknowledgements (999), claim events (277CA, 277) and eligibility
responses (271), with their schemas and the row collector the three readers share.

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
from denial_ml.ingest.errors import Issue, X12Error

DATE = "datetime64[ns]"
EVENT_KINDS = ("rejection", "acceptance", "status")
COVERAGE_STATUSES = ("active", "inactive", "unknown", "not_found")


def _text(nullable: bool = True, unique: bool = False) -> pa.Column:
    return pa.Column(str, nullable=nullable, unique=unique, coerce=True)


def _date() -> pa.Column:
    return pa.Column(DATE, nullable=True, coerce=True)


ACKNOWLEDGEMENTS = pa.DataFrameSchema(
    {
        "ack_id": _text(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": _text(False),  # <file stem>/<ST02> of the 999
        "file": _text(False),
        "functional_id": _text(False),  # AK101: HC (837), HB (271), ...
        "group_control": _text(False),  # AK102: GS06 of the acknowledged group
        "set_kind": _text(),  # AK201: ST01 of the acknowledged set; empty for a group without AK2
        "set_control": _text(),  # AK202: ST02 of the acknowledged set
        "set_status": _text(),  # IK501: A accepted, E accepted with errors, R rejected (M, W, X)
        "set_codes": _text(False),  # IK502-IK506, space-separated syntax error codes
        "errors": pa.Column("int64", coerce=True),  # IK3 segments reported for the set
        "error_segment": _text(),  # IK301 of the first IK3: the segment id in error (NM1, CLM, ...)
        "error_position": pa.Column("Int64", nullable=True, coerce=True),  # IK302: its position in the set
        "error_loop": _text(),  # IK303
        "error_code": _text(),  # IK304: segment syntax error code
        "error_element": _text(),  # IK401 of the first IK4 (position, "3" or "3:1")
        "element_error_code": _text(),  # IK403
        "group_status": _text(False),  # AK901: A, E, P (partially accepted), R
        "sets_included": pa.Column("Int64", nullable=True, coerce=True),  # AK902
        "sets_received": pa.Column("Int64", nullable=True, coerce=True),  # AK903
        "sets_accepted": pa.Column("Int64", nullable=True, coerce=True),  # AK904
        "accepted": pa.Column(bool, coerce=True),  # the set (or group) went on to the payer
    },
    strict=True,
    name="acknowledgements",
)

CLAIM_EVENTS = pa.DataFrameSchema(
    {
        "event_id": _text(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": _text(False),
        "file": _text(False),
        "transaction": pa.Column(str, checks=pa.Check.isin(("277CA", "277")), coerce=True),
        "claim_id": _text(False),  # TRN02 of the claim level (CLM01 as sent), else REF*EJ
        "payer_claim_id": _text(),  # REF*1K
        "trace_number": _text(),  # REF*D9 clearinghouse trace
        "payer_id": _text(),  # NM1*PR (or NM1*AY) NM109 of the information source
        "event_kind": pa.Column(str, checks=pa.Check.isin(EVENT_KINDS), coerce=True),
        "status_category": _text(False),  # STC01-1: A1/A2 acknowledged, A3/A4/A6/A7/A8 rejected, P.., F.., ...
        "status_code": _text(False),  # STC01-2 claim status code
        "entity_code": _text(),  # STC01-3: whose data is in error (IL subscriber, QC patient, 85 billing, ...)
        "other_codes": _text(False),  # STC10 / STC11 as cat:code[:entity], space-separated
        "status_date": _date(),  # STC02
        "action_code": _text(),  # STC03 (WQ accepted, U rejected in a 277CA)
        "total_charge": pa.Column(float, nullable=True, coerce=True),  # STC04
        "paid_amount": pa.Column(float, nullable=True, coerce=True),  # STC05 (277 only)
        "service_date": _date(),  # DTP*472 (first date of a range)
        "response_date": _date(),  # BHT04
    },
    strict=True,
    name="claim_events",
)

ELIGIBILITY_RESPONSES = pa.DataFrameSchema(
    {
        "response_id": _text(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": _text(False),
        "file": _text(False),
        "trace_number": _text(),  # TRN*2 (the inquiry's trace echoed), else TRN*1
        "response_date": pa.Column(DATE, coerce=True),  # BHT04
        "payer_id": _text(),  # 2100A NM1*PR NM109
        "provider_npi": _text(),  # 2100B NM1*1P NM109
        "member_id": _text(),  # 2100C NM1*IL NM109: with the payer, the key to patients and claims
        "birth_date": _date(),  # DMG02 of the member
        "relationship": pa.Column(str, checks=pa.Check.isin(("subscriber", "dependent")), coerce=True),
        "coverage_status": pa.Column(str, checks=pa.Check.isin(COVERAGE_STATUSES), coerce=True),
        "active_service_types": _text(False),  # EB03 codes of EB01 1-5, space-separated
        "inactive_service_types": _text(False),  # EB03 codes of EB01 6-8
        "coverage_begin": _date(),  # DTP*356 eligibility begin, else 346 plan begin, else 291 range start
        "coverage_end": _date(),  # DTP*357 eligibility end, else 347 plan end, else 291 range end
        "service_date": _date(),  # DTP*472: the date the inquiry asked about
        "reject_codes": _text(False),  # AAA03 request validation reasons (72 invalid member id, 75 not found)
    },
    strict=True,
    name="eligibility_responses",
)

FRONT_END_SCHEMAS = {s.name: s for s in (ACKNOWLEDGEMENTS, CLAIM_EVENTS, ELIGIBILITY_RESPONSES)}
"""Front-end tables by name; their rows accumulate in the store like remittances."""

DATE_COLUMNS = {
    "claim_events": ("status_date", "service_date", "response_date"),
    "eligibility_responses": ("response_date", "birth_date", "coverage_begin", "coverage_end", "service_date"),
}


@dataclass
class FrontEndRows:
    """Rows read from 999, 277CA, 277 and 271 sets, with the problems found (rolled back per set or claim)."""

    acknowledgements: Columns = field(default_factory=lambda: Columns(ACKNOWLEDGEMENTS.columns))
    claim_events: Columns = field(default_factory=lambda: Columns(CLAIM_EVENTS.columns))
    eligibility_responses: Columns = field(default_factory=lambda: Columns(ELIGIBILITY_RESPONSES.columns))
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
    return FRONT_END_SCHEMAS[name].validate(frame)


def empty_front_end(name: str) -> pd.DataFrame:
    """An empty front-end table with its columns and dtypes."""
    return front_end_frame(name, Columns(FRONT_END_SCHEMAS[name].columns).frame())
