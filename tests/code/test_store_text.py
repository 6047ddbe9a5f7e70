"""One text policy on every store: control characters are refused, naming the field, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from denial_ml.store import InvalidItems, InvalidText
from denial_ml.store.testing import sample_items

BAD = ["nul\x00inside", "bell\x07", "escape\x1b[31m", "del\x7f", "next-line\x85", "line\nbreak"]
NOTE_BAD = ["nul\x00inside", "bell\x07", "escape\x1b[31m", "del\x7f", "next-line\x85"]


@pytest.fixture
def item(store):
    store.upsert_items(sample_items(3, seed=1))
    return store.list_items(limit=1).items[0]


@pytest.mark.parametrize("text", BAD)
def test_lookups_refuse_control_characters(store, item, text):
    with pytest.raises(InvalidText, match="api_key contains the control character"):
        store.authenticate(f"dml_{text}_secret")
    with pytest.raises(InvalidText, match="claim_id"):
        store.record_outcome(text, "upheld", 0.0, "someone")
    for name in ("payer", "assignee", "status", "category", "route"):
        with pytest.raises(InvalidText, match=name):
            store.list_items(**{name: text})


@pytest.mark.parametrize("text", BAD)
def test_changes_refuse_control_characters(store, item, text):
    with pytest.raises(InvalidText, match="assignee"):
        store.update_item(item.id, item.version, "someone", assignee=text)
    with pytest.raises(InvalidText, match="actor"):
        store.update_item(item.id, item.version, text, status="in_progress")
    with pytest.raises(InvalidText, match="owner"):
        store.create_key(text, "biller")
    assert store.get_item(item.id).version == item.version  # nothing written


@pytest.mark.parametrize("text", NOTE_BAD)
def test_notes_refuse_control_characters_but_keep_tabs_and_line_breaks(store, item, text):
    with pytest.raises(InvalidText, match="note"):
        store.update_item(item.id, item.version, "someone", note=text)
    saved = store.update_item(item.id, item.version, "someone", note="first line\n\tsecond\r\n")
    assert store.get_item(saved.id).notes[-1].text == "first line\n\tsecond"


@pytest.mark.parametrize("column", ["claim_id", "payer_name", "route_reason"])
def test_upserts_refuse_control_characters(store, column):
    items = sample_items(2, seed=2)
    items.loc[1, column] = "bad\x00text"
    with pytest.raises(InvalidItems, match=f"{column} has a control character"):
        store.upsert_items(items)
    assert store.list_items().total == 0
