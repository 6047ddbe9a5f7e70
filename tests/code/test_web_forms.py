"""Pure parts of the pages: the claim form <-> API payload, error placement, formats, filters, uploads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from denial_ml.service.schemas import EXAMPLE_CLAIM, ClaimIn, FieldError
from denial_ml.service.validation import check_claims, claims_frame, lines_frame
from denial_ml.web.batch import UploadError, _csv_rows, flat_csv, is_x12, split_flat
from denial_ml.web.claim_form import (
    MAX_LINES,
    claim_to_form,
    describe_error,
    error_inputs,
    form_to_claim,
    open_line_rows,
    parse_pasted,
)
from denial_ml.web.formats import deadline_badge, money, pct, points
from denial_ml.web.routes.account import safe_next
from denial_ml.web.worklist_view import read_filters

TODAY = dt.date(2026, 3, 2)


def test_form_round_trip_gives_the_same_claim():
    form = claim_to_form(EXAMPLE_CLAIM)
    claim, rows = form_to_claim(form, TODAY)
    assert rows == [0]
    assert ClaimIn.model_validate(claim) == ClaimIn.model_validate(EXAMPLE_CLAIM)


def test_form_defaults_and_parsing():
    form = {
        "claim_id": "C1",
        "diagnosis_codes": "f84.0, e119",
        "service_date_from": "2026-02-10",
        "lines-1-procedure_code": "97155",
        "lines-1-modifiers": "ho, gp",
        "lines-1-line_charge": "$1,200.50",
        "lines-1-diagnosis_pointers": "1 2",
        "lines-3-procedure_code": "97153",
        "lines-3-line_charge": "99.5",
        "lines-3-units": "4",
    }
    claim, rows = form_to_claim(form, TODAY)
    assert rows == [1, 3]
    assert claim["diagnosis_codes"] == ["F840", "E119"]
    assert claim["submission_date"] == "2026-03-02"
    assert claim["total_charge"] == 1300.0
    assert claim["eligibility_checked"] is False
    first, second = claim["lines"]
    assert first == {
        "line_number": 1,
        "procedure_code": "97155",
        "modifiers": ["HO", "GP"],
        "units": 1,
        "line_charge": 1200.5,
        "diagnosis_pointers": [1, 2],
        "service_date": "2026-02-10",
    }
    assert (second["line_number"], second["units"]) == (2, 4)


def test_unparsable_values_reach_the_api_checks_and_land_on_their_input():
    form = {**claim_to_form(EXAMPLE_CLAIM), "lines-0-units": "four", "billing_provider_npi": "12"}
    claim, rows = form_to_claim({**form, "lines-2-procedure_code": "9921", "lines-2-line_charge": "10"}, TODAY)
    problems = check_claims([claim], {"MCD02"}).rejected[0].errors
    by_input = error_inputs(problems, rows)
    assert set(by_input) == {"lines-0-units", "billing_provider_npi", "lines-2-procedure_code"}
    messages = sorted(describe_error(e, rows) for e in problems)
    # In a biller's words (web/plain_errors.py), not the validator's "String should match pattern '^\\d{10}$'".
    assert messages[0] == "Billing NPI: enter the billing provider's 10-digit NPI, for example 1283664446"
    assert messages[1] == "Line 1 units: must be a whole number"
    assert messages[2].startswith("Line 3 procedure: enter ") and "for example" in messages[2]
    assert by_input["lines-0-units"] == ["must be a whole number"]


def test_error_inputs_of_list_fields():
    errors = [
        FieldError(field="diagnosis_codes[1]", message="bad", type="x"),
        FieldError(field="lines[0].modifiers[1]", message="bad", type="x"),
        FieldError(field="", message="whole", type="x"),
    ]
    assert error_inputs(errors, [4]) == {"diagnosis_codes": ["bad"], "lines-4-modifiers": ["bad"], "claim": ["whole"]}


def test_pasted_json_shapes_and_errors():
    assert parse_pasted('{"claim_id": "A"}') == {"claim_id": "A"}
    assert parse_pasted('{"claim": {"claim_id": "B"}}') == {"claim_id": "B"}
    assert parse_pasted('{"claims": [{"claim_id": "C"}, {"claim_id": "D"}]}') == {"claim_id": "C"}
    with pytest.raises(ValueError, match=r"not JSON \(line 1, column 2"):
        parse_pasted("{claim")
    with pytest.raises(ValueError, match="must be one claim object"):
        parse_pasted("[1, 2]")


def test_formats_and_deadline_badges():
    assert (pct(0.1234), money(-1234.5), points(-0.1234)) == ("12.3%", "-$1,234.50", "-12.3 points")
    kinds = [deadline_badge(TODAY + dt.timedelta(days=d), TODAY)["kind"] for d in (-1, 0, 7, 8, 30, 31)]
    assert kinds == ["past", "urgent", "urgent", "soon", "soon", "ok"]
    assert deadline_badge(None)["text"] == "no deadline"
    assert deadline_badge(TODAY - dt.timedelta(days=3), TODAY)["text"] == "past by 3 d"


def test_read_filters_keeps_good_ones_and_names_bad_ones():
    filters = read_filters({"payer": "P1", "status": "sleeping", "deadline_within_days": "14", "page": "3"})
    assert filters.applied == {"payer": "P1", "deadline_within_days": 14, "view": "open_work", "sort": "recovery"}
    assert filters.errors[0].startswith("Status: Input should be")
    assert (filters.page, filters.offset) == (3, 100)
    assert filters.link(4) == "view=open_work&payer=P1&status=sleeping&deadline_within_days=14&page=4"


def test_safe_next_allows_only_local_pages():
    assert safe_next("/ui/worklist/3?x=1") == "/ui/worklist/3?x=1"
    assert [safe_next(t) for t in ("http://x/ui/a", "//x/ui/a", "/v1/worklist", "/ui\\x", "", None)] == [None] * 6


def test_flat_csv_splits_back_into_claims_and_lines():
    claim = ClaimIn.model_validate(EXAMPLE_CLAIM)
    text = flat_csv(claims_frame([claim]), lines_frame([claim]))
    frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str)
    claims, lines = split_flat(frame)
    assert list(claims["claim_id"]) == ["CLM-2026-000123"] and list(lines["procedure_code"]) == ["97155"]
    with pytest.raises(UploadError, match="no column line_number"):
        split_flat(frame.drop(columns=["line_number"]))


def test_x12_is_recognised_by_its_start():
    assert is_x12(b"\xef\xbb\xbfISA*00*") and is_x12(b"\nST*837*0001~") and not is_x12(b"claim_id,patient_id\n")


def test_results_csv_quotes_cells_that_would_run_as_formulas():
    from denial_ml.service.schemas import ScoreResponse

    text = _csv_rows(ScoreResponse(model_version="v", scored=[], rejected=[]), [
        {"claim_id": "=HYPERLINK(1)", "where": "claims row 2", "problem": "bad"}
    ])  # fmt: skip
    assert "'=HYPERLINK(1)" in text and text.splitlines()[0].startswith("claim_id,denial_risk,likely_category")


def test_open_line_rows_shows_every_used_row_plus_one_and_at_least_two() -> None:
    assert open_line_rows({}) == 2
    assert open_line_rows({"lines-0-procedure_code": "99213"}) == 2
    assert open_line_rows({"lines-2-units": " 3 "}) == 4
    assert open_line_rows({"lines-1-units": "   "}) == 2  # blank text is not a value
    assert open_line_rows({}, {"lines-3-units": ["not a number"]}) == 5  # a row with an error stays open
    assert open_line_rows({f"lines-{MAX_LINES - 1}-procedure_code": "97110"}) == MAX_LINES
