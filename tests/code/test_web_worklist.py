"""The appeals worklist pages through TestClient: filters, badges, moves, conflicts, assignment, notes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from test_web_auth import csrf, sign_in

from denial_ml.server.app import create_app
from denial_ml.server.testing import seed_worklist
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.queries import ItemFilter
from denial_ml.store.testing import migrated_database
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

ROW = re.compile(r'<tr data-item="(\d+)">(.*?)</tr>', re.S)


@pytest.fixture
def appeals(tmp_path):
    """A signed-in appeals client over 120 sample items (3 in progress), and the store."""
    with migrated_database("sqlite", tmp_path) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        seed_worklist(store, 120, in_progress=3)
        app = create_app(services=make_services(store))
        app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=False))
        client = TestClient(app)
        sign_in(client, keys["appeals"])
        yield client, store
        store.close()


def rows(html: str) -> list[tuple[int, str]]:
    return [(int(i), body) for i, body in ROW.findall(html)]


def test_the_default_view_is_the_open_appeals_and_resubmissions(appeals):
    client, store = appeals
    page = client.get("/ui/worklist")
    expected = store.list_items(ItemFilter(view="open_work"), limit=50)
    assert 0 < expected.total < 120
    assert [i for i, _ in rows(page.text)] == [item.id for item in expected.items]
    assert f"{expected.total} items" in page.text
    assert all(store.get_item(i).route in ("appeal", "resubmit") for i, _ in rows(page.text))
    assert '<option value="open_work" selected>open appeals and resubmissions</option>' in page.text


def test_worklist_is_sorted_by_expected_recovery_and_paged(appeals):
    client, store = appeals
    first = client.get("/ui/worklist?view=all")
    ids = [i for i, _ in rows(first.text)]
    assert ids == [item.id for item in store.list_items(limit=50).items]
    assert "120 items" in first.text and 'href="/ui/worklist?view=all&amp;page=2"' in first.text
    second = client.get("/ui/worklist?view=all&page=3")
    assert [i for i, _ in rows(second.text)] == [item.id for item in store.list_items(offset=100, limit=50).items]


def test_filters_show_only_matching_items(appeals):
    client, store = appeals
    page = client.get("/ui/worklist", params={"view": "all", "status": "new", "category": "coding", "payer": "P3"})
    expected = store.list_items(status="new", category="coding", payer="P3", limit=50)
    assert [i for i, _ in rows(page.text)] == [item.id for item in expected.items]
    assert f"{expected.total} item" in page.text
    assert all("Payer 3" in body and ">coding<" in body for _, body in rows(page.text))
    assert '<option value="P3" selected>Payer 3 (P3)</option>' in page.text
    # The pager keeps the filters.
    within = client.get("/ui/worklist", params={"deadline_within_days": "20"})
    today = dt.date.today()
    shown = [store.get_item(i) for i, _ in rows(within.text)]
    assert shown and all(today <= item.appeal_deadline <= today + dt.timedelta(days=20) for item in shown)


def test_route_filter_shows_only_that_route(appeals):
    client, store = appeals
    expected = store.list_items(route="write_off", limit=50)
    assert 0 < expected.total < store.list_items(limit=1).total
    page = client.get("/ui/worklist", params={"view": "all", "route": "write_off"})
    assert [i for i, _ in rows(page.text)] == [item.id for item in expected.items]
    assert f"{expected.total} item" in page.text
    assert '<option value="write_off" selected>write off</option>' in page.text
    assert "Route: Input should be" in client.get("/ui/worklist", params={"route": "ignore"}).text


def test_bad_filters_are_named_and_ignored(appeals):
    client, _ = appeals
    page = client.get(
        "/ui/worklist", params={"view": "all", "deadline_within_days": "soon", "status": "lost", "page": "0"}
    )
    assert page.status_code == 200
    assert "Deadline within (days): Input should be a valid integer" in page.text
    assert "Status: Input should be" in page.text
    assert "Page: &#39;0&#39; is not a page number; showing page 1." in page.text
    assert "120 items" in page.text


def test_deadline_badges(appeals):
    client, store = appeals
    page = client.get("/ui/worklist").text
    today = dt.date.today()
    for item_id, body in rows(page):
        days = (store.get_item(item_id).appeal_deadline - today).days
        kind = "past" if days < 0 else "urgent" if days <= 7 else "soon" if days <= 30 else "ok"
        assert f'class="badge {kind}"' in body, (days, body)


def test_moving_an_item_writes_history_with_the_users_name(appeals):
    client, store = appeals
    item = store.list_items(status="in_progress", limit=1).items[0]
    detail = client.get(f"/ui/worklist/{item.id}")
    buttons = re.findall(r'data-status="(\w+)"', detail.text)
    assert buttons == ["new", "appealed"]  # the legal one-click moves from in_progress
    closings = re.findall(r'<option value="(\w+)">', detail.text.split('id="close-outcome"')[1].split("</select>")[0])
    assert closings == ["resubmitted", "written_off"]  # final: through "Close the item"
    response = client.post(
        f"/ui/worklist/{item.id}/status",
        data={"csrf_token": csrf(detail.text), "version": str(item.version), "status": "appealed"},
    )
    assert response.status_code == 200 and "Status changed." in response.text
    assert re.search(r"<strong>appeals-user</strong> changed status from in progress to appealed", response.text)
    assert re.findall(r'data-status="(\w+)"', response.text) == []
    closings = re.findall(r'<option value="(\w+)">', response.text.split('id="close-outcome"')[1].split("</select>")[0])
    assert closings == ["overturned", "partial", "upheld"]


def test_a_stale_version_says_someone_else_changed_the_item(appeals):
    client, store = appeals
    item = store.list_items(status="new", limit=1).items[0]
    detail = client.get(f"/ui/worklist/{item.id}")
    store.update_item(item.id, item.version, "jlee", assignee="jlee")  # another user, first
    response = client.post(
        f"/ui/worklist/{item.id}/status",
        data={"csrf_token": csrf(detail.text), "version": str(item.version), "status": "in_progress"},
    )
    assert response.status_code == 409
    assert (
        f"Someone else changed this item first by jlee (it is now at version {item.version + 1}, you saw version "
        f"{item.version}). Your change was not saved." in response.text
    )
    assert store.get_item(item.id).status == "new"
    assert 'data-testid="assignee">jlee<' in response.text


def test_a_move_the_status_machine_refuses_is_explained(appeals):
    client, store = appeals
    item = store.list_items(status="new", limit=1).items[0]
    detail = client.get(f"/ui/worklist/{item.id}")
    response = client.post(
        f"/ui/worklist/{item.id}/status",
        data={"csrf_token": csrf(detail.text), "version": str(item.version), "status": "appealed"},
    )
    assert response.status_code == 409
    assert "Not allowed: cannot move item" in response.text and "from &#39;new&#39; to &#39;appealed&#39;" in (
        response.text
    )


def test_assign_to_me_and_notes(appeals):
    client, store = appeals
    item = store.list_items(status="new", limit=1).items[0]
    detail = client.get(f"/ui/worklist/{item.id}")
    token = csrf(detail.text)
    client.post(f"/ui/worklist/{item.id}/assign", data={"csrf_token": token, "version": "1", "to_me": "1"})
    assert store.get_item(item.id).assignee == "appeals-user"
    noted = client.post(
        f"/ui/worklist/{item.id}/note", data={"csrf_token": token, "version": "2", "note": "Called the payer."}
    )
    assert "<strong>appeals-user</strong>: Called the payer." in noted.text
    mine = client.get("/ui/worklist", params={"view": "all", "assignee": "appeals-user"})
    assert [i for i, _ in rows(mine.text)] == [item.id]
    empty = client.post(f"/ui/worklist/{item.id}/note", data={"csrf_token": token, "version": "3", "note": " "})
    assert empty.status_code == 422 and "Write the note before adding it." in empty.text


def test_unknown_item_is_a_404_page(appeals):
    client, _ = appeals
    response = client.get("/ui/worklist/999999")
    assert response.status_code == 404 and "There is no worklist item 999999." in response.text


def test_detail_page_shows_the_factor_sentences(appeals):
    client, store = appeals
    item = store.list_items(status="new", limit=1).items[0]
    factor = item.factors[0]
    html = client.get(f"/ui/worklist/{item.id}").text
    listed = re.search(r'<ul data-testid="item-factors">(.*?)</ul>', html, re.S).group(1)
    assert f'data-factor="{factor["factor"]}"' in listed
    assert "overturned 78 % of the time (40 decided appeals)." in listed
    assert "(raises the chance of overturn)" in listed


def test_item_page_shows_the_claim_remittance_codes_and_how_the_recovery_adds_up(appeals):
    from test_triage_detail import tables

    from denial_ml.store.testing import sample_items
    from denial_ml.triage.detail import claim_details

    client, store = appeals
    items = sample_items(1, seed=9).assign(claim_id="C1")
    items["claim_detail"] = [{**claim_details(tables(), ["C1"])[0], "appeal_cost": 57.23}]
    store.upsert_items(items)
    item = store.list_items(ItemFilter(search="C1"), limit=5).items
    (item,) = [i for i in item if i.claim_id == "C1"]
    html = client.get(f"/ui/worklist/{item.id}").text
    detail = html.split('data-testid="claim-detail"')[1].split("</section>")[0]
    assert "<td>97140</td>" in detail and "<td>59 GP</td>" in detail and "2026-01-05" in detail
    assert "Line 2: CO-97 $100.00 – benefit included in the payment for another service already adjudicated" in detail
    assert "Line 2: remark M15 – separately billed services have been bundled" in detail
    assert "CO-9999 $150.00</li>" in detail  # no summary on file: the code alone
    parts = re.search(r'data-testid="recovery-parts">(.*?)</dd>', html, re.S).group(1)
    expected = item.p_overturn * item.expected_payment - 57.23
    shown = f"-${-expected:,.2f}" if expected < 0 else f"${expected:,.2f}"
    assert parts.endswith(f"− $57.23 cost of working the appeal = {shown}")


def write_world(folder, rec) -> None:
    """The tables of one claim's records as a world folder (what the corrected-claim route reads)."""
    import pandas as pd

    tables = {
        "claims": [rec.claim], "claim_lines": rec.lines, "patients": [rec.patient], "payers": [rec.payer],
        "providers": list(rec.providers.values()), "remittances": [r | {"claim_id": "C1"} for r in rec.remittances],
        "adjustments": [a | {"claim_id": "C1"} for a in rec.adjustments],
        "remarks": [r | {"claim_id": "C1"} for r in rec.remarks] or [{"remit_id": "R0", "claim_id": "C0"}],
        "authorizations": rec.authorizations,
    }  # fmt: skip
    folder.mkdir()
    for name, rows in tables.items():
        pd.DataFrame(rows).to_parquet(folder / f"{name}.parquet")


def test_a_resubmit_item_offers_its_corrected_claim_or_says_what_is_missing(appeals, tmp_path):
    import pandas as pd
    from test_appeals_corrected import claim, line, records

    from denial_ml.store.testing import sample_items

    client, store = appeals
    auth = {"auth_number": "AUTH9", "payer_id": "MCR01", "patient_id": "P1", "procedure_codes": "72148",
            "start_date": pd.Timestamp("2024-04-01"), "end_date": pd.Timestamp("2024-06-30")}  # fmt: skip
    write_world(tmp_path / "w", records(claim(), [line(1, "72148")], "197", authorizations=[auth]))
    write_world(
        tmp_path / "v",
        records(claim(), [line(1, "72148")], "197", authorizations=[auth | {"procedure_codes": "97110"}]),
    )
    client.app.state.services.settings = client.app.state.services.settings.model_copy(
        update={"data_dir": tmp_path / "w"}
    )
    store.upsert_items(sample_items(1, seed=9).assign(claim_id="C1", route="resubmit", route_reason="unprocessable"))
    (item,) = [i for i in store.list_items(ItemFilter(search="C1"), limit=5).items if i.claim_id == "C1"]
    page = client.get(f"/ui/worklist/{item.id}").text
    assert f'href="/ui/worklist/{item.id}/corrected.837">Corrected claim (837)</a>' in page
    download = client.get(f"/ui/worklist/{item.id}/corrected.837")
    assert download.status_code == 200 and 'filename="corrected-C1.837"' in download.headers["content-disposition"]
    assert (
        "CLM*C1*300.00***11:B:7*" in download.text
        and "REF*G1*AUTH9~" in download.text
        and "REF*F8*PCN77~" in download.text
    )
    client.app.state.services.settings = client.app.state.services.settings.model_copy(
        update={"data_dir": tmp_path / "v"}
    )
    missing = client.get(f"/ui/worklist/{item.id}/corrected.837")
    assert missing.status_code == 409
    assert "no authorization on file covers the billed codes on the date of service" in missing.text


def test_tracking_page_shows_the_appeal_outcomes_recorded_in_the_worklist(appeals, tmp_path):
    from denial_ml.data.io import write_tables
    from denial_ml.data.synthetic.world import generate_world

    client, store = appeals
    write_tables(generate_world(2_000, seed=2), tmp_path / "world", validate=False)
    services = client.app.state.services
    services.settings = services.settings.model_copy(update={"data_dir": tmp_path / "world"})
    before = client.get("/ui/tracking").text
    assert "No appeal outcome recorded in the worklist yet" in before
    items = store.list_items(status="new", route="appeal", limit=3).items
    for item in items:
        moved = store.update_item(item.id, item.version, "appeals-user", status="in_progress")
        store.update_item(item.id, moved.version, "appeals-user", status="appealed")
    half = round(items[1].denied_amount / 2, 2)
    store.record_outcome(items[0].claim_id, "overturned", items[0].denied_amount, "appeals-user")
    store.record_outcome(items[1].claim_id, "overturned", half, "appeals-user")
    store.record_outcome(items[2].claim_id, "upheld", 0.0, "appeals-user")
    page = client.get("/ui/tracking").text
    recovered = items[0].denied_amount + half
    assert re.search(r'data-testid="decided-worklist">3<', page)
    assert re.search(r'data-testid="overturn-rate-worklist">66.7%<', page)
    assert f'data-testid="recovered-worklist">${recovered:,.2f}<' in page
    by_payer = page.split('data-testid="outcomes-payer"')[1].split("</table>")[0]
    cells = re.findall(r'<tr data-key="([^"]+)"><th scope="row">[^<]*</th>\s*<td class="num">(\d+)</td>', by_payer)
    decided = dict(cells)
    for payer in {i.payer_id for i in items}:
        assert decided[payer] == str(sum(i.payer_id == payer for i in items))
