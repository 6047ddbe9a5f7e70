"""The claim detail stored with a worklist item: header, lines, remittances with codes and their summaries."""

from __future__ import annotations

import json

import pandas as pd

from denial_ml.domain.code_text import describe_carc, describe_rarc
from denial_ml.triage.detail import claim_details


def tables() -> dict[str, pd.DataFrame]:
    day = pd.Timestamp
    return {
        "claims": pd.DataFrame({
            "claim_id": ["C1", "C2"], "patient_id": ["P1", "P2"], "member_id": ["M1", "M2"],
            "claim_type": ["837P", "837I"], "claim_frequency_code": ["1", "1"], "place_of_service": ["11", "21"],
            "service_date_from": [day("2026-01-05"), day("2026-02-01")],
            "service_date_to": [day("2026-01-05"), day("2026-02-03")],
            "submission_date": [day("2026-01-09"), day("2026-02-10")], "total_charge": [300.0, 2500.0],
            "billing_provider_npi": ["1234567893", "1234567893"], "prior_auth_number": [None, "A77"],
        }),
        "claim_lines": pd.DataFrame({
            "claim_id": ["C1", "C1", "C2"], "line_number": [2, 1, 1], "procedure_code": ["97140", "97110", None],
            "revenue_code": [None, None, "0120"], "modifier_1": ["59", "GP", None], "modifier_2": ["GP", None, None],
            "modifier_3": [None] * 3, "modifier_4": [None] * 3, "units": [1, 2, 3],
            "line_charge": [100.0, 200.0, 2500.0],
            "service_date": [day("2026-01-05"), day("2026-01-05"), day("2026-02-01")],
        }),
        "remittances": pd.DataFrame({
            "remit_id": ["R2", "R1"], "claim_id": ["C1", "C1"], "claim_status_code": ["22", "1"],
            "paid_amount": [-50.0, 50.0], "patient_responsibility": [0.0, 0.0], "payer_claim_id": ["X", "X"],
            "adjudication_date": [day("2026-03-01"), day("2026-02-01")],
        }),
        "adjustments": pd.DataFrame({
            "remit_id": ["R1", "R1"], "claim_id": ["C1", "C1"], "line_number": [2, None],
            "group_code": ["CO", "CO"], "carc": ["97", "9999"], "amount": [100.0, 150.0],
        }),
        "remarks": pd.DataFrame({"remit_id": ["R1"], "claim_id": ["C1"], "line_number": [2], "rarc": ["M15"]}),
    }  # fmt: skip


def test_detail_holds_the_claim_its_lines_and_remittances_with_code_summaries():
    first, second = claim_details(tables(), ["C1", "C2"])
    assert first["claim"]["service_date_from"] == "2026-01-05" and first["claim"]["total_charge"] == 300.0
    assert [(line["line_number"], line["modifiers"]) for line in first["lines"]] == [(1, ["GP"]), (2, ["59", "GP"])]
    assert [r["remit_id"] for r in first["remittances"]] == ["R1", "R2"]  # oldest first
    adjustments = first["remittances"][0]["adjustments"]
    assert adjustments[0] == {"line_number": 2.0, "group_code": "CO", "carc": "97", "amount": 100.0,
                              "text": describe_carc("97")}  # fmt: skip
    assert adjustments[1]["text"] == ""  # an unknown code is shown by its number alone
    assert first["remittances"][0]["remarks"] == [{"line_number": 2, "rarc": "M15", "text": describe_rarc("M15")}]
    assert first["remittances"][1]["adjustments"] == []
    assert second["lines"][0]["revenue_code"] == "0120" and second["lines"][0]["procedure_code"] is None
    assert second["remittances"] == []
    json.dumps([first, second])  # stored as JSON


def test_detail_copies_nothing_that_identifies_the_patient():
    text = json.dumps(claim_details(tables(), ["C1", "C2"]))
    assert '"P1"' not in text and '"M1"' not in text and "patient_id" not in text and "member_id" not in text


def test_summaries_exist_for_every_code_the_synthetic_world_sends():
    from denial_ml.data.synthetic.outcomes import MECHANISMS

    for mechanism in MECHANISMS:
        assert describe_carc(mechanism.carc), mechanism
        if mechanism.rarc:
            assert describe_rarc(mechanism.rarc), mechanism
