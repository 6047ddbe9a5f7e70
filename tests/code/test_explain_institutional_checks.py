"""Pre-submission checks of 837I claims: a missing bill type, revenue codes that need their HCPCS code."""

from __future__ import annotations

import pytest

from denial_ml.explain.institutional_checks import hcpcs_required_for, institutional_findings, is_inpatient_bill


def _line(number: int, revenue: str | None, procedure: str | None = None) -> dict:
    return {"line_number": number, "revenue_code": revenue, "procedure_code": procedure}


def _codes(claim: dict, lines: list[dict]) -> list[tuple[str, str, str]]:
    return [(code, field, message) for code, _, field, message, _, _ in institutional_findings(claim, lines)]


OUTPATIENT = {"claim_type": "837I", "facility_type_code": "13"}


@pytest.mark.parametrize(
    ("revenue", "what"),
    [("0300", "laboratory"), ("0319", "laboratory"), ("0320", "imaging"), ("0359", "imaging"),
     ("0450", "emergency room"), ("0510", "clinic"), ("0636", "drugs requiring detailed coding"),
     ("0250", None), ("0272", None), ("0120", None), ("0637", None), ("0710", None)],
)  # fmt: skip
def test_which_revenue_codes_need_a_hcpcs_code(revenue, what):
    assert hcpcs_required_for(revenue) == what


def test_an_outpatient_lab_line_without_hcpcs_is_an_error_naming_the_line():
    lines = [_line(1, "0450", "99283"), _line(2, "0250"), _line(3, "0300")]
    assert _codes(OUTPATIENT, lines) == [
        (
            "HCPCS_REQUIRED",
            "lines[2].procedure_code",
            "Line 3 bills revenue code 0300 (laboratory) without a HCPCS code; outpatient bills need one on this "
            "revenue code.",
        )
    ]


def test_inpatient_bills_and_professional_claims_need_no_hcpcs_on_revenue_lines():
    lines = [_line(1, "0120"), _line(2, "0300"), _line(3, "0320")]
    assert _codes({"claim_type": "837I", "facility_type_code": "11"}, lines) == []
    assert _codes({"claim_type": "837P"}, [_line(1, None, "99213")]) == []
    assert is_inpatient_bill("11") and is_inpatient_bill("21") and is_inpatient_bill("18")
    assert not is_inpatient_bill("13") and not is_inpatient_bill("83") and not is_inpatient_bill(None)


def test_an_837i_without_a_bill_type_is_an_error():
    found = _codes({"claim_type": "837I", "facility_type_code": None}, [_line(1, "0250")])
    assert found == [
        (
            "BILL_TYPE_MISSING",
            "facility_type_code",
            "The institutional claim has no bill type: its facility type (CLM05-1) is empty.",
        )
    ]
