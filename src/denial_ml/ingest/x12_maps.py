"""Column layouts of the tables the 837 and 835 mappers fill, and the 837 place-of-service code map."""

from __future__ import annotations

from denial_ml.schemas import TABLES


def _table_columns(table: str) -> tuple[str, ...]:
    """The data model's columns of `table`, in order (one definition: `denial_ml.schemas`)."""
    return tuple(TABLES[table].columns)


# 837 -> claims, claim_lines, patients, providers
CLAIM_COLUMNS = _table_columns("claims")
CLAIM_LINE_COLUMNS = _table_columns("claim_lines")
PATIENT_COLUMNS = _table_columns("patients")
PROVIDER_COLUMNS = _table_columns("providers")
# 837I facility type (first two digits of the bill type) -> CMS place of service; others give 99 (other).
FACILITY_POS = {
    "11": "21",
    "12": "21",
    "13": "22",
    "14": "22",
    "18": "21",
    "21": "31",
    "22": "31",
    "23": "32",
    "32": "12",
    "33": "12",
    "34": "12",
    "41": "21",
    "65": "61",
    "71": "72",
    "72": "65",
    "73": "50",
    "74": "62",
    "75": "62",
    "76": "53",
    "77": "50",
    "81": "34",
    "82": "34",
    "83": "24",
    "85": "21",
    "86": "51",
    "89": "21",
}
OFF_CAMPUS_POS = "19"
OFF_CAMPUS_MODIFIER = "PO"
OFF_CAMPUS_MODIFIERS = frozenset(("PO", "PN"))  # excepted / non-excepted off-campus provider-based department

# 835 -> remittances, remittance_lines, adjustments, remarks, provider_adjustments, remittance_payments
REMITTANCE_COLUMNS = (
    "remit_id",
    "claim_id",
    "claim_status_code",
    "total_charge",
    "paid_amount",
    "patient_responsibility",
    "payer_claim_id",
    "payer_id",
    "adjudication_date",
)
REMIT_LINE_COLUMNS = (
    "remit_id",
    "claim_id",
    "line_number",
    "line_control_number",
    "procedure_code",
    "modifiers",
    "line_charge",
    "paid_amount",
    "units",
    "service_date",
    "revenue_code",
)
ADJUSTMENT_COLUMNS = _table_columns("adjustments")
REMARK_COLUMNS = _table_columns("remarks")
PLB_COLUMNS = ("set_id", "provider_id", "fiscal_period_date", "reason_code", "reference_id", "amount")
PAYMENT_COLUMNS = (
    "set_id",
    "payer_id",
    "payer_name",
    "payee_id",
    "payee_name",
    "payment_amount",
    "payment_method",
    "payment_date",
    "production_date",
    "trace_number",
)
