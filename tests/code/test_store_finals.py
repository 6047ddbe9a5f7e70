"""Closing an item: a reason always, dollars and a decision date for a decided appeal, an undo for a short time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from denial_ml.store import IllegalTransition, InvalidUpdate
from denial_ml.store.models import WorklistHistory
from denial_ml.store.testing import sample_items

TODAY = dt.date.today()


@pytest.fixture
def appealed(store):
    store.upsert_items(sample_items(5, today=TODAY))
    item = store.list_items(limit=1).items[0]
    item = store.update_item(item.id, item.version, "ann", status="in_progress")
    item = store.update_item(item.id, item.version, "ann", status="appealed")
    return store, store.get_item(item.id)


def test_an_overturn_keeps_dollars_date_and_reason(appealed):
    store, item = appealed
    done = store.finish_item(item.id, item.version, "ann", "overturned", "Payer's letter of 3 Dec", 412.5, TODAY)
    assert (done.status, done.recovered_amount, done.decided_at.date()) == ("overturned", 412.5, TODAY)
    assert done.notes[-1].text == "Payer's letter of 3 Dec"
    assert [(h.field, h.new) for h in done.history[-3:]] == [
        ("status", "overturned"),
        ("recovered_amount", "412.50"),
        ("note", "Payer's letter of 3 Dec"),
    ]


@pytest.mark.parametrize(
    ("status", "amount", "day", "message"),
    [
        ("overturned", None, TODAY, "say how many dollars the payer paid on appeal"),
        ("overturned", 0.0, TODAY, "an overturned appeal recovers more than \\$0; record 'upheld' instead"),
        ("upheld", 0.0, None, "give the date of the payer's decision"),
        ("upheld", 0.0, TODAY + dt.timedelta(days=1), "is after today"),
        ("upheld", 0.0, TODAY - dt.timedelta(days=400), "is before the appeal was sent"),
        ("in_progress", None, None, "'in_progress' is not a final status"),
    ],
)
def test_a_decision_without_its_facts_is_refused_and_nothing_changes(appealed, status, amount, day, message):
    store, item = appealed
    with pytest.raises(InvalidUpdate, match=message):
        store.finish_item(item.id, item.version, "ann", status, "why", amount, day)
    assert store.get_item(item.id).version == item.version


def test_a_write_off_needs_a_reason(store):
    store.upsert_items(sample_items(3, today=TODAY))
    item = store.list_items(limit=1).items[0]
    with pytest.raises(InvalidUpdate, match="say why the item is written off"):
        store.finish_item(item.id, item.version, "ann", "written_off", "  ")
    with pytest.raises(InvalidUpdate, match="dollars and a decision date go with overturned or upheld only"):
        store.finish_item(item.id, item.version, "ann", "written_off", "small", 10.0)
    done = store.finish_item(item.id, item.version, "ann", "written_off", "below the cost of an appeal")
    assert done.status == "written_off" and done.recovered_amount is None


def test_undo_puts_the_item_back_for_the_same_person_within_the_window(appealed):
    store, item = appealed
    done = store.finish_item(item.id, item.version, "ann", "upheld", "denial stands", 0.0, TODAY)
    with pytest.raises(IllegalTransition, match="only the person who closed it can undo it, within 10 minutes"):
        store.undo_final(item.id, done.version, "bob")
    back = store.undo_final(item.id, done.version, "ann")
    assert (back.status, back.recovered_amount, back.decided_at) == ("appealed", None, None)
    assert back.history[-2].field == "status" and back.history[-2].new == "appealed"
    assert back.history[-2].note.startswith("undo of upheld set at")
    with pytest.raises(IllegalTransition, match="is 'appealed', not final: nothing to undo"):
        store.undo_final(item.id, back.version, "ann")


def test_undo_after_the_window_is_refused(appealed):
    store, item = appealed
    done = store.finish_item(item.id, item.version, "ann", "upheld", "denial stands", 0.0, TODAY)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)
    with store.engine.begin() as connection:  # the history is append-only in the ORM: age it in SQL
        connection.execute(update(WorklistHistory).where(WorklistHistory.item_id == item.id).values(at=long_ago))
    with pytest.raises(IllegalTransition, match="within 10 minutes"):
        store.undo_final(item.id, done.version, "ann")
