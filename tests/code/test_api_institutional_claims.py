"""POST /v1/claims/score through TestClient with institutional claims: an 837I with revenue-code-only lines and
its bill type and admission fields is scored, with the 837I checks among its findings; an 837P line without a
procedure code is refused naming the field."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.service.validation import claims_payload
from denial_ml.store.testing import sqlite_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]

database_url = pytest.fixture(scope="module", name="database_url")(sqlite_database)


@pytest.fixture
def api(trained, store):
    result, scorer = trained
    client = TestClient(create_app(services=make_services(store, result.bundle, scorer)))
    return client, {"X-API-Key": issue_keys(store)["biller"]}


def _hospital_claims(world: dict, n: int) -> list[dict]:
    """World 837I claims that carry revenue-code-only lines, as API payloads."""
    lines = world["claim_lines"]
    ids = lines.loc[lines["procedure_code"].isna(), "claim_id"].drop_duplicates().head(n)
    claims = world["claims"].set_index("claim_id").loc[ids].reset_index()
    return claims_payload(claims, lines[lines["claim_id"].isin(ids)])


def test_an_837i_with_revenue_code_only_lines_is_scored(api, small_world):
    client, headers = api
    payload = _hospital_claims(small_world, 3)
    assert all(any(line["procedure_code"] is None for line in c["lines"]) for c in payload)
    assert all(c["claim_type"] == "837I" and c["facility_type_code"] for c in payload)
    response = client.post("/v1/claims/score", json={"claims": payload}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rejected"] == []
    assert [s["claim_id"] for s in body["scored"]] == [c["claim_id"] for c in payload]
    assert all(0 < s["denial_risk"] < 1 for s in body["scored"])
    # The world's revenue-code-only lines bill pharmacy, supplies, anesthesia, recovery: no HCPCS needed.
    assert all(f["code"] != "HCPCS_REQUIRED" for s in body["scored"] for f in s["findings"])


def test_an_outpatient_lab_line_without_hcpcs_and_interim_frequency(api, small_world):
    client, headers = api
    claim = copy.deepcopy(_hospital_claims(small_world, 1)[0])
    claim.update(claim_frequency_code="3", admission_date=claim["service_date_from"], admission_type_code="3")
    extra = copy.deepcopy(claim["lines"][-1])
    extra.update(line_number=len(claim["lines"]) + 1, revenue_code="0300", procedure_code=None, modifiers=[])
    extra["line_control_number"] = f"{claim['claim_id']}-{extra['line_number']}"
    claim["lines"].append(extra)
    claim["facility_type_code"] = "13"
    response = client.post("/v1/claims/score", json={"claims": [claim]}, headers=headers)
    assert response.status_code == 200, response.text
    findings = response.json()["scored"][0]["findings"]
    lab = [f for f in findings if f["code"] == "HCPCS_REQUIRED"]
    assert [f["field"] for f in lab] == [f"lines[{len(claim['lines']) - 1}].procedure_code"]
    assert "revenue code 0300 (laboratory) without a HCPCS code" in lab[0]["message"]


def test_an_837p_line_without_procedure_code_is_refused(api, small_world):
    client, headers = api
    claims = small_world["claims"]
    first = claims[claims["claim_type"] == "837P"].head(1)
    claim = claims_payload(
        first, small_world["claim_lines"][small_world["claim_lines"]["claim_id"].isin(first["claim_id"])]
    )[0]
    claim["lines"][0]["procedure_code"] = None
    response = client.post("/v1/claims/score", json={"claims": [claim]}, headers=headers)
    # A rule JSON Schema cannot state: listed in `rejected` of a 200 (the API contract, issue #22).
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scored"] == []
    assert [(e["field"], e["message"]) for e in body["rejected"][0]["errors"]] == [
        ("lines[0].procedure_code", "an 837P line needs a procedure code")
    ]
