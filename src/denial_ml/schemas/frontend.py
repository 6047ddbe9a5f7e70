"""The front end of the claim cycle: acknowledgements (999), claim events (277CA, 277), eligibility (271), and the
payers' appeal contacts: tables a world or store may lack.

Only ids, codes, dates and amounts: never a name (a 999's copy of the bad value, IK404, is left out).
"""

from __future__ import annotations

import pandera.pandas as pa

from denial_ml.schemas.columns import DATE, optional_date, text_column

EVENT_KINDS = ("rejection", "acceptance", "status")
COVERAGE_STATUSES = ("active", "inactive", "unknown", "not_found")


ACKNOWLEDGEMENTS = pa.DataFrameSchema(
    {
        "ack_id": text_column(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": text_column(False),  # <file stem>/<ST02> of the 999
        "file": text_column(False),
        "functional_id": text_column(False),  # AK101: HC (837), HB (271), ...
        "group_control": text_column(False),  # AK102: GS06 of the acknowledged group
        "set_kind": text_column(),  # AK201: ST01 of the acknowledged set; empty for a group without AK2
        "set_control": text_column(),  # AK202: ST02 of the acknowledged set
        "set_status": text_column(),  # IK501: A accepted, E accepted with errors, R rejected (M, W, X)
        "set_codes": text_column(False),  # IK502-IK506, space-separated syntax error codes
        "errors": pa.Column("int64", coerce=True),  # IK3 segments reported for the set
        "error_segment": text_column(),  # IK301 of the first IK3: the segment id in error (NM1, CLM, ...)
        "error_position": pa.Column("Int64", nullable=True, coerce=True),  # IK302: its position in the set
        "error_loop": text_column(),  # IK303
        "error_code": text_column(),  # IK304: segment syntax error code
        "error_element": text_column(),  # IK401 of the first IK4 (position, "3" or "3:1")
        "element_error_code": text_column(),  # IK403
        "group_status": text_column(False),  # AK901: A, E, P (partially accepted), R
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
        "event_id": text_column(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": text_column(False),
        "file": text_column(False),
        "transaction": pa.Column(str, checks=pa.Check.isin(("277CA", "277")), coerce=True),
        "claim_id": text_column(False),  # TRN02 of the claim level (CLM01 as sent), else REF*EJ
        "payer_claim_id": text_column(),  # REF*1K
        "trace_number": text_column(),  # REF*D9 clearinghouse trace
        "payer_id": text_column(),  # NM1*PR (or NM1*AY) NM109 of the information source
        "event_kind": pa.Column(str, checks=pa.Check.isin(EVENT_KINDS), coerce=True),
        "status_category": text_column(False),  # STC01-1: A1/A2 acknowledged, A3/A4/A6/A7/A8 rejected, P.., F.., ...
        "status_code": text_column(False),  # STC01-2 claim status code
        "entity_code": text_column(),  # STC01-3: whose data is in error (IL subscriber, QC patient, 85 billing, ...)
        "other_codes": text_column(False),  # STC10 / STC11 as cat:code[:entity], space-separated
        "status_date": optional_date(),  # STC02
        "action_code": text_column(),  # STC03 (WQ accepted, U rejected in a 277CA)
        "total_charge": pa.Column(float, nullable=True, coerce=True),  # STC04
        "paid_amount": pa.Column(float, nullable=True, coerce=True),  # STC05 (277 only)
        "service_date": optional_date(),  # DTP*472 (first date of a range)
        "response_date": optional_date(),  # BHT04
    },
    strict=True,
    name="claim_events",
)

ELIGIBILITY_RESPONSES = pa.DataFrameSchema(
    {
        "response_id": text_column(False, unique=True),  # <file stem>/<ST02>/<n>
        "set_id": text_column(False),
        "file": text_column(False),
        "trace_number": text_column(),  # TRN*2 (the inquiry's trace echoed), else TRN*1
        "response_date": pa.Column(DATE, coerce=True),  # BHT04
        "payer_id": text_column(),  # 2100A NM1*PR NM109
        "provider_npi": text_column(),  # 2100B NM1*1P NM109
        "member_id": text_column(),  # 2100C NM1*IL NM109: with the payer, the key to patients and claims
        "birth_date": optional_date(),  # DMG02 of the member
        "relationship": pa.Column(str, checks=pa.Check.isin(("subscriber", "dependent")), coerce=True),
        "coverage_status": pa.Column(str, checks=pa.Check.isin(COVERAGE_STATUSES), coerce=True),
        "active_service_types": text_column(False),  # EB03 codes of EB01 1-5, space-separated
        "inactive_service_types": text_column(False),  # EB03 codes of EB01 6-8
        "coverage_begin": optional_date(),  # DTP*356 eligibility begin, else 346 plan begin, else 291 range start
        "coverage_end": optional_date(),  # DTP*357 eligibility end, else 347 plan end, else 291 range end
        "service_date": optional_date(),  # DTP*472: the date the inquiry asked about
        "reject_codes": text_column(False),  # AAA03 request validation reasons (72 invalid member id, 75 not found)
    },
    strict=True,
    name="eligibility_responses",
)

FRONT_END_TABLES: dict[str, pa.DataFrameSchema] = {
    s.name: s for s in (ACKNOWLEDGEMENTS, CLAIM_EVENTS, ELIGIBILITY_RESPONSES)
}
"""The front end of the claim cycle (999, 277CA / 277, 271), by name: not in `TABLES` (a world may lack them);
`validate_table` knows them. Read by `denial_ml.ingest.x999` / `x277` / `x271`, made by the synthetic world."""


PAYER_CONTACTS = pa.DataFrameSchema(
    {
        "payer_id": text_column(False, unique=True),
        "appeal_address": text_column(),  # one line: "Appeals Unit, PO Box 1234, City, ST 12345"
        "appeal_fax": text_column(),
        "appeal_portal": text_column(),
    },
    strict=True,
    name="payer_contacts",
)
"""Where each payer takes appeals (a practice's own reference data; the synthetic world makes one up)."""

OPTIONAL_TABLES: dict[str, pa.DataFrameSchema] = {**FRONT_END_TABLES, PAYER_CONTACTS.name: PAYER_CONTACTS}
"""Tables a world or store may lack, by name; `validate_table` knows them."""
