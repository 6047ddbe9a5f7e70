"""`worklist refresh`: open appeals whose deadline passed are routed to write off, with reason and history."""

from __future__ import annotations

import datetime as dt

from denial_ml.store.testing import sample_items

TODAY = dt.date(2027, 3, 1)


def test_refresh_routes_open_appeals_past_their_deadline_to_write_off(store):
    items = sample_items(40, today=TODAY)
    store.upsert_items(items)
    later = TODAY + dt.timedelta(days=20)
    appeals = [i for i in store.list_items(route="appeal", limit=100).items]
    due = [i for i in appeals if i.appeal_deadline < later]
    assert due, "the sample needs appeals that fall due within 20 days"
    appealed = due[0]  # waits for the payer: left alone
    store.update_item(appealed.id, appealed.version, "ann", status="in_progress")
    appealed = store.get_item(appealed.id)
    store.update_item(appealed.id, appealed.version, "ann", status="appealed")

    result = store.refresh_routes(today=later)

    assert sorted(result.rerouted) == sorted(i.id for i in due[1:])
    moved = store.get_item(due[1].id)
    assert (moved.route, moved.route_reason) == ("write_off", f"appeal deadline passed on {due[1].appeal_deadline}")
    assert moved.version == due[1].version + 1
    assert (moved.history[-1].field, moved.history[-1].old, moved.history[-1].new) == ("route", "appeal", "write_off")
    assert moved.history[-1].actor == "worklist refresh"
    assert moved.days_left == (due[1].appeal_deadline - later).days < 0
    assert store.get_item(due[0].id).route == "appeal"
    untouched = [i for i in appeals if i.appeal_deadline >= later]
    assert all(store.get_item(i.id).route == "appeal" for i in untouched)
    assert store.refresh_routes(today=later).rerouted == []  # a second run changes nothing
