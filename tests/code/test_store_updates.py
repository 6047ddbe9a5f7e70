"""Worklist status machine, versioned updates, conflicts and history, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from denial_ml.store import (
    IllegalTransition,
    InvalidUpdate,
    StaleVersion,
    UnknownItem,
    UnknownStatus,
    WorklistStore,
)
from denial_ml.store.models import WorklistHistory, WorklistItem, WorklistNote
from denial_ml.store.status import STATUSES, TRANSITIONS, check_transition
from denial_ml.store.testing import sample_items
from denial_ml.store.updates import change_item

# A path from "new" to every status, through legal moves only.
PATH_TO = {
    "new": [],
    "in_progress": ["in_progress"],
    "appealed": ["in_progress", "appealed"],
    "overturned": ["in_progress", "appealed", "overturned"],
    "upheld": ["in_progress", "appealed", "upheld"],
    "resubmitted": ["resubmitted"],
    "written_off": ["written_off"],
}
LEGAL = {
    ("new", "in_progress"),
    ("new", "resubmitted"),
    ("new", "written_off"),
    ("in_progress", "new"),
    ("in_progress", "appealed"),
    ("in_progress", "resubmitted"),
    ("in_progress", "written_off"),
    ("appealed", "overturned"),
    ("appealed", "upheld"),
}


def _counts(store: WorklistStore) -> tuple[int, int]:
    with store.session() as session:
        history = session.scalar(select(func.count()).select_from(WorklistHistory))
        notes = session.scalar(select(func.count()).select_from(WorklistNote))
    return history, notes


def _walk(store: WorklistStore, item_id: int, statuses: list[str]) -> int:
    version = store.get_item(item_id).version
    for status in statuses:
        version = store.update_item(item_id, version, "setup", status=status).version
    return version


def test_the_machine_allows_exactly_the_documented_moves():
    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert allowed == LEGAL
    assert set(PATH_TO) == set(STATUSES)


def test_illegal_transition_message_names_item_statuses_and_allowed_targets():
    with pytest.raises(IllegalTransition) as error:
        check_transition(42, "new", "overturned")
    assert str(error.value) == (
        "cannot move item 42 from 'new' to 'overturned'; allowed: 'in_progress', 'resubmitted', 'written_off'"
    )
    with pytest.raises(IllegalTransition, match=r"allowed: none \('upheld' is final\)"):
        check_transition(7, "upheld", "new")


def test_every_legal_and_illegal_transition_in_the_database(store):
    pairs = [(a, b) for a, b in itertools.product(STATUSES, STATUSES) if a != b]
    store.upsert_items(sample_items(len(pairs)))
    ids = [item.id for item in store.list_items(limit=len(pairs)).items]
    for item_id, (source, target) in zip(ids, pairs, strict=True):
        version = _walk(store, item_id, PATH_TO[source])
        before = _counts(store)
        if (source, target) in LEGAL:
            item = store.update_item(item_id, version, "ann", status=target)
            assert (item.status, item.version) == (target, version + 1), (source, target)
        else:
            with pytest.raises(IllegalTransition, match=f"from '{source}' to '{target}'"):
                store.update_item(item_id, version, "ann", status=target)
            stored = store.get_item(item_id)
            assert (stored.status, stored.version) == (source, version), (source, target)
            assert _counts(store) == before


def test_history_records_every_change_with_its_actor(store):
    store.upsert_items(sample_items(1))
    item = store.list_items().items[0]
    v = store.update_item(item.id, item.version, "ann", status="in_progress", assignee="ann").version
    v = store.update_item(item.id, v, "bob", assignee="bob", note="covering for Ann").version
    v = store.update_item(item.id, v, "bob", note="called payer").version
    v = store.update_item(item.id, v, "bob", status="appealed").version
    store.record_outcome(item.claim_id, "overturned", 150.0, "carol")
    detail = store.get_item(item.id)
    rows = [(h.actor, h.field, h.old, h.new, h.note) for h in detail.history]
    assert rows == [
        ("ann", "status", "new", "in_progress", None),
        ("ann", "assignee", None, "ann", None),
        ("bob", "assignee", "ann", "bob", "covering for Ann"),
        ("bob", "note", None, "covering for Ann", None),
        ("bob", "note", None, "called payer", None),
        ("bob", "status", "in_progress", "appealed", None),
        ("carol", "status", "appealed", "overturned", None),
        ("carol", "recovered_amount", None, "150.00", None),
    ]
    assert [(n.actor, n.text) for n in detail.notes] == [("bob", "covering for Ann"), ("bob", "called payer")]
    assert detail.version == v + 1 and detail.recovered_amount == 150.0
    assert detail.appealed_at is not None and detail.decided_at >= detail.appealed_at


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"status": "done"}, UnknownStatus, "unknown status 'done'; known: new, in_progress"),
        ({"item_id": 999_999}, UnknownItem, "no worklist item with id 999999"),
        ({"expected_version": 7}, StaleVersion, "is at version 1, not 7"),
        ({"actor": " "}, InvalidUpdate, "actor is empty"),
        ({"status": None}, InvalidUpdate, "nothing to change"),
        ({"note": "  "}, InvalidUpdate, "the note is empty"),
        ({"recovered_amount": 10.0}, InvalidUpdate, "goes with status 'overturned' or 'upheld'"),
    ],
)
def test_bad_updates_get_a_clear_error_and_change_nothing(store, kwargs, error, message):
    store.upsert_items(sample_items(1))
    item = store.list_items().items[0]
    call = {"item_id": item.id, "expected_version": 1, "actor": "ann", "status": "in_progress"} | kwargs
    with pytest.raises(error, match=message):
        store.update_item(**call)
    after = store.get_item(item.id)
    assert (after.status, after.version, after.assignee, after.updated_at) == (
        "new",
        1,
        None,
        item.updated_at,
    )
    assert _counts(store) == (0, 0)


def test_stale_version_from_the_api_is_refused(store):
    store.upsert_items(sample_items(1))
    item = store.list_items().items[0]
    store.update_item(item.id, 1, "ann", status="in_progress")
    with pytest.raises(StaleVersion, match=f"item {item.id} is at version 2, not 1"):
        store.update_item(item.id, 1, "bob", status="written_off", note="mine")
    after = store.get_item(item.id)
    assert (after.status, after.version) == ("in_progress", 2)
    assert [h.actor for h in after.history] == ["ann"] and after.notes == []


def test_concurrent_sessions_the_second_writer_gets_a_conflict(store):
    store.upsert_items(sample_items(1))
    item_id = store.list_items().items[0].id
    for _ in range(2):  # bring the item to version 3, as in the issue
        store.update_item(item_id, store.get_item(item_id).version, "setup", assignee=f"x{_}")
    first, second = store.session(), store.session()
    try:
        # Keep both objects referenced: the identity map is weak and would otherwise reload the row.
        mine, theirs = first.get(WorklistItem, item_id), second.get(WorklistItem, item_id)
        assert mine.version == theirs.version == 3
        change_item(first, item_id, 3, "ann", status="in_progress", note="ann's")
        first.commit()
        # The second session still holds version 3: its UPDATE ... WHERE version = 3 matches no row.
        with pytest.raises(StaleVersion, match="changed by someone else"):
            change_item(second, item_id, 3, "bob", status="written_off", note="bob's")
        second.rollback()
    finally:
        first.close()
        second.close()
    after = store.get_item(item_id)
    assert (after.status, after.version) == ("in_progress", 4)
    assert [n.text for n in after.notes] == ["ann's"]
    assert "bob" not in {h.actor for h in after.history}


def test_unassigning_and_same_status_are_handled(store):
    store.upsert_items(sample_items(1))
    item = store.list_items().items[0]
    v = store.update_item(item.id, 1, "ann", status="in_progress", assignee="ann").version
    same = store.update_item(item.id, v, "ann", status="in_progress")  # no change: no history, same version
    assert same.version == v
    back = store.update_item(item.id, v, "ann", status="new", assignee="")
    assert (back.status, back.assignee) == ("new", None)
    assert [(h.field, h.new) for h in store.get_item(item.id).history][-2:] == [
        ("status", "new"),
        ("assignee", None),
    ]


def test_history_rows_cannot_be_rewritten_through_the_orm(store):
    store.upsert_items(sample_items(1))
    item = store.list_items().items[0]
    store.update_item(item.id, 1, "ann", status="in_progress")
    with store.session() as session:
        row = session.scalars(select(WorklistHistory)).one()
        row.actor = "mallory"
        with pytest.raises(PermissionError, match="append-only"):
            session.flush()
