"""Column layouts of the tables the 837 and 835 mappers fill, and the 837 place-of-service code map."""

from __future__ import annotations

# 837 -> claims, claim_lines, patients, providers
CLAIM_COLUMNS = (
    "claim_id",
    "patient_id",
    "member_id",
    "payer_id",
    "billing_provider_npi",
    "rendering_provider_npi",
    "claim_type",
    "claim_frequency_code",
    "place_of_service",
    "service_date_from",
    "service_date_to",
    "submission_date",
    "total_charge",
    "diagnosis_codes",
    "prior_auth_number",
    "original_claim_id",
    "eligibility_checked",
    "eligibility_check_date",
    "eligibility_status",
)
CLAIM_LINE_COLUMNS = (
    "claim_id",
    "line_number",
    "line_control_number",
    "procedure_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "units",
    "line_charge",
    "diagnosis_pointers",
    "service_date",
    "revenue_code",
)
PATIENT_COLUMNS = ("patient_id", "birth_date", "sex", "state")
PROVIDER_COLUMNS = ("provider_npi", "provider_name", "entity_type", "taxonomy_code", "specialty")
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
)
ADJUSTMENT_COLUMNS = ("remit_id", "claim_id", "line_number", "group_code", "carc", "amount", "quantity")
REMARK_COLUMNS = ("remit_id", "claim_id", "line_number", "rarc")
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
