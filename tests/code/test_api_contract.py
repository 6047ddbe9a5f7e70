"""The OpenAPI document says what the service accepts, and errors shown to callers carry no server paths."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database, sample_items
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

SECRET_FOLDER = "/srv/private-models/run-42"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with migrated_database("sqlite", tmp_path_factory.mktemp("contract")) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        store.upsert_items(sample_items(3, seed=6))
        services = make_services(store)
        services.models.last_error = f"model bundle folder '{SECRET_FOLDER}/denial-risk' does not exist"
        app = create_app(services=services)
        app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=False))
        yield TestClient(app), keys, store.list_items(limit=1).items[0]
        store.close()


def test_the_schema_needs_a_change_in_patch_and_an_edit_in_what_if(site):
    client, _, _ = site
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    patch = schemas["WorklistPatch"]
    assert patch["anyOf"] == [{"required": ["status"]}, {"required": ["assignee"]}, {"required": ["note"]}]
    assert all("anyOf" not in patch["properties"][name] for name in ("status", "assignee", "note"))  # no null
    assert schemas["ClaimEdits"]["minProperties"] == 1
    assert "each line_number once" in schemas["ClaimIn"]["properties"]["lines"]["description"]


def test_a_patch_with_only_a_version_is_refused_by_validation(site):
    client, keys, item = site
    response = client.patch(
        f"/v1/worklist/{item.id}", json={"version": item.version}, headers={"X-API-Key": keys["appeals"]}
    )
    assert response.status_code == 422
    assert "nothing to change" in response.json()["detail"][0]["msg"]


def test_a_whole_number_written_as_a_float_is_a_version(site):
    client, keys, item = site
    headers = {"X-API-Key": keys["appeals"]}
    half = client.patch(f"/v1/worklist/{item.id}", json={"version": item.version + 0.5, "note": "x"}, headers=headers)
    assert half.status_code == 422
    text = client.patch(f"/v1/worklist/{item.id}", json={"version": str(item.version), "note": "x"}, headers=headers)
    assert text.status_code == 422
    whole = client.patch(f"/v1/worklist/{item.id}", json={"version": float(item.version), "note": "x"}, headers=headers)
    assert whole.status_code == 200, whole.text


def test_errors_shown_to_every_role_hide_server_paths(site):
    client, keys, _ = site
    for role in ("biller", "appeals", "admin"):
        response = client.get("/v1/models", headers={"X-API-Key": keys[role]})
        assert response.status_code == 503
        assert SECRET_FOLDER not in response.text and "denial-risk" in response.text
    page = client.get("/ui/sign-in")
    client.post("/ui/sign-in", data={"csrf_token": TOKEN.search(page.text).group(1), "api_key": keys["admin"]})
    page = client.get("/ui/model")
    assert page.status_code == 200 and "denial-risk" in page.text and SECRET_FOLDER not in page.text
