"""POST /v1/outcomes cannot overwrite: versions, idempotency keys, final items and audited corrections,
on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store.testing import sample_items


@pytest.fixture
def api(store):
    store.upsert_items(sample_items(5, seed=5))
    app = create_app(services=make_services(store))
    keys = issue_keys(store)
    item = store.list_items(limit=1).items[0]
    version = store.update_item(item.id, item.version, "setup", status="in_progress").version
    version = store.update_item(item.id, version, "setup", status="appealed").version
    return app, {"X-API-Key": keys["appeals"]}, store.get_item(item.id)


def post(client: TestClient, headers: dict, **outcome):
    return client.post("/v1/outcomes", json={"outcomes": [outcome]}, headers=headers)


def test_a_stale_version_is_409_and_changes_nothing(api):
    app, headers, item = api
    client = TestClient(app)
    response = post(client, headers, claim_id=item.claim_id, version=item.version - 1, outcome="overturned")
    assert response.status_code == 409
    assert "not " + str(item.version - 1) in response.json()["detail"]
    assert client.get(f"/v1/worklist/{item.id}", headers=headers).json()["status"] == "appealed"


def test_a_resend_with_the_same_key_is_answered_not_applied(api):
    app, headers, item = api
    client = TestClient(app)
    outcome = {
        "claim_id": item.claim_id,
        "version": item.version,
        "outcome": "overturned",
        "recovered_amount": 120.0,
        "note": "won on appeal",
        "idempotency_key": "payer-feed-0001",
    }
    first = post(client, headers, **outcome)
    again = post(client, headers, **outcome)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["recorded"][0] == {**first.json()["recorded"][0], "replayed": True}
    detail = client.get(f"/v1/worklist/{item.id}", headers=headers).json()
    assert [n["text"] for n in detail["notes"]] == ["won on appeal"]
    changed = post(client, headers, **{**outcome, "recovered_amount": 999.0})
    assert changed.status_code == 409 and "idempotency key" in changed.json()["detail"]


def test_a_final_outcome_changes_only_by_an_audited_correction(api):
    app, headers, item = api
    client = TestClient(app)
    won = post(client, headers, claim_id=item.claim_id, version=item.version, outcome="overturned", recovered_amount=10)
    version = won.json()["recorded"][0]["version"]
    again = post(client, headers, claim_id=item.claim_id, version=version, outcome="overturned", recovered_amount=50)
    assert again.status_code == 409 and "correction" in again.json()["detail"]
    unexplained = post(
        client, headers, claim_id=item.claim_id, version=version, outcome="overturned", recovered_amount=50,
        correction=True,
    )  # fmt: skip
    assert unexplained.status_code == 422
    corrected = post(
        client, headers, claim_id=item.claim_id, version=version, outcome="overturned", recovered_amount=50,
        correction=True, note="payer paid 50, not 10",
    )  # fmt: skip
    assert corrected.status_code == 200, corrected.text
    detail = client.get(f"/v1/worklist/{item.id}", headers=headers).json()
    assert detail["recovered_amount"] == 50
    rows = [(h["field"], h["old"], h["new"], h["note"]) for h in detail["history"]][-2:]
    assert rows == [
        ("correction", "overturned", "overturned", "payer paid 50, not 10"),
        ("recovered_amount", "10.00", "50.00", "payer paid 50, not 10"),
    ]


def test_twenty_concurrent_outcomes_give_exactly_one_success(api):
    app, headers, item = api
    start = threading.Barrier(20)

    def send(i: int) -> int:
        client = TestClient(app)
        start.wait()
        outcome = {"claim_id": item.claim_id, "version": item.version, "outcome": "overturned"}
        return post(
            client, headers, **outcome, recovered_amount=float(i), idempotency_key=f"concurrent-{i:04d}"
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(send, range(20)))
    assert sorted(codes) == [200] + [409] * 19
    detail = TestClient(app).get(f"/v1/worklist/{item.id}", headers=headers).json()
    assert [h["field"] for h in detail["history"]].count("recovered_amount") == 1
