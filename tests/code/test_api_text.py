"""Text with control characters through the API and the pages: 422 naming the field, the same on both stores."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store.testing import sample_items
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
BAD = ["a\x00b", "a\x01b", "a\x7fb"]


@pytest.fixture
def site(store):
    store.upsert_items(sample_items(5, seed=4))
    app = create_app(services=make_services(store))
    app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=False))
    return TestClient(app), issue_keys(store), store.list_items(limit=1).items[0]


def sign_in(client: TestClient, key: str):
    page = client.get("/ui/sign-in")
    token = TOKEN.search(page.text).group(1)
    return client.post("/ui/sign-in", data={"csrf_token": token, "api_key": key}, follow_redirects=False)


@pytest.mark.parametrize("text", BAD)
def test_api_refuses_control_characters_naming_the_field(site, text):
    client, keys, item = site
    headers = {"X-API-Key": keys["appeals"]}
    for name in ("payer", "assignee"):
        response = client.get("/v1/worklist", params={name: text}, headers=headers)
        assert response.status_code == 422, response.text
        assert name in response.text
    response = client.patch(f"/v1/worklist/{item.id}", json={"version": item.version, "note": text}, headers=headers)
    assert response.status_code == 422 and "note contains the control character" in response.text
    body = {"outcomes": [{"claim_id": text, "version": 1, "outcome": "written_off", "note": "x"}]}
    response = client.post("/v1/outcomes", json=body, headers=headers)
    assert response.status_code == 422 and "claim_id contains the control character" in response.text


@pytest.mark.parametrize("text", BAD)
def test_pages_refuse_control_characters_naming_the_field(site, text):
    client, keys, _ = site
    response = sign_in(client, f"dml_{text}_secret")
    assert response.status_code == 422
    assert "api_key contains the control character" in response.text
    assert sign_in(client, keys["appeals"]).status_code == 303
    response = client.get("/ui/worklist", params={"payer": text})  # a bad filter is dropped, named, as any is
    assert response.status_code == 200 and "payer contains the control character" in response.text
    assert "filter ignored" in response.text
