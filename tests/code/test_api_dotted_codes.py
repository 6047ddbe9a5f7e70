"""The service takes ICD-10-CM codes with or without the dot, and scores and checks them the same."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services, world_claims
from denial_ml.store.testing import sqlite_database

pytestmark = pytest.mark.xdist_group("model")
database_url = pytest.fixture(scope="module", name="database_url")(sqlite_database)


def _dotted(code: str) -> str:
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def test_a_dotted_diagnosis_scores_and_checks_as_its_undotted_form(trained, store, small_world) -> None:
    result, scorer = trained
    client = TestClient(create_app(services=make_services(store, result.bundle, scorer)))
    headers = {"X-API-Key": issue_keys(store)["biller"]}
    plain = world_claims(small_world, 5, seed=3)
    dotted = copy.deepcopy(plain)
    for claim in dotted:
        claim["diagnosis_codes"] = [_dotted(c) for c in claim["diagnosis_codes"]]
    assert any("." in c for claim in dotted for c in claim["diagnosis_codes"])
    a = client.post("/v1/claims/score", json={"claims": plain}, headers=headers)
    b = client.post("/v1/claims/score", json={"claims": dotted}, headers=headers)
    assert a.status_code == b.status_code == 200, b.text
    for x, y in zip(a.json()["scored"], b.json()["scored"], strict=True):
        assert x["denial_risk"] == y["denial_risk"]
        assert x["findings"] == y["findings"]
