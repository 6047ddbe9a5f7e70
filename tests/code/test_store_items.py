"""Worklist upsert, filters, paging and the outcomes feedback frame, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from denial_ml.store import InvalidItems, InvalidUpdate, UnknownStatus, WorklistStore, upsert_items
from denial_ml.store.models import WorklistItem
from denial_ml.store.queries import OUTCOME_COLUMNS
from denial_ml.store.testing import sample_items

TODAY = dt.date(2027, 3, 1)


def _count(store: WorklistStore) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(WorklistItem))


def test_upsert_rescores_but_keeps_workflow_state(store):
    items = sample_items(20, today=TODAY)
    assert store.upsert_items(items) == type(store.upsert_items(items.iloc[:0]))(inserted=20, updated=0)
    first = store.list_items(limit=20).items
    top = first[0]
    store.update_item(top.id, top.version, "ann", status="in_progress", assignee="ann", note="mine")
    rescored = items.copy()
    rescored["expected_recovery"] = -rescored["expected_recovery"]  # reverses the order
    rescored["model_version"] = "test-2"
    extra = sample_items(25, today=TODAY).iloc[20:]
    result = upsert_items(store, pd.concat([rescored, extra]))
    assert (result.inserted, result.updated) == (5, 20)
    again = store.get_item(top.id)
    assert (again.status, again.assignee, again.model_version) == ("in_progress", "ann", "test-2")
    assert again.expected_recovery == -top.expected_recovery
    assert again.version == top.version + 2  # one for the user's change, one for the rescoring
    assert [n.text for n in again.notes] == ["mine"] and len(again.history) == 3
    assert _count(store) == 25


def test_upsert_through_a_session_leaves_the_commit_to_the_caller(store):
    with store.session() as session:
        upsert_items(session, sample_items(3, today=TODAY))
        session.rollback()
    assert _count(store) == 0
    with store.session() as session:
        upsert_items(session, sample_items(3, today=TODAY))
        session.commit()
    assert _count(store) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="route"), r"missing required column\(s\) route"),
        (lambda f: f.assign(colour="red"), r"unknown column\(s\) colour"),
        (
            lambda f: f.assign(route=["appeal", "fax", "appeal"]),
            r"route is not one of .* at row 1 \(claim 'C000001'\)",
        ),
        (lambda f: f.assign(p_overturn=[0.1, 0.2, 1.5]), r"p_overturn is outside \[0, 1\] at row 2"),
        (lambda f: f.assign(claim_id=["A", "B", "A"]), "claim_id appears more than once at row 0 .* row 2"),
        (lambda f: f.assign(category=["coding", "luck", "coding"]), "category is not one of"),
        (
            lambda f: f.assign(denied_amount=[1.0, None, 2.0]),
            "denied_amount is missing or not a finite number",
        ),
        (lambda f: f.assign(expected_payment=[1.0, -2.0, 2.0]), "expected_payment is negative at row 1"),
        (
            lambda f: f.assign(appeal_deadline=["2027-01-01", "soon", None]),
            "appeal_deadline is not a date at row 1",
        ),
    ],
)
def test_bad_item_frames_are_refused_and_nothing_is_written(store, change, message):
    with pytest.raises(InvalidItems, match=message):
        store.upsert_items(change(sample_items(3, today=TODAY)))
    assert _count(store) == 0


def test_filters_paging_and_sort(store):
    items = sample_items(300, today=TODAY)
    store.upsert_items(items)
    truth = items.sort_values("expected_recovery", ascending=False, kind="stable")
    page = store.list_items(offset=10, limit=25)
    assert page.total == 300 and len(page.items) == 25
    assert [i.claim_id for i in page.items] == list(truth["claim_id"].iloc[10:35])

    chosen = items[(items["payer_id"] == "P3") & (items["category"] == "coding")]
    page = store.list_items(payer="P3", category="coding", limit=1000)
    assert page.total == len(chosen) > 0
    assert {i.claim_id for i in page.items} == set(chosen["claim_id"])
    assert store.list_items(payer="Payer 3", category="coding").total == len(chosen)  # by name too

    rich = items[items["expected_recovery"] >= 100]
    assert store.list_items(min_expected_recovery=100).total == len(rich)
    soon = items[(items["appeal_deadline"] >= TODAY) & (items["appeal_deadline"] <= TODAY + dt.timedelta(days=14))]
    assert store.list_items(deadline_within_days=14, today=TODAY).total == len(soon) > 0
    assert store.list_items(route="write_off").total == int((items["route"] == "write_off").sum())


def test_status_and_assignee_filters(store):
    store.upsert_items(sample_items(10, today=TODAY))
    ids = [i.id for i in store.list_items().items]
    for item_id in ids[:3]:
        store.update_item(item_id, 1, "ann", status="in_progress", assignee="ann")
    assert store.list_items(status="in_progress").total == 3
    assert store.list_items(status="new").total == 7
    assert {i.id for i in store.list_items(assignee="ann").items} == set(ids[:3])
    assert store.list_items(assignee="bob").total == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"status": "closed"}, UnknownStatus, "unknown status 'closed'"),
        ({"route": "fax"}, InvalidUpdate, "unknown route 'fax'"),
        ({"limit": 0}, InvalidUpdate, "limit in 1..1000"),
        ({"offset": -1}, InvalidUpdate, "offset must be >= 0"),
        ({"deadline_within_days": -2}, InvalidUpdate, "deadline_within_days must be >= 0"),
    ],
)
def test_bad_filters_are_refused(store, kwargs, error, message):
    with pytest.raises(error, match=message):
        store.list_items(**kwargs)


def test_outcomes_flow_into_the_training_frame(store):
    items = sample_items(6, today=TODAY)
    store.upsert_items(items)
    by_claim = {i.claim_id: i for i in store.list_items().items}
    for claim in ("C000000", "C000001", "C000002"):
        item = by_claim[claim]
        v = store.update_item(item.id, item.version, "ann", status="in_progress").version
        store.update_item(item.id, v, "ann", status="appealed")
    store.record_outcome("C000000", "overturned", 210.5, "payer-feed")
    store.record_outcome("C000001", "upheld", 0, "payer-feed")
    frame = store.outcomes_frame()
    assert list(frame.columns[: len(OUTCOME_COLUMNS)]) == list(OUTCOME_COLUMNS)
    assert {"input_payment_basis", "input_cost"} <= set(frame.columns)
    assert list(frame["claim_id"]) == ["C000000", "C000001"]  # C000002 is still pending
    assert list(frame["overturned"]) == [True, False]
    assert list(frame["recovered_amount"]) == [210.5, 0.0]
    expected = items.set_index("claim_id").loc[["C000000", "C000001"], "p_overturn"]
    assert list(frame["p_overturn"]) == pytest.approx(list(expected))
    assert (frame["decided_at"] >= frame["appealed_at"]).all()


def test_bad_outcomes_are_refused(store):
    store.upsert_items(sample_items(2, today=TODAY))
    with pytest.raises(InvalidUpdate, match="outcome 'won' is not one of overturned, upheld"):
        store.record_outcome("C000000", "won", 10, "ann")
    with pytest.raises(Exception, match="no worklist item for claim 'nope'"):
        store.record_outcome("nope", "overturned", 10, "ann")
    with pytest.raises(Exception, match="cannot move item .* from 'new' to 'overturned'"):
        store.record_outcome("C000000", "overturned", 10, "ann")
    assert store.outcomes_frame().empty
    assert list(store.outcomes_frame().columns) == list(OUTCOME_COLUMNS)


def test_a_worklist_written_in_slices_is_one_transaction(store):
    from denial_ml.store.items import upsert_slices

    items = sample_items(6, today=TODAY)
    result = upsert_slices(store, [items.iloc[:4], items.iloc[4:]])
    assert (result.inserted, result.updated) == (6, 0)
    assert _count(store) == 6
    again = upsert_slices(store, [items.iloc[:2], items.iloc[2:]])
    assert (again.inserted, again.updated) == (0, 6)


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (lambda f: f.iloc[3:].assign(p_overturn=[0.1, 2.0, 0.3]), r"p_overturn is outside \[0, 1\] at row 1"),
        (lambda f: f.iloc[2:], "claim_id appears in two slices \\(claim 'C000002'\\)"),
    ],
)
def test_a_bad_slice_leaves_the_store_as_it_was(store, second, message):
    from denial_ml.store.items import upsert_slices

    items = sample_items(6, today=TODAY)
    store.upsert_items(items.iloc[:1])
    with pytest.raises(InvalidItems, match=message):
        upsert_slices(store, [items.iloc[:3], second(items)])
    assert _count(store) == 1  # the first slice, written in the same transaction, is gone too
