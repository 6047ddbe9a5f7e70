"""Edited appeal letters: saved per item with who and when, a stale save refused, reset back to the draft, frozen
once the item is appealed, bad text refused."""

from __future__ import annotations

import pytest

from denial_ml.store import IllegalTransition, InvalidText, InvalidUpdate, StaleVersion, UnknownItem
from denial_ml.store.letters import MAX_LETTER
from denial_ml.store.testing import sample_items


@pytest.fixture
def two_items(store):
    store.upsert_items(sample_items(2))
    first, second = store.list_items(limit=2).items
    return store, first, second


def test_a_letter_is_saved_per_item_read_back_and_reset_to_the_draft(two_items):
    store, item, other = two_items
    assert store.get_letter(item.id) is None
    saved = store.save_letter(item.id, 0, "ann", "Dear payer,\r\n\r\nPlease pay.  \r\n")
    assert (saved.text, saved.edited_by, saved.version) == ("Dear payer,\n\nPlease pay.", "ann", 1)
    again = store.save_letter(item.id, 1, "bob", "Dear payer,\n\nPlease pay claim C1.")
    read = store.get_letter(item.id)
    assert (read.text, read.edited_by, read.version) == ("Dear payer,\n\nPlease pay claim C1.", "bob", 2)
    assert read.edited_at >= saved.edited_at and read.edited_at.tzinfo is not None
    assert again.version == 2 and store.get_letter(other.id) is None
    assert store.reset_letter(item.id, 2, "ann") is True
    reset = store.get_letter(item.id)
    assert (reset.text, reset.edited_by, reset.version) == (None, "ann", 3)
    assert store.reset_letter(item.id, 3, "ann") is False  # nothing left to discard
    history = [(h.actor, h.field, h.old, h.new) for h in store.get_item(item.id).history]
    assert history == [
        ("ann", "letter", "draft", "edited (version 1)"),
        ("bob", "letter", "edited", "edited (version 2)"),
        ("ann", "letter", "edited (version 2)", "draft"),
    ]
    assert store.get_item(item.id).version == item.version  # the letter has its own version, the item's moves not


def test_a_save_over_a_newer_letter_is_refused_even_after_a_reset(two_items):
    store, item, _ = two_items
    store.save_letter(item.id, 0, "ann", "First")
    with pytest.raises(
        StaleVersion, match=rf"letter of item {item.id} was changed by ann .*version 1, you saw version 0"
    ):
        store.save_letter(item.id, 0, "bob", "Second")
    store.reset_letter(item.id, 1, "ann")
    store.save_letter(item.id, 2, "ann", "Third")
    with pytest.raises(StaleVersion, match="version 3, you saw version 1"):  # bob's page showed "First"
        store.reset_letter(item.id, 1, "bob")
    assert store.get_letter(item.id).text == "Third"


def test_an_appealed_items_letter_is_the_one_sent_and_cannot_change(two_items):
    store, item, _ = two_items
    store.save_letter(item.id, 0, "ann", "Sent text")
    moved = store.update_item(item.id, item.version, "ann", status="in_progress")
    store.update_item(item.id, moved.version, "ann", status="appealed")
    with pytest.raises(IllegalTransition, match=f"item {item.id} is appealed: its letter can be edited only while"):
        store.save_letter(item.id, 1, "ann", "Changed after sending")
    with pytest.raises(IllegalTransition, match="its letter can be reset only while new or in progress"):
        store.reset_letter(item.id, 1, "ann")
    assert store.get_letter(item.id).text == "Sent text"


@pytest.mark.parametrize(
    ("text", "actor", "error", "message"),
    [
        (" \r\n ", "ann", InvalidUpdate, "the letter is empty; write it, or reset it to the draft"),
        ("x" * (MAX_LETTER + 1), "ann", InvalidUpdate, "the letter has 20,001 characters; at most 20,000 are kept"),
        ("Dear\x00payer", "ann", InvalidText, "letter contains the control character U\\+0000"),
        ("Dear payer", " ", InvalidUpdate, "actor is empty"),
    ],
)
def test_bad_letters_are_refused_and_nothing_is_stored(two_items, text, actor, error, message):
    store, item, _ = two_items
    with pytest.raises(error, match=message):
        store.save_letter(item.id, 0, actor, text)
    assert store.get_letter(item.id) is None
    assert store.get_item(item.id).history == []


def test_an_unknown_item_has_no_letter_to_save(store):
    with pytest.raises(UnknownItem, match="no worklist item with id 404"):
        store.save_letter(404, 0, "ann", "Dear payer")
