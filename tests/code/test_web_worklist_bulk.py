"""Bulk actions on selected worklist items and saved views, through the pages."""

from __future__ import annotations

import re

from test_web_auth import csrf
from test_web_worklist import appeals, rows  # noqa: F401  (the signed-in appeals client fixture)

from denial_ml.web.routes.worklist_bulk import parse_selection


def selection(client, store) -> tuple[str, list[str]]:
    """The page's CSRF token and the checkbox values of its items with status "new"."""
    page = client.get("/ui/worklist", params={"view": "all"}).text
    values = re.findall(r'name="item" value="(\d+:\d+)"', page)
    return csrf(page), [v for v in values if store.get_item(int(v.split(":")[0])).status == "new"]


def test_assign_selected_items_to_me(appeals):  # noqa: F811
    client, store = appeals
    token, values = selection(client, store)
    chosen = values[:5]
    response = client.post(
        "/ui/worklist/bulk", data={"csrf_token": token, "action": "assign_me", "query": "view=all", "item": chosen}
    )
    assert response.status_code == 200 and "5 items changed." in response.text
    ids = [int(v.split(":")[0]) for v in chosen]
    assert all(store.get_item(i).assignee == "appeals-user" for i in ids)
    assert store.get_item(ids[0]).history[-1].actor == "appeals-user"
    assert [i for i, _ in rows(response.text)][:5] == [i for i, _ in rows(client.get("/ui/worklist?view=all").text)][:5]


def test_a_stale_or_illegal_item_is_named_and_the_others_change(appeals):  # noqa: F811
    client, store = appeals
    token, values = selection(client, store)
    stale_id = int(values[0].split(":")[0])
    item = store.get_item(stale_id)
    store.update_item(item.id, item.version, "jlee", assignee="jlee")  # someone else, first
    in_progress = store.list_items(status="in_progress", limit=1).items[0]
    store.update_item(in_progress.id, in_progress.version, "ann", status="appealed")
    appealed = store.get_item(in_progress.id)
    chosen = [values[0], values[1], f"{appealed.id}:{appealed.version}", "x:1"]
    response = client.post(
        "/ui/worklist/bulk",
        data={"csrf_token": token, "action": "status:in_progress", "query": "view=all", "item": chosen},
    )
    assert response.status_code == 200 and "1 item changed." in response.text
    assert "&#39;x:1&#39; is not an item" in response.text
    assert f"item {stale_id}: someone else changed it first; reload and try again" in response.text
    assert f"item {appealed.id}: cannot move item {appealed.id} from &#39;appealed&#39; to &#39;in_progress&#39;" in (
        response.text
    )
    assert store.get_item(stale_id).status == "new" and store.get_item(appealed.id).status == "appealed"
    assert store.get_item(int(values[1].split(":")[0])).status == "in_progress"


def test_final_statuses_and_empty_selections_are_refused(appeals):  # noqa: F811
    client, store = appeals
    token, values = selection(client, store)
    final = client.post(
        "/ui/worklist/bulk", data={"csrf_token": token, "action": "status:written_off", "item": values[:2]}
    )
    assert final.status_code == 422 and "unknown action &#39;status:written_off&#39;" in final.text
    assert store.get_item(int(values[0].split(":")[0])).status == "new"
    empty = client.post("/ui/worklist/bulk", data={"csrf_token": token, "action": "assign_me"})
    assert empty.status_code == 422 and "select at least one item first" in empty.text


def test_parse_selection_takes_id_version_pairs_only():
    assert parse_selection(["3:1", "12:4"]) == ([(3, 1), (12, 4)], [])
    assert parse_selection(["3", "²:1", "4:x"])[0] == []


def test_a_saved_view_is_listed_opens_its_filters_and_can_be_deleted(appeals):  # noqa: F811
    client, store = appeals
    page = client.get("/ui/worklist", params={"view": "all", "route": "write_off", "sort": "deadline"}).text
    query = re.search(r'name="query" value="([^"]*)"', page).group(1).replace("&amp;", "&")
    assert query == "view=all&route=write_off&sort=deadline"
    saved = client.post("/ui/worklist/views", data={"csrf_token": csrf(page), "name": "Write-offs by deadline",
                                                     "query": query})  # fmt: skip
    assert saved.status_code == 200 and saved.url.query.decode() == query
    listed = re.search(r'data-testid="saved-views">(.*?)</ul>', saved.text, re.S).group(1)
    assert '<a href="/ui/worklist?route=write_off&amp;sort=deadline&amp;view=all">Write-offs by deadline</a>' in listed
    (view,) = store.list_views("appeals-user")
    blank = client.post("/ui/worklist/views", data={"csrf_token": csrf(page), "name": " ", "query": query})
    assert blank.status_code == 422 and "View not saved: a view&#39;s name must be 1 to 80 characters" in blank.text
    client.post(f"/ui/worklist/views/{view.id}/delete", data={"csrf_token": csrf(page)})
    assert store.list_views("appeals-user") == []
