"""Web sign-in, roles, session cookie and CSRF, through FastAPI's TestClient (no model needed)."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.server.testing import seed_worklist
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def site(tmp_path):
    """An app over a seeded SQLite worklist (no model), a key per role, cookies allowed over plain HTTP."""
    with migrated_database("sqlite", tmp_path) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        seed_worklist(store, 20, in_progress=2)
        app = create_app(services=make_services(store))
        app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=False))
        yield app, store, keys
        store.close()


def csrf(html: str) -> str:
    return TOKEN.search(html).group(1)


def sign_in(client: TestClient, key: str, next_url: str = "") -> object:
    page = client.get("/ui/sign-in")
    return client.post(
        "/ui/sign-in", data={"csrf_token": csrf(page.text), "api_key": key, "next": next_url}, follow_redirects=False
    )


def test_pages_send_visitors_to_sign_in(site):
    app, _, _ = site
    response = TestClient(app).get("/ui/worklist?status=new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/sign-in?next=/ui/worklist%3Fstatus%3Dnew"


def test_each_role_lands_on_its_own_page_with_its_own_menu(site):
    app, _, keys = site
    homes = {"biller": "/ui/claims/check", "appeals": "/ui/worklist", "admin": "/ui/model"}
    for role, home in homes.items():
        client = TestClient(app)
        response = sign_in(client, keys[role])
        assert (response.status_code, response.headers["location"]) == (303, home)
        page = client.get("/ui/tracking")
        menu = re.findall(r'<li><a href="(/ui/[^"]+)"', page.text)
        assert menu[0] == home and "/ui/tracking" in menu
        assert ("/ui/worklist" in menu) == (role == "appeals")
        assert ("/ui/claims/check" in menu) == (role == "biller")
        assert f"{role}-user · {role}" in page.text


def test_session_cookie_is_signed_http_only_secure_and_holds_no_key(site):
    app, _, keys = site
    app.state.web = make_state(WebSettings(session_secret="test-secret"))  # Secure on (the default)
    client = TestClient(app, base_url="https://testserver")
    response = sign_in(client, keys["biller"])
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("dml_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    secret = keys["biller"].split("_", 2)[2]
    assert secret not in cookie and keys["biller"] not in cookie


def test_wrong_key_is_refused_with_a_message(site):
    app, _, _ = site
    client = TestClient(app)
    response = sign_in(client, "dml_000000000000_not-a-key")
    assert response.status_code == 401
    assert "That API key is not valid or has been revoked." in response.text
    assert client.get("/ui/worklist", follow_redirects=False).status_code == 303


def test_biller_gets_a_403_page_on_the_worklist(site):
    app, store, keys = site
    client = TestClient(app)
    sign_in(client, keys["biller"])
    item = store.list_items(limit=1).items[0]
    for path in ("/ui/worklist", f"/ui/worklist/{item.id}"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "This page is for appeals staff; you are signed in as biller-user (biller)." in response.text


def test_appeals_user_cannot_open_claim_check_nor_admin_the_worklist(site):
    app, _, keys = site
    for role, path in (("appeals", "/ui/claims/check"), ("appeals", "/ui/claims/batch"), ("admin", "/ui/worklist")):
        client = TestClient(app)
        sign_in(client, keys[role])
        assert client.get(path).status_code == 403, (role, path)


def test_form_posts_without_the_csrf_token_are_refused(site):
    app, store, keys = site
    client = TestClient(app)
    sign_in(client, keys["appeals"])
    item = store.list_items(status="in_progress", limit=1).items[0]
    path = f"/ui/worklist/{item.id}/status"
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(path, data={**data, "version": str(item.version), "status": "appealed"})
        assert response.status_code == 403
        assert "Form refused" in response.text
    assert store.get_item(item.id).status == "in_progress"
    page = client.get(f"/ui/worklist/{item.id}")
    done = client.post(path, data={"csrf_token": csrf(page.text), "version": str(item.version), "status": "appealed"})
    assert done.status_code == 200 and store.get_item(item.id).status == "appealed"


def test_sign_in_form_needs_its_csrf_token(site):
    app, _, keys = site
    client = TestClient(app)
    client.get("/ui/sign-in")
    response = client.post("/ui/sign-in", data={"api_key": keys["biller"]}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/ui/claims/check", follow_redirects=False).status_code == 303


def test_token_seen_before_sign_in_is_not_the_session_token(site):
    app, _, keys = site
    client = TestClient(app)
    before = csrf(client.get("/ui/sign-in").text)
    client.post("/ui/sign-in", data={"csrf_token": before, "api_key": keys["appeals"]})
    assert csrf(client.get("/ui/worklist").text) != before


def test_tampered_cookie_counts_as_signed_out(site):
    app, _, keys = site
    client = TestClient(app)
    sign_in(client, keys["appeals"])
    value = client.cookies.get("dml_session")
    client.cookies.set("dml_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/ui/worklist", follow_redirects=False).status_code == 303


def test_revoked_key_ends_its_sessions(site):
    app, store, keys = site
    client = TestClient(app)
    sign_in(client, keys["appeals"])
    assert client.get("/ui/worklist").status_code == 200
    key = next(k for k in store.list_keys() if k.owner == "appeals-user")
    store.revoke_key(key.id)
    assert client.get("/ui/worklist", follow_redirects=False).status_code == 303


@pytest.mark.slow  # waits 2 s for a session to expire
def test_sessions_expire(site):
    app, _, keys = site
    app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=False, session_hours=1e-5))
    client = TestClient(app)
    sign_in(client, keys["appeals"])
    time.sleep(2.1)  # itsdangerous counts whole seconds; the shortest lifetime is one
    assert client.get("/ui/worklist", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(site):
    app, _, keys = site
    client = TestClient(app)
    sign_in(client, keys["appeals"])
    page = client.get("/ui/worklist")
    response = client.post("/ui/sign-out", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/ui/sign-in")
    assert 'dml_session=""' in response.headers["set-cookie"]
    assert client.get("/ui/worklist", follow_redirects=False).status_code == 303


def test_sign_in_returns_only_to_pages_of_this_site(site):
    app, _, keys = site
    assert sign_in(TestClient(app), keys["appeals"], "/ui/worklist?status=new").headers["location"] == (
        "/ui/worklist?status=new"
    )
    for target in ("https://evil.example/ui/x", "//evil.example/ui/x", "/v1/worklist", "/ui\\evil"):
        assert sign_in(TestClient(app), keys["appeals"], target).headers["location"] == "/ui/worklist", target


def test_pages_are_not_cached_nor_framed(site):
    app, _, keys = site
    client = TestClient(app)
    sign_in(client, keys["appeals"])
    headers = client.get("/ui/worklist").headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_static_files_are_served(site):
    app, _, _ = site
    client = TestClient(app)
    assert client.get("/ui/static/htmx.min.js").text.startswith("var htmx=")
    assert "font-family" in client.get("/ui/static/app.css").text


def test_a_copied_cookie_dies_at_sign_out(site):
    app, _, keys = site
    client = TestClient(app)
    sign_in(client, keys["appeals"])
    copied = client.cookies.get("dml_session")
    page = client.get("/ui/worklist")
    client.post("/ui/sign-out", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    other = TestClient(app, cookies={"dml_session": copied})
    assert other.get("/ui/worklist", follow_redirects=False).status_code == 303
