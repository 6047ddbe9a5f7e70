"""Worklist views, search, sorting, per-user counts and "ranked as of", on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from denial_ml.store import InvalidUpdate
from denial_ml.store.queries import OPEN, SORTS, ItemFilter
from denial_ml.store.testing import sample_items

TODAY = dt.date(2027, 3, 1)


@pytest.fixture
def filled(store):
    items = sample_items(60, today=TODAY)
    items.loc[items.index[:8], "route"] = "resubmit"
    items.loc[items.index[5], "appeal_deadline"] = None
    store.upsert_items(items)
    return store, items


def test_open_work_is_the_open_appeals_and_resubmissions(filled):
    store, items = filled
    first = store.list_items(limit=1).items[0]
    store.update_item(first.id, first.version, "ann", status="written_off")
    page = store.list_items(ItemFilter(view="open_work"), limit=100)
    assert {i.route for i in page.items} <= {"appeal", "resubmit"}
    assert {i.status for i in page.items} <= set(OPEN)
    expected = int(items["route"].isin(["appeal", "resubmit"]).sum()) - int(first.route != "write_off")
    assert page.total == expected
    assert store.list_items(ItemFilter(view="all"), limit=1).total == 60
    # A route or status the user picks replaces the view's own.
    write_offs = store.list_items(ItemFilter(view="open_work", route="write_off"), limit=100)
    assert write_offs.total == int((items["route"] == "write_off").sum()) - int(first.route == "write_off")
    assert store.list_items(ItemFilter(view="open_work", status="written_off"), limit=5).total == 1


def test_search_finds_part_of_a_claim_id_in_any_case_and_takes_wildcards_literally(filled):
    store, _ = filled
    assert [i.claim_id for i in store.list_items(ItemFilter(search="c00004"), limit=100).items] == sorted(
        [f"C0000{d}" for d in range(40, 50)],
        key=lambda c: -next(i.expected_recovery for i in store.list_items(limit=100).items if i.claim_id == c),
    )
    assert store.list_items(ItemFilter(search="%"), limit=10).total == 0
    assert store.list_items(ItemFilter(search="C_0"), limit=10).total == 0


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_orders_the_whole_list_and_pages_do_not_overlap(filled, sort):
    store, _ = filled
    column, natural = SORTS[sort]
    pages = [store.list_items(offset=o, limit=25, sort=sort).items for o in (0, 25, 50)]
    rows = [item for page in pages for item in page]
    assert len(rows) == 60 and len({i.id for i in rows}) == 60
    values = [getattr(i, column) for i in rows if getattr(i, column) is not None]
    assert values == sorted(values, reverse=natural)
    if sort == "deadline":
        assert getattr(rows[-1], column) is None  # no deadline: last
    flipped = store.list_items(limit=60, sort=sort, descending=not natural).items
    flipped_values = [getattr(i, column) for i in flipped if getattr(i, column) is not None]
    assert flipped_values == sorted(flipped_values, reverse=not natural)


def test_unknown_sort_and_view_are_refused_by_name(store):
    with pytest.raises(InvalidUpdate, match="unknown sort 'colour'; known: recovery, deadline"):
        store.list_items(sort="colour")
    with pytest.raises(InvalidUpdate, match="unknown view 'mine'; known: open_work, open, all"):
        store.list_items(ItemFilter(view="mine"))


def test_assignee_counts_and_ranked_as_of(filled):
    store, _ = filled
    for item in store.list_items(limit=3).items:
        store.update_item(item.id, item.version, "ann", assignee="ann")
    item = store.list_items(offset=3, limit=1).items[0]
    store.update_item(item.id, item.version, "bob", assignee="bob")
    assert store.assignee_counts() == {None: 56, "ann": 3, "bob": 1}
    assert store.assignee_counts(ItemFilter(assignee="ann")) == {"ann": 3}
    ranked = store.ranked_as_of()
    assert ranked is not None and ranked.tzinfo is not None
    assert abs((dt.datetime.now(dt.UTC) - ranked).total_seconds()) < 600


def test_ranked_as_of_is_none_before_any_build(store):
    assert store.ranked_as_of() is None
