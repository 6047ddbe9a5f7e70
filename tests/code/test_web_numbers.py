"""Numbers read from pages, filters and uploads take ASCII digits only: "²", "①", "٣" and "３" are not numbers."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from denial_ml.server.app import create_app
from denial_ml.server.testing import seed_worklist
from denial_ml.service.schemas import EXAMPLE_CLAIM, ClaimIn
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.service.validation import ascii_int
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database
from denial_ml.web.claim_form import _int
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

NOT_ASCII = ["²", "³", "①", "٣", "３", "1²", "12³"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with migrated_database("sqlite", tmp_path_factory.mktemp("numbers")) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        seed_worklist(store, 10)
        app = create_app(services=make_services(store))
        app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=False))
        client = TestClient(app)
        token = TOKEN.search(client.get("/ui/sign-in").text).group(1)
        client.post("/ui/sign-in", data={"csrf_token": token, "api_key": keys["appeals"]})
        yield client
        store.close()


@pytest.mark.parametrize("text", NOT_ASCII)
def test_worklist_page_numbers_are_ascii(client, text):
    response = client.get("/ui/worklist", params={"page": text})
    assert response.status_code == 200
    assert "is not a page number; showing page 1" in response.text


@pytest.mark.parametrize("name", ["deadline_within_days"])
@pytest.mark.parametrize("text", NOT_ASCII[:4])
def test_worklist_number_filters_are_ascii(client, name, text):
    response = client.get("/ui/worklist", params={name: text})
    assert response.status_code == 200 and "filter ignored" in response.text


@pytest.mark.parametrize("text", NOT_ASCII)
def test_numbers_of_forms_and_claims_are_ascii(text):
    assert ascii_int(text) is None and _int(text) == text
    assert ascii_int("0042") == 42 and ascii_int("1" * 10) is None
    with pytest.raises(ValidationError):
        ClaimIn.model_validate({**EXAMPLE_CLAIM, "place_of_service": text * 2})
