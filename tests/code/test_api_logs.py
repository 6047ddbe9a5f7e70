"""Logs of a full run carry request ids and never the member ids, names or birth dates of the claims sent."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service import scoring as api_services
from denial_ml.service.testing import issue_keys, make_services, private_values, world_claims
from denial_ml.store.testing import sample_items, sqlite_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


# SQLite only (overrides the shared two-backend fixture): these tests are about the model side of the service.
database_url = pytest.fixture(scope="module", name="database_url")(sqlite_database)


NAME = "Jane Q. Roe"


def _full_run(client: TestClient, keys: dict[str, str], payload: list[dict], monkeypatch) -> list[str]:
    """Every route once or more, with valid, invalid and failing requests; returns the request ids sent."""
    biller, appeals, admin = ({"X-API-Key": keys[r]} for r in ("biller", "appeals", "admin"))
    birth = "1961-04-09"
    bad = [dict(payload[0], claim_id="B1", patient_name=NAME, birth_date=birth), dict(payload[1], member_id=None)]
    bad[1]["billing_provider_npi"] = "123"
    ids = []
    for i, (method, path, body, headers) in enumerate(
        [
            ("POST", "/v1/claims/score", {"claims": payload + bad}, biller),
            ("POST", "/v1/claims/score", {"claims": bad}, biller),
            ("POST", "/v1/claims/what-if", {"claim": payload[0], "edits": {"prior_auth_number": "A1"}}, biller),
            ("POST", "/v1/claims/what-if", {"claim": bad[0], "edits": {"prior_auth_number": "A1"}}, biller),
            ("POST", "/v1/claims/score", {"claims": payload}, appeals),
            ("GET", "/v1/worklist?limit=5&assignee=jlee", None, appeals),
            ("PATCH", "/v1/worklist/1", {"version": 1, "status": "in_progress", "note": f"called {NAME}"}, appeals),
            (
                "POST",
                "/v1/outcomes",
                {"outcomes": [{"claim_id": payload[0]["member_id"], "outcome": "upheld"}]},
                appeals,
            ),
            ("GET", "/v1/models", None, admin),
            ("POST", "/v1/models/reload", None, admin),
            ("GET", "/health/ready", None, {}),
            ("GET", "/metrics", None, {}),
        ]
    ):
        request_id = f"run-{i}"
        ids.append(request_id)
        client.request(method, path, json=body, headers={**headers, "X-Request-ID": request_id})

    def boom(*args, **kwargs):
        raise KeyError(f"member {payload[0]['member_id']} {NAME} born {birth}")

    monkeypatch.setattr(api_services, "explain_scores", boom)
    failed = client.post("/v1/claims/score", json={"claims": payload}, headers={**biller, "X-Request-ID": "run-500"})
    assert failed.status_code == 500 and failed.json() == {"detail": "internal error (request id run-500)"}
    return [*ids, "run-500"]


def test_logs_of_a_full_run_hold_request_ids_and_no_private_values(trained, store, small_world, caplog, monkeypatch):
    result, scorer = trained
    store.upsert_items(sample_items(5))
    client = TestClient(create_app(services=make_services(store, result.bundle, scorer)))
    keys = issue_keys(store)
    payload = world_claims(small_world, 4, seed=9)
    private = [*private_values(small_world, payload), NAME, "1961-04-09"]
    assert len(private) >= 9
    caplog.set_level(logging.DEBUG)
    request_ids = _full_run(client, keys, payload, monkeypatch)
    text = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    leaked = [value for value in private if value in text]
    assert leaked == []
    access = [r for r in caplog.records if r.name == "denial_ml.api.access"]
    assert [r.request_id for r in access] == request_ids
    assert [r.getMessage().split()[2] for r in access][:3] == ["200", "422", "200"]
    (error,) = [r for r in caplog.records if r.name == "denial_ml.api.errors"]
    assert error.getMessage().startswith("unexpected KeyError in POST /v1/claims/score")
    assert "scoring.py" in error.getMessage()  # the stack frames are kept, the message is not
