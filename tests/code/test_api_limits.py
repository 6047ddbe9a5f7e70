"""Requests refused before their body is read: no credential (401/403) or a body over its route's limit (413)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import http_scope, issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database

SCORE_LIMIT = 2_000


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with migrated_database("sqlite", tmp_path_factory.mktemp("limits")) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        services = make_services(store)
        services.settings = services.settings.model_copy(
            update={"max_score_body_bytes": SCORE_LIMIT, "max_body_bytes": 1_000, "max_upload_bytes": 3_000}
        )
        yield create_app(services=services), keys
        store.close()


def call_without_body(app, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Call the ASGI app with a `receive` that fails the test if the body is ever asked for."""
    sent: list[dict] = []

    async def receive() -> dict:
        raise AssertionError(f"{method} {path}: the body was read")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = http_scope(app, method, path, [(k.lower().encode(), v.encode()) for k, v in headers.items()])
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("POST", "/v1/claims/score", {"content-length": "63000000"}, 401),
        ("POST", "/v1/outcomes", {"content-length": "10"}, 401),
        ("PATCH", "/v1/worklist/1", {"content-length": "10"}, 401),
        ("POST", "/ui/claims/batch", {"content-length": "200000000", "content-type": "multipart/form-data"}, 403),
        ("POST", "/ui/sign-in", {"content-length": "100", "content-type": "application/x-www-form-urlencoded"}, 403),
        ("POST", "/v1/claims/score", {"x-api-key": "dml_x_y", "content-length": str(SCORE_LIMIT + 1)}, 413),
        ("POST", "/v1/claims/what-if", {"x-api-key": "dml_x_y", "content-length": "1001"}, 413),
        ("POST", "/ui/claims/batch", {"cookie": "dml_session=x", "content-length": "3001"}, 413),
    ],
)
def test_refused_without_reading_the_body(site, method, path, headers, status):
    app, _ = site
    code, body = call_without_body(app, method, path, headers)
    assert code == status, body


def test_missing_key_is_401_even_when_the_body_is_not_json(site):
    app, _ = site
    response = TestClient(app).post("/v1/claims/score", content=b"{not json")
    assert response.status_code == 401
    assert response.json()["detail"] == "missing API key: send it in the X-API-Key header"


def test_wrong_key_and_other_role_are_still_401_and_403(site):
    app, keys = site
    client = TestClient(app)
    body = {"outcomes": [{"claim_id": "C1", "outcome": "upheld"}]}
    assert client.post("/v1/outcomes", json=body, headers={"X-API-Key": "dml_nope_nope"}).status_code == 401
    assert client.post("/v1/outcomes", json=body, headers={"X-API-Key": keys["biller"]}).status_code == 403


def test_a_streamed_body_is_cut_at_the_limit(site):
    app, keys = site

    def chunks():
        for _ in range(100):
            yield b"x" * 100

    response = TestClient(app).post(
        "/v1/claims/score", content=chunks(), headers={"X-API-Key": keys["biller"], "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == f"request body is larger than {SCORE_LIMIT:,} bytes"


def test_bodies_within_the_limit_pass(site):
    app, keys = site
    response = TestClient(app).post("/v1/claims/score", json={"claims": []}, headers={"X-API-Key": keys["biller"]})
    assert response.status_code in (422, 503)  # past the limits: the route's own checks answer
