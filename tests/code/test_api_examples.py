"""Every request example of the OpenAPI document works against a generated world, as a demo user would send it.

The app serves the model trained on the 30,000-claim world (seed 11) over the worklist built from that world's
current denials, as the demo builds its own (recovery model, ranked denials). Each documented request body is
sent as shown and must be answered 2xx doing what it shows: its claims scored, its edits tried, its outcomes
recorded, its change made. The outcome example names a claim that is a current denial both in this world and in
the demo's (200,000 claims, seed 7), so it works there too.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from denial_ml.config import Settings
from denial_ml.data.io import write_tables
from denial_ml.jobs.triage import build_worklist, train_bundle
from denial_ml.schemas import TABLES
from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]
ROLES = {"/v1/claims": "biller", "/v1/worklist": "appeals", "/v1/outcomes": "appeals"}


@pytest.fixture(scope="module")
def site(trained, small_world, tmp_path_factory):
    """The app over the trained bundle and the worklist built from the world's denials; one key per role."""
    result, scorer = trained
    folder = tmp_path_factory.mktemp("examples")
    world = folder / "world"
    write_tables({k: v for k, v in small_world.items() if k in TABLES}, world, validate=False)
    recovery, _ = train_bundle(world, folder / "triage", Settings(_env_file=None).appeal_cost)
    with migrated_database("sqlite", folder) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        build_worklist(world, recovery, store)
        app = create_app(services=make_services(store, result.bundle, scorer))
        yield TestClient(app), keys, store
        store.close()


def documented_examples(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, body) of every example of every request body in the OpenAPI document."""
    schemas = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = body.get("schema", {})
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
            examples = list(body.get("examples", {}).values()) or schema.get("examples", [])
            found += [(method.upper(), path, example) for example in examples]
    return found


def role_for(path: str) -> str:
    return next((role for prefix, role in ROLES.items() if path.startswith(prefix)), "admin")


def test_the_document_shows_an_example_of_every_request_body(site):
    client, _, _ = site
    document = client.get("/openapi.json").json()
    with_body = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert with_body == {(m, p) for m, p, _ in documented_examples(document)}
    assert len(with_body) == 4  # score, what-if, worklist patch, outcomes


def test_every_documented_request_example_is_accepted_and_does_what_it_shows(site):
    client, keys, store = site
    examples = documented_examples(client.get("/openapi.json").json())
    outcome_claims = {o["claim_id"] for m, p, body in examples if p == "/v1/outcomes" for o in body["outcomes"]}
    # The worklist patch example changes an item other than the one the outcome example names.
    item = next(i for i in store.list_items(limit=50).items if i.claim_id not in outcome_claims)
    for method, path, body in examples:
        url = path.replace("{item_id}", str(item.id))
        response = client.request(method, url, json=body, headers={"X-API-Key": keys[role_for(path)]})
        assert 200 <= response.status_code < 300, (method, path, response.text)
        answer = response.json()
        if path == "/v1/claims/score":
            assert answer["rejected"] == [] and len(answer["scored"]) == len(body["claims"])
        elif path == "/v1/claims/what-if":
            assert answer["errors"] == [] and answer["before"] is not None
            assert len(answer["edits_applied"]) == len(body["edits"])
        elif path == "/v1/outcomes":
            assert answer["rejected"] == [], answer["rejected"]
            assert [r["claim_id"] for r in answer["recorded"]] == [o["claim_id"] for o in body["outcomes"]]
        else:
            assert (method, path) == ("PATCH", "/v1/worklist/{item_id}")
            assert answer["status"] == body["status"] and answer["assignee"] == body["assignee"]
    assert len(examples) >= 4
