"""GET/PATCH /v1/worklist and POST /v1/outcomes through TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store.testing import sample_items

N_ITEMS = 60


@pytest.fixture
def api(store):
    items = sample_items(N_ITEMS, seed=3)
    store.upsert_items(items)
    client = TestClient(create_app(services=make_services(store)))
    return client, issue_keys(store), items


def key(keys: dict[str, str], role: str = "appeals") -> dict[str, str]:
    return {"X-API-Key": keys[role]}


def test_list_is_sorted_by_expected_recovery_and_paged(api):
    client, keys, items = api
    first = client.get("/v1/worklist", params={"limit": 25}, headers=key(keys)).json()
    second = client.get("/v1/worklist", params={"limit": 25, "offset": 25}, headers=key(keys)).json()
    assert first["total"] == second["total"] == N_ITEMS
    got = [i["expected_recovery"] for i in first["items"] + second["items"]]
    assert got == sorted(items["expected_recovery"], reverse=True)[:50]
    assert (first["offset"], first["limit"], len(first["items"])) == (0, 25, 25)


def test_filters_combine(api):
    client, keys, items = api
    params = {"payer": "P3", "min_expected_recovery": 0, "deadline_within_days": 90}
    body = client.get("/v1/worklist", params=params, headers=key(keys)).json()
    today = dt.date.today()
    expected = items[
        (items["payer_id"] == "P3")
        & (items["expected_recovery"] >= 0)
        & items["appeal_deadline"].between(today, today + dt.timedelta(days=90))
    ]
    assert body["total"] == len(expected) > 0
    assert {i["claim_id"] for i in body["items"]} == set(expected["claim_id"])
    category = items["category"].iloc[0]
    by_category = client.get("/v1/worklist", params={"category": category}, headers=key(keys)).json()
    assert by_category["total"] == int((items["category"] == category).sum())
    assert client.get("/v1/worklist", params={"status": "appealed"}, headers=key(keys)).json()["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost"},
        {"category": "weather"},
        {"limit": 0},
        {"limit": 1001},
        {"deadline_within_days": -1},
        {"stauts": "new"},
    ],
)
def test_bad_filters_are_422(api, params):
    client, keys, _ = api
    response = client.get("/v1/worklist", params=params, headers=key(keys))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def _first(client, keys) -> dict:
    return client.get("/v1/worklist", params={"limit": 1}, headers=key(keys)).json()["items"][0]


def test_patch_records_the_key_owner_and_a_stale_version_is_409(api):
    client, keys, _ = api
    item = _first(client, keys)
    body = {"version": item["version"], "status": "in_progress", "assignee": "jlee", "note": "calling payer"}
    response = client.patch(f"/v1/worklist/{item['id']}", json=body, headers=key(keys))
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["status"], changed["assignee"], changed["version"]) == ("in_progress", "jlee", item["version"] + 1)
    assert {(h["field"], h["actor"]) for h in changed["history"]} == {
        ("status", "appeals-user"),
        ("assignee", "appeals-user"),
        ("note", "appeals-user"),
    }
    assert changed["notes"][0]["text"] == "calling payer"
    stale = client.patch(
        f"/v1/worklist/{item['id']}", json={"version": item["version"], "note": "x"}, headers=key(keys)
    )
    assert stale.status_code == 409
    assert "someone changed it after you read it" in stale.json()["detail"]


def test_detail_has_explanation_and_history(api):
    client, keys, items = api
    item = _first(client, keys)
    detail = client.get(f"/v1/worklist/{item['id']}", headers=key(keys)).json()
    assert detail["claim_id"] == item["claim_id"]
    row = items.set_index("claim_id").loc[item["claim_id"]]
    assert detail["explanation"] == {
        "route": row["route"],
        "route_reason": row["route_reason"] or None,
        "factors": row["factors"],
    }
    assert detail["history"] == [] and detail["notes"] == []


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        ({"version": 1, "status": "overturned"}, 409, "cannot move item"),
        ({"version": 1}, 422, "nothing to change"),
        ({"version": 1, "status": "lost"}, 422, "Input should be"),
        ({"version": 1, "owner": "x"}, 422, "Extra inputs"),
    ],
)
def test_bad_patches(api, body, code, text):
    client, keys, _ = api
    item = _first(client, keys)
    response = client.patch(f"/v1/worklist/{item['id']}", json=body, headers=key(keys))
    assert response.status_code == code
    detail = response.json()["detail"]
    assert text in (detail if isinstance(detail, str) else detail[0]["msg"])


def test_unknown_item_is_404(api):
    client, keys, _ = api
    assert client.get("/v1/worklist/999999", headers=key(keys)).status_code == 404
    response = client.patch("/v1/worklist/999999", json={"version": 1, "note": "x"}, headers=key(keys))
    assert (response.status_code, response.json()["detail"]) == (404, "no worklist item with id 999999")
    assert client.get("/v1/worklist/0", headers=key(keys)).status_code == 422


def _appeal(client, keys, item: dict) -> int:
    version = item["version"]
    for status in ("in_progress", "appealed"):
        response = client.patch(
            f"/v1/worklist/{item['id']}", json={"version": version, "status": status}, headers=key(keys)
        )
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    return version


def test_outcomes_update_items_and_history(api):
    client, keys, _ = api
    page = client.get("/v1/worklist", params={"limit": 3}, headers=key(keys)).json()["items"]
    appealed = _appeal(client, keys, page[0])
    outcomes = [
        {"claim_id": page[0]["claim_id"], "version": appealed, "outcome": "overturned", "recovered_amount": 125.5},
        {"claim_id": page[1]["claim_id"], "version": page[1]["version"], "outcome": "written_off"},
        {"claim_id": page[2]["claim_id"], "version": page[2]["version"], "outcome": "upheld"},  # not appealed
        {"claim_id": "NO-SUCH", "version": 1, "outcome": "resubmitted"},
        {"claim_id": page[1]["claim_id"], "version": 1, "outcome": "resubmitted", "recovered_amount": 5},
    ]
    outcomes[0]["note"] = "won"
    response = client.post("/v1/outcomes", json={"outcomes": outcomes}, headers=key(keys))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(r["claim_id"], r["status"]) for r in body["recorded"]] == [
        (page[0]["claim_id"], "overturned"),
        (page[1]["claim_id"], "written_off"),
    ]
    assert {r["index"]: r["error"] for r in body["rejected"]} == {
        2: f"cannot move item {page[2]['id']} from 'new' to 'upheld'; allowed: "
        "'in_progress', 'resubmitted', 'written_off'",
        3: "no worklist item for claim 'NO-SUCH'",
        4: f"claim {page[1]['claim_id']!r}: a recovered amount goes with overturned or upheld",
    }
    won = client.get(f"/v1/worklist/{page[0]['id']}", headers=key(keys)).json()
    assert won["recovered_amount"] == 125.5 and won["decided_at"] is not None
    last = [(h["field"], h["new"], h["actor"]) for h in won["history"]][-3:]
    assert last == [
        ("status", "overturned", "appeals-user"),
        ("recovered_amount", "125.50", "appeals-user"),
        ("note", "won", "appeals-user"),
    ]


def test_outcomes_none_recorded_is_404_for_unknown_claims_else_422(api):
    client, keys, _ = api
    unknown = {"claim_id": "NO-SUCH", "version": 1, "outcome": "upheld"}
    response = client.post("/v1/outcomes", json={"outcomes": [unknown]}, headers=key(keys))
    assert response.status_code == 404
    assert response.json()["detail"] == "outcome 0: no worklist item for claim 'NO-SUCH'"
    item = client.get("/v1/worklist", params={"limit": 1}, headers=key(keys)).json()["items"][0]
    bad = {"claim_id": item["claim_id"], "version": item["version"], "outcome": "written_off", "recovered_amount": 5}
    response = client.post("/v1/outcomes", json={"outcomes": [bad, unknown]}, headers=key(keys))
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "loc": ["body", "outcomes", 0],
        "msg": f"claim {item['claim_id']!r}: a recovered amount goes with overturned or upheld",
        "type": "value_error",
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/worklist", None),
        ("GET", "/v1/worklist/1", None),
        ("PATCH", "/v1/worklist/1", {"version": 1, "note": "x"}),
        ("POST", "/v1/outcomes", {"outcomes": [{"claim_id": "C000001", "version": 1, "outcome": "upheld"}]}),
    ],
)
def test_worklist_routes_need_an_appeals_key(api, method, path, body):
    client, keys, _ = api
    assert client.request(method, path, json=body).status_code == 401
    assert client.request(method, path, json=body, headers={"X-API-Key": "garbage"}).status_code == 401
    for role in ("biller", "admin"):
        response = client.request(method, path, json=body, headers=key(keys, role))
        assert response.status_code == 403
        assert response.json()["detail"] == f"role {role!r} may not do this; needs appeals"


@pytest.fixture(scope="module")
def world_folder(small_world, tmp_path_factory):
    """The 30k world on disk (the claims on file of the corrected-claim route)."""
    from denial_ml.data.io import write_tables

    folder = tmp_path_factory.mktemp("world")
    write_tables(small_world, folder, validate=False)
    return folder


def _resubmit_claims(small_world) -> tuple[str, str]:
    """A denied claim whose fix is on file (an authorization) and one whose fix is not (missing rendering NPI)."""
    from denial_ml.appeals.claim_records import NEEDED, OPTIONAL, RecordsIndex
    from denial_ml.appeals.corrected import correct_claim

    adjustments = small_world["adjustments"]
    auth = sorted(set(adjustments.loc[adjustments["carc"] == "197", "claim_id"]))
    npi = sorted(set(small_world["remarks"].loc[small_world["remarks"]["rarc"] == "N290", "claim_id"]))
    index = RecordsIndex({n: small_world[n] for n in (*NEEDED, *OPTIONAL)}, auth + npi)
    fixed = next(c for c in auth if correct_claim(index.get(c)).ready)
    return fixed, npi[0]


def test_appeal_packet_and_corrected_claim_routes(store, small_world, world_folder, tmp_path):
    import io

    from docx import Document

    from denial_ml.ingest.files import read_x12_file
    from denial_ml.triage.detail import claim_details

    fixed, unfixed = _resubmit_claims(small_world)
    items = sample_items(3, seed=4).assign(
        claim_id=[fixed, unfixed, "C000002"], route=["resubmit", "resubmit", "appeal"]
    )
    items["claim_detail"] = [
        {**detail, "appeal_cost": 57.23, "contact": None} for detail in claim_details(small_world, [fixed, unfixed])
    ] + [None]
    store.upsert_items(items)
    services = make_services(store)
    services.settings = services.settings.model_copy(update={"data_dir": world_folder})
    client, keys = TestClient(create_app(services=services)), issue_keys(store)
    ids = {i.claim_id: i.id for i in store.list_items(view="all", limit=10).items}

    packet = client.get(f"/v1/worklist/{ids[fixed]}/appeal-packet", headers=key(keys)).json()
    assert packet["claim_id"] == fixed and packet["kind"] == "letter" and fixed in packet["text"]
    word = client.get(f"/v1/worklist/{ids[fixed]}/appeal-packet", params={"format": "docx"}, headers=key(keys))
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert any(fixed in p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    page = client.get(f"/v1/worklist/{ids[fixed]}/appeal-packet", params={"format": "html"}, headers=key(keys))
    assert page.headers["content-type"].startswith("text/html") and fixed in page.text
    no_detail = client.get(f"/v1/worklist/{ids['C000002']}/appeal-packet", headers=key(keys))
    assert no_detail.status_code == 409 and "rebuild the worklist" in no_detail.json()["detail"]

    corrected = client.get(f"/v1/worklist/{ids[fixed]}/corrected-claim", headers=key(keys)).json()
    assert corrected["fixes"][0].startswith("Authorization number AUTH") and corrected["unfixed"] == []
    (tmp_path / "c.837").write_text(corrected["x12"], encoding="ascii")
    claim = read_x12_file(tmp_path / "c.837").tables["claims"].iloc[0]
    remits = small_world["remittances"]
    assert claim["claim_frequency_code"] == "7"
    assert (
        claim["original_claim_id"]
        == corrected["payer_claim_id"]
        == remits.loc[remits["claim_id"] == fixed, "payer_claim_id"].iloc[-1]
    )
    assert claim["prior_auth_number"] in set(small_world["authorizations"]["auth_number"])
    none = client.get(f"/v1/worklist/{ids[unfixed]}/corrected-claim", headers=key(keys)).json()
    assert none["x12"] is None and none["fixes"] == []
    assert "the rendering provider's NPI is missing and not on file: enter it before sending" in none["unfixed"]
    appeal = client.get(f"/v1/worklist/{ids['C000002']}/corrected-claim", headers=key(keys))
    assert appeal.status_code == 409 and "not resubmit" in appeal.json()["detail"]
    assert client.get(f"/v1/worklist/{ids[fixed]}/corrected-claim", headers=key(keys, "biller")).status_code == 403
    assert client.get(f"/v1/worklist/{ids[fixed]}/appeal-packet").status_code == 401
    assert client.get("/v1/worklist/999999/appeal-packet", headers=key(keys)).status_code == 404
