"""Saved worklist views: per user, replace by name, no paging kept, bounded, another user's view untouchable."""

from __future__ import annotations

import pytest

from denial_ml.store import InvalidUpdate
from denial_ml.store.saved_views import MAX_VIEWS, clean_query


def test_clean_query_drops_paging_and_orders_keys():
    assert clean_query("status=new&page=3&payer=P1&q=") == "payer=P1&status=new"


def test_views_are_saved_per_user_replaced_by_name_and_deleted_only_by_their_owner(store):
    first = store.save_view("ann", "Big appeals", "view=open_work&sort=recovery&page=2")
    store.save_view("ann", "Due soon", "deadline_within_days=14&sort=deadline")
    store.save_view("bob", "Big appeals", "payer=P1")
    again = store.save_view("ann", "Big appeals", "view=open_work&sort=odds")
    assert again.id == first.id
    assert [(v.name, v.query) for v in store.list_views("ann")] == [
        ("Big appeals", "sort=odds&view=open_work"),
        ("Due soon", "deadline_within_days=14&sort=deadline"),
    ]
    assert store.delete_view("bob", first.id) is False
    assert store.delete_view("ann", first.id) is True
    assert [v.name for v in store.list_views("ann")] == ["Due soon"]
    assert [v.query for v in store.list_views("bob")] == ["payer=P1"]


def test_bad_names_and_too_many_views_are_refused(store):
    with pytest.raises(InvalidUpdate, match="a view's name must be 1 to 80 characters, got 0"):
        store.save_view("ann", "   ", "status=new")
    for n in range(MAX_VIEWS):
        store.save_view("ann", f"view {n}", "status=new")
    with pytest.raises(InvalidUpdate, match="ann already has 50 saved views; delete one first"):
        store.save_view("ann", "one more", "status=new")
