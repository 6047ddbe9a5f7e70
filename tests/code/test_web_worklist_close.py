"""Closing an item from its page: reason, dollars and date, a confirmation step, and undo."""

from __future__ import annotations

import datetime as dt
import re

from test_web_auth import csrf
from test_web_worklist import appeals  # noqa: F401  (the signed-in appeals client fixture)

from denial_ml.web.routes.worklist_close import parse_money


def appealed_item(store):
    item = store.list_items(status="in_progress", limit=1).items[0]
    return store.update_item(item.id, item.version, "ann", status="appealed")


def test_an_overturn_is_confirmed_then_recorded_with_dollars_and_date_and_can_be_undone(appeals):  # noqa: F811
    client, store = appeals
    item = appealed_item(store)
    page = client.get(f"/ui/worklist/{item.id}").text
    today = dt.date.today().isoformat()
    form = {"csrf_token": csrf(page), "version": str(item.version), "outcome": "partial", "amount": "$100.50",
            "decided_on": today, "reason": "Paid the lab line only"}  # fmt: skip
    review = client.post(f"/ui/worklist/{item.id}/close", data=form)
    assert review.status_code == 200
    said = re.search(r'data-testid="confirm".*?<p>(.*?)</p>', review.text, re.S).group(1)
    assert said == (
        f"You are about to close this item as overturned: partially paid, $100.50 recovered, decided on {today}. "
        "Reason: Paid the lab line only. You can undo it for 10 minutes."
    )
    assert store.get_item(item.id).status == "appealed"  # nothing recorded before the confirmation
    done = client.post(f"/ui/worklist/{item.id}/close", data={**form, "confirm": "yes"})
    assert done.status_code == 200 and "Item closed." in done.text
    closed = store.get_item(item.id)
    assert (closed.status, closed.recovered_amount, closed.decided_at.date().isoformat()) == (
        "overturned",
        100.5,
        today,
    )
    assert closed.notes[-1].text == "Partially paid. Paid the lab line only"
    assert 'data-testid="recovered">$100.50<' in done.text
    assert 'data-testid="undo"' in done.text
    undone = client.post(f"/ui/worklist/{item.id}/undo", data={"csrf_token": csrf(done.text),
                                                             "version": str(closed.version)})  # fmt: skip
    assert undone.status_code == 200 and "Undone: the item is back to its earlier status." in undone.text
    assert store.get_item(item.id).status == "appealed" and store.get_item(item.id).recovered_amount is None


def test_a_closing_without_its_facts_is_refused_with_the_reason(appeals):  # noqa: F811
    client, store = appeals
    item = appealed_item(store)
    page = client.get(f"/ui/worklist/{item.id}").text
    base = {"csrf_token": csrf(page), "version": str(item.version)}
    cases = [
        ({"outcome": "overturned", "amount": "", "decided_on": "2026-01-05", "reason": "won"},
         "say how many dollars the payer paid on appeal"),
        ({"outcome": "overturned", "amount": "12", "decided_on": "", "reason": "won"},
         "give the date of the payer&#39;s decision"),
        ({"outcome": "overturned", "amount": "ten", "decided_on": "", "reason": "won"},
         "&#39;ten&#39; is not an amount in dollars"),
        ({"outcome": "partial", "amount": f"{item.denied_amount + 1:.2f}", "decided_on": dt.date.today().isoformat(),
          "reason": "part"}, "a partial payment is less than the denied"),
        ({"outcome": "upheld", "decided_on": dt.date.today().isoformat(), "reason": " "},
         "say why the item is upheld: the denial stands"),
        ({"outcome": "written_off", "reason": "x"}, "cannot be closed as &#39;written_off&#39; now"),
    ]  # fmt: skip
    for fields, message in cases:
        response = client.post(f"/ui/worklist/{item.id}/close", data={**base, **fields, "confirm": "yes"})
        assert response.status_code in (409, 422) and message in response.text, (fields, response.text[-2000:])
    assert store.get_item(item.id).status == "appealed"


def test_the_status_route_refuses_a_final_status_without_its_reason(appeals):  # noqa: F811
    client, store = appeals
    item = store.list_items(status="new", limit=1).items[0]
    page = client.get(f"/ui/worklist/{item.id}").text
    response = client.post(f"/ui/worklist/{item.id}/status", data={"csrf_token": csrf(page),
                           "version": str(item.version), "status": "written_off"})  # fmt: skip
    assert response.status_code == 409 and "written off is final; close the item below, with its reason" in (
        response.text
    )
    assert store.get_item(item.id).status == "new"


def test_parse_money_reads_what_people_type():
    assert parse_money("$1,204.50") == 1204.5 and parse_money(" 12 ") == 12.0 and parse_money("") is None
    for bad in ("ten", "1.2.3", "-5", "١٢"):
        try:
            parse_money(bad)
        except ValueError as exc:
            assert "is not an amount in dollars" in str(exc)
        else:
            raise AssertionError(bad)
