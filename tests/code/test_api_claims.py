"""POST /v1/claims/score and /v1/claims/what-if through TestClient: scores, partial batches, errors, roles."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from denial_ml.explain.explainer import Explainer
from denial_ml.schemas import validate_table
from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services, world_claims
from denial_ml.service.validation import check_claims, claims_frame, lines_frame
from denial_ml.store.testing import sqlite_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


# SQLite only (overrides the shared two-backend fixture): these tests are about the model side of the service.
database_url = pytest.fixture(scope="module", name="database_url")(sqlite_database)


@pytest.fixture
def api(trained, store):
    result, scorer = trained
    services = make_services(store, result.bundle, scorer)
    return TestClient(create_app(services=services)), issue_keys(store), services


def key(keys: dict[str, str], role: str = "biller") -> dict[str, str]:
    return {"X-API-Key": keys[role]}


def test_scores_match_batch_scoring_of_the_same_claims(api, trained, small_world):
    client, keys, _ = api
    _, scorer = trained
    payload = world_claims(small_world, 6, seed=1)
    response = client.post("/v1/claims/score", json={"claims": payload}, headers=key(keys))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rejected"] == []
    assert [s["claim_id"] for s in body["scored"]] == [p["claim_id"] for p in payload]
    ids = [p["claim_id"] for p in payload]
    claims = small_world["claims"].set_index("claim_id").loc[ids].reset_index()
    lines = small_world["claim_lines"][small_world["claim_lines"]["claim_id"].isin(ids)]
    expected = scorer.score(claims, lines)
    got = np.array([s["denial_risk"] for s in body["scored"]])
    np.testing.assert_allclose(got, expected["denial_risk"].to_numpy(), rtol=0, atol=1e-12)
    explained = {e["claim_id"]: e for e in Explainer(scorer).explain(claims, lines)}
    for s in body["scored"]:
        assert sum(s["category_probabilities"].values()) == pytest.approx(s["denial_risk"], abs=1e-9)
        assert s["model_version"] == scorer.version == body["model_version"]
        direct = explained[s["claim_id"]]
        assert [f["sentence"] for f in s["factors"]] == [f["sentence"] for f in direct["factors"]]
        assert [f["code"] for f in s["findings"]] == [f["code"] for f in direct["findings"]]
        assert all(f["contribution"] > 0 and f["fix"] for f in s["factors"])


def test_api_fields_round_trip_to_the_data_model(small_world):
    payload = world_claims(small_world, 300, seed=2)
    checked = check_claims(payload, set(small_world["payers"]["payer_id"]))
    assert len(checked.valid) == 300 and checked.rejected == []
    ids = [p["claim_id"] for p in payload]
    claims = small_world["claims"].set_index("claim_id").loc[ids].reset_index()
    lines = small_world["claim_lines"].set_index("claim_id").loc[ids].reset_index()
    got_claims, got_lines = claims_frame(checked.valid), lines_frame(checked.valid)
    # The API's frames (text kept as object columns, for speed) are valid tables of the data model that hold
    # exactly the world's rows once the pandera schema has coerced both.
    assert list(got_claims.columns) == list(claims.columns) and list(got_lines.columns) == list(lines.columns)
    pd.testing.assert_frame_equal(validate_table("claims", got_claims), validate_table("claims", claims))
    pd.testing.assert_frame_equal(
        validate_table("claim_lines", got_lines), validate_table("claim_lines", lines.reset_index(drop=True))
    )


def _broken(payload: list[dict]) -> list[dict]:
    """Seven claims, each broken in one way, after the valid ones."""
    base = payload[0]
    cases = []
    for change in (
        {"billing_provider_npi": "12345"},
        {"payer_id": "NOPE9"},
        {"lines": []},
        {"service_date_from": "2025-02-30"},
        {"claim_id": base["claim_id"]},  # repeats the first claim's id
        {"patient_name": "Jane Roe"},
    ):
        claim = copy.deepcopy(base) | change
        if "claim_id" not in change:
            claim["claim_id"] = f"X{len(cases)}"
        cases.append(claim)
    twice = copy.deepcopy(base) | {"claim_id": "X-lines"}
    twice["lines"] = [twice["lines"][0], twice["lines"][0]]
    cases.append(twice)
    return cases


def test_batch_scores_valid_claims_and_returns_invalid_ones_with_field_errors(api, small_world):
    client, keys, services = api
    payload = world_claims(small_world, 3, seed=3)
    response = client.post("/v1/claims/score", json={"claims": payload + _broken(payload)}, headers=key(keys))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["claim_id"] for s in body["scored"]] == [p["claim_id"] for p in payload]
    fields = {r["index"]: [e["field"] for e in r["errors"]] for r in body["rejected"]}
    assert fields == {
        3: ["billing_provider_npi"],
        4: ["payer_id"],
        5: ["lines"],
        6: ["service_date_from"],
        7: ["claim_id"],
        8: ["patient_name"],
        9: ["lines[1].line_number"],
    }
    messages = {r["index"]: r["errors"][0]["message"] for r in body["rejected"]}
    assert "payer unknown to the model" in messages[4]
    assert "repeated" in messages[7] and "repeated" in messages[9]
    assert "Jane Roe" not in response.text  # errors never echo input values
    assert services.metrics.scored == 3 and services.metrics.rejected == 7


def test_nothing_valid_is_422_naming_claim_and_field(api, small_world):
    client, keys, _ = api
    payload = world_claims(small_world, 1, seed=4)
    bad = _broken(payload)[:2]
    response = client.post("/v1/claims/score", json={"claims": bad}, headers=key(keys))
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["detail"]]
    assert locs == [["body", "claims", 0, "billing_provider_npi"], ["body", "claims", 1, "payer_id"]]


def test_a_batch_whose_claims_all_break_rules_the_schema_cannot_state_is_200_with_each_listed(api, small_world):
    client, keys, services = api
    payload = world_claims(small_world, 2, seed=8)
    unknown = payload[0] | {"payer_id": "NOPE9"}
    twice = payload[1] | {"lines": [payload[1]["lines"][0], payload[1]["lines"][0]]}
    before = services.metrics.rejected
    response = client.post("/v1/claims/score", json={"claims": [unknown, twice]}, headers=key(keys))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scored"] == []
    fields = [(r["index"], r["claim_id"], [e["field"] for e in r["errors"]]) for r in body["rejected"]]
    assert fields == [(0, unknown["claim_id"], ["payer_id"]), (1, twice["claim_id"], ["lines[1].line_number"])]
    assert services.metrics.rejected == before + 2


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"claims": []}, ["body", "claims"], "too_short"),
        ({"claims": [{}] * 10_001}, ["body", "claims"], "too_long"),
        ({"claims": ["not an object"]}, ["body", "claims", 0], "dict_type"),
        ({}, ["body", "claims"], "missing"),
    ],
)
def test_malformed_requests_are_422(api, body, loc, kind):
    client, keys, _ = api
    response = client.post("/v1/claims/score", json=body, headers=key(keys))
    assert response.status_code == 422
    assert (response.json()["detail"][0]["loc"], response.json()["detail"][0]["type"]) == (loc, kind)


def _score(client, keys, claim: dict) -> float:
    response = client.post("/v1/claims/score", json={"claims": [claim]}, headers=key(keys))
    assert response.status_code == 200, response.text
    return response.json()["scored"][0]["denial_risk"]


def test_what_if_prior_auth_reports_both_risks(api, small_world):
    client, keys, _ = api
    claims = small_world["claims"]
    with_auth = claims[claims["prior_auth_number"].notna()].head(1)
    lines = small_world["claim_lines"]
    from denial_ml.service.validation import claims_payload

    claim = claims_payload(with_auth, lines[lines["claim_id"].isin(with_auth["claim_id"])])[0]
    number, claim["prior_auth_number"] = claim["prior_auth_number"], None
    body = {"claim": claim, "edits": {"prior_auth_number": number}}
    response = client.post("/v1/claims/what-if", json=body, headers=key(keys))
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["before"]["denial_risk"] == pytest.approx(_score(client, keys, claim), abs=1e-12)
    assert out["after"]["denial_risk"] == pytest.approx(_score(client, keys, claim | {"prior_auth_number": number}))
    assert out["risk_change"] == pytest.approx(out["after"]["denial_risk"] - out["before"]["denial_risk"])
    assert out["before"]["denial_risk"] != out["after"]["denial_risk"]
    assert out["edits_applied"] == ["prior_auth_number set"]
    change = out["factor_changes"][0]  # the largest move: the authorization factor stops raising the risk
    assert change["factor"] == "authorization" and (change["after"] is None or change["after"] < change["before"])


def test_an_authorization_number_not_on_file_cannot_lower_the_risk(api, small_world, trained):
    """The what-if holds the risk where it was and says why; the number on file does lower it."""
    from denial_ml.server.testing import authorization_claim

    client, keys, _ = api
    claim, number = authorization_claim(small_world, trained[1])
    made_up = client.post("/v1/claims/what-if", json={"claim": claim, "edits": {"prior_auth_number": "ZZ9999999"}},
                          headers=key(keys)).json()  # fmt: skip
    assert any(f["code"] == "AUTH_NOT_FOUND" for f in made_up["after"]["findings"])
    assert made_up["after"]["denial_risk"] == made_up["before"]["denial_risk"] and made_up["risk_change"] == 0
    assert made_up["held"].startswith("Authorization ZZ9999999 is not on file for this patient and payer, so the risk ")
    assert "(the model alone would say " in made_up["held"]
    real = client.post("/v1/claims/what-if", json={"claim": claim, "edits": {"prior_auth_number": number}},
                       headers=key(keys)).json()  # fmt: skip
    assert real["held"] is None and real["after"]["denial_risk"] < real["before"]["denial_risk"]


def test_what_if_modifiers_and_submission_date(api, small_world):
    client, keys, _ = api
    claim = world_claims(small_world, 1, seed=5)[0]
    number = claim["lines"][0]["line_number"]
    edits = {"line_modifiers": [{"line_number": number, "modifiers": ["59"]}], "submission_date": "2026-12-31"}
    response = client.post("/v1/claims/what-if", json={"claim": claim, "edits": edits}, headers=key(keys))
    assert response.status_code == 200, response.text
    edited = copy.deepcopy(claim)
    edited["lines"][0]["modifiers"] = ["59"]
    edited["submission_date"] = "2026-12-31"
    assert response.json()["after"]["denial_risk"] == pytest.approx(_score(client, keys, edited), abs=1e-12)
    assert response.json()["edits_applied"] == ["submission_date 2026-12-31", f"line {number} modifiers 59"]


@pytest.mark.parametrize(
    ("edits", "loc", "text"),
    [
        ({}, ["body", "edits"], "edits are empty"),
        ({"submission_date": "1800-01-01"}, ["body", "edits", "submission_date"], "between 1900-01-01"),
    ],
)
def test_what_if_bad_edits_are_422(api, small_world, edits, loc, text):
    client, keys, _ = api
    claim = world_claims(small_world, 1, seed=6)[0]
    response = client.post("/v1/claims/what-if", json={"claim": claim, "edits": edits}, headers=key(keys))
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == loc and text in error["msg"]


def test_what_if_of_a_claim_the_model_cannot_score_is_200_with_errors_and_no_risks(api, small_world):
    # The request matches the schema; the payer and the repeated line number break rules no schema states.
    client, keys, _ = api
    claim = world_claims(small_world, 1, seed=7)[0] | {"payer_id": "NOPE9"}
    claim["lines"] = [claim["lines"][0], claim["lines"][0]]
    body = {"claim": claim, "edits": {"prior_auth_number": "A1"}}
    response = client.post("/v1/claims/what-if", json=body, headers=key(keys))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [e["field"] for e in answer["errors"]] == ["claim.payer_id", "claim.lines[1].line_number"]
    assert "payer unknown to the model" in answer["errors"][0]["message"]
    assert (answer["before"], answer["after"], answer["risk_change"]) == (None, None, None)
    assert answer["claim_id"] == claim["claim_id"] and answer["edits_applied"] == []


def test_what_if_edit_of_a_line_the_claim_lacks_is_200_with_the_error(api, small_world):
    client, keys, _ = api
    claim = world_claims(small_world, 1, seed=6)[0]
    edits = {"line_modifiers": [{"line_number": 99, "modifiers": []}]}
    response = client.post("/v1/claims/what-if", json={"claim": claim, "edits": edits}, headers=key(keys))
    assert response.status_code == 200, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "edits.line_modifiers" and "no line 99" in error["message"]
    assert response.json()["before"] is None


def test_a_scored_what_if_lists_no_errors(api, small_world):
    client, keys, _ = api
    claim = world_claims(small_world, 1, seed=6)[0]
    body = {"claim": claim, "edits": {"prior_auth_number": "A1"}}
    answer = client.post("/v1/claims/what-if", json=body, headers=key(keys)).json()
    assert answer["errors"] == [] and 0 <= answer["before"]["denial_risk"] <= 1


@pytest.mark.parametrize("path", ["/v1/claims/score", "/v1/claims/what-if"])
def test_claims_routes_need_a_biller_key(api, path):
    client, keys, services = api
    assert client.post(path, json={}).status_code == 401
    assert "missing API key" in client.post(path, json={}).json()["detail"]
    assert client.post(path, json={}, headers={"X-API-Key": "dml_nope_nope"}).status_code == 401
    for role in ("appeals", "admin"):
        response = client.post(path, json={}, headers=key(keys, role))
        assert response.status_code == 403
        assert f"role {role!r} may not do this; needs biller" == response.json()["detail"]
    issued = services.store.create_key("leaver", "biller")
    services.store.revoke_key(issued.id)
    response = client.post(path, json={}, headers={"X-API-Key": issued.token})
    assert (response.status_code, response.json()["detail"]) == (401, "invalid or revoked API key")


def test_scoring_without_a_model_is_503(api, small_world):
    client, keys, services = api
    services.models._served = None
    services.models.last_error = "bundle 'x' is missing denial_model.txt"
    response = client.post("/v1/claims/score", json={"claims": world_claims(small_world, 1)}, headers=key(keys))
    assert response.status_code == 503
    assert response.json()["detail"] == "no model is loaded: bundle 'x' is missing denial_model.txt"
