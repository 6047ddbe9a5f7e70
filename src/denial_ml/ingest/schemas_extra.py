"""Schemas of the ingest-only tables that `denial_ml.schemas` does not hold (835 header data and PLB)."""

from __future__ import annotations

import pandera.pandas as pa

from denial_ml.ingest.frontend_tables import FRONT_END_SCHEMAS

PROVIDER_ADJUSTMENTS = pa.DataFrameSchema(
    {
        "set_id": pa.Column(str, coerce=True),  # <file stem>/<ST02>, prefix of the set's remit_ids
        "provider_id": pa.Column(str, coerce=True),  # PLB01
        "fiscal_period_date": pa.Column("datetime64[ns]", coerce=True),  # PLB02
        "reason_code": pa.Column(str, coerce=True),  # PLB03-1
        "reference_id": pa.Column(str, nullable=True, coerce=True),  # PLB03-2
        "amount": pa.Column(float, coerce=True),  # PLB04 (positive: money withheld from the provider)
    },
    strict=True,
    name="provider_adjustments",
)

REMITTANCE_PAYMENTS = pa.DataFrameSchema(
    {
        "set_id": pa.Column(str, unique=True, coerce=True),
        "payer_id": pa.Column(str, nullable=True, coerce=True),  # N1*PR N104 / REF*2U / TRN03
        "payer_name": pa.Column(str, coerce=True),  # N1*PR N102
        "payee_id": pa.Column(str, coerce=True),  # N1*PE N104 (NPI or tax id)
        "payee_name": pa.Column(str, coerce=True),  # N1*PE N102
        "payment_amount": pa.Column(float, nullable=True, coerce=True),  # BPR02
        "payment_method": pa.Column(str, coerce=True),  # BPR04 (ACH, CHK, NON, ...)
        "payment_date": pa.Column("datetime64[ns]", nullable=True, coerce=True),  # BPR16
        "production_date": pa.Column("datetime64[ns]", coerce=True),  # DTM*405 (the adjudication date)
        "trace_number": pa.Column(str, coerce=True),  # TRN02 check / EFT number
    },
    strict=True,
    name="remittance_payments",
)

REMITTANCE_MATCHES = pa.DataFrameSchema(
    {
        "remit_id": pa.Column(str, unique=True, coerce=True),
        "claim_id": pa.Column(str, coerce=True),  # CLP01 as sent by the payer
        "matched_claim_id": pa.Column(str, nullable=True, coerce=True),  # the 837 claim it belongs to
        "method": pa.Column(
            str,
            checks=pa.Check.isin(("claim_id", "line_control_number", "procedure_date_charge", "unmatched")),
            coerce=True,
        ),
    },
    strict=True,
    name="remittance_matches",
)

EXTRA_TABLES = {s.name: s for s in (PROVIDER_ADJUSTMENTS, REMITTANCE_PAYMENTS, REMITTANCE_MATCHES)} | FRONT_END_SCHEMAS
"""Ingest-only tables by name (= Parquet file stem), written beside the world tables."""
