"""The API's claim checks on institutional claims: a revenue-code-only 837I line, bill type and admission fields
accepted; the 837P rules (a procedure code on every line, frequency 1/7/8) and an 837I without a bill type
refused, each naming its field. The web claim form sends the same fields."""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd
import pytest

from denial_ml.schemas import TableValidationError, validate_table
from denial_ml.service.schemas import EXAMPLE_CLAIM
from denial_ml.service.validation import check_claims, claims_frame, lines_frame
from denial_ml.web.claim_form import claim_to_form, form_inputs, form_to_claim

PAYERS = {"MCD02"}


def _hospital_claim() -> dict:
    claim = copy.deepcopy(EXAMPLE_CLAIM)
    claim.update(
        claim_id="H-1",
        claim_type="837I",
        claim_frequency_code="3",
        place_of_service="21",
        facility_type_code="11",
        admission_date="2026-02-08",
        admission_type_code="1",
        admission_source_code="7",
        total_charge=2100.0,
    )
    claim["lines"] = [
        {"line_number": 1, "revenue_code": "0120", "units": 2, "line_charge": 1800.0, "service_date": "2026-02-10"},
        {"line_number": 2, "procedure_code": "80053", "revenue_code": "0300", "units": 1, "line_charge": 300.0,
         "service_date": "2026-02-10"},
    ]  # fmt: skip
    return claim


def _errors(claim: dict) -> dict[str, str]:
    checked = check_claims([claim], PAYERS)
    assert checked.valid == [] and len(checked.rejected) == 1
    return {e.field: e.message for e in checked.rejected[0].errors}


def test_a_revenue_code_only_837i_line_is_accepted_and_framed():
    checked = check_claims([_hospital_claim()], PAYERS)
    assert checked.rejected == []
    lines = validate_table("claim_lines", lines_frame(checked.valid))
    assert lines["procedure_code"].isna().tolist() == [True, False]
    assert lines["revenue_code"].tolist() == ["0120", "0300"]
    claims = validate_table("claims", claims_frame(checked.valid))
    row = claims.iloc[0]
    assert (row["facility_type_code"], row["claim_frequency_code"]) == ("11", "3")
    assert row["admission_date"] == pd.Timestamp("2026-02-08")
    assert (row["admission_type_code"], row["admission_source_code"]) == ("1", "7")


def test_an_837p_line_without_procedure_code_is_refused_naming_the_field():
    claim = copy.deepcopy(EXAMPLE_CLAIM)
    claim["lines"][0].pop("procedure_code")
    assert _errors(claim) == {"lines[0].procedure_code": "an 837P line needs a procedure code"}


def test_837p_takes_no_interim_frequency_revenue_code_or_bill_type():
    claim = copy.deepcopy(EXAMPLE_CLAIM)
    claim.update(claim_frequency_code="2", facility_type_code="13")
    claim["lines"][0]["revenue_code"] = "0450"
    errors = _errors(claim)
    assert errors["claim_frequency_code"].startswith("an 837P claim takes frequency 1, 7 or 8")
    assert errors["facility_type_code"] == "837I only: leave it empty on an 837P claim"
    assert errors["lines[0].revenue_code"] == "837I only: leave it empty on an 837P line"


def test_an_837i_without_bill_type_or_without_any_code_on_a_line_is_refused():
    claim = _hospital_claim()
    claim["facility_type_code"] = None
    claim["lines"][0].pop("revenue_code")
    errors = _errors(claim)
    assert errors["facility_type_code"] == "an 837I claim needs its facility type (bill type CLM05-1)"
    assert errors["lines[0].procedure_code"] == "give a procedure code or a revenue code"


@pytest.mark.parametrize("frequency", ["0", "2", "3", "4", "5", "1", "7", "8"])
def test_every_institutional_frequency_is_accepted(frequency):
    claim = _hospital_claim()
    claim["claim_frequency_code"] = frequency
    assert check_claims([claim], PAYERS).rejected == []


def test_the_schema_refuses_a_line_with_neither_code_and_an_837p_interim_claim():
    claim = copy.deepcopy(EXAMPLE_CLAIM)
    lines = lines_frame(check_claims([claim], PAYERS).valid).assign(procedure_code=None)
    with pytest.raises(TableValidationError, match=r"row 0: procedure_code is required \(only an 837I line"):
        validate_table("claim_lines", lines)
    claims = claims_frame(check_claims([claim], PAYERS).valid).assign(claim_frequency_code="4")
    with pytest.raises(TableValidationError, match=r"row 0: claim_frequency_code 0 or 2-5 .* only on 837I"):
        validate_table("claims", claims)


def test_the_claim_form_has_the_institutional_inputs_and_sends_a_revenue_only_line():
    inputs = form_inputs()
    assert "revenue_code" in [i.name for i in inputs["line"]]
    header = [i.name for i in inputs["claim"]]
    assert {"facility_type_code", "admission_date", "admission_type_code", "admission_source_code"} <= set(header)
    form = claim_to_form(_hospital_claim())
    assert form["lines-0-revenue_code"] == "0120" and form["lines-0-procedure_code"] == ""
    claim, rows = form_to_claim(form, dt.date(2026, 3, 2))
    assert rows == [0, 1]
    assert claim["lines"][0]["procedure_code"] is None and claim["lines"][0]["revenue_code"] == "0120"
    assert claim["facility_type_code"] == "11" and claim["claim_frequency_code"] == "3"
    checked = check_claims([claim], PAYERS)
    assert checked.rejected == []
    assert checked.valid[0].lines[0].revenue_code == "0120"
