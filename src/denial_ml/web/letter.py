"""The appeal letter of an item as the workbench shows it: the user's edited text when one is saved, else the
draft built from the facts on file; and the "Edit the letter" form's content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from denial_ml.appeals.render import EditedLetter, letter_text
from denial_ml.jobs.appeals import edited_of, packet_for
from denial_ml.store import WorklistStore
from denial_ml.store.letters import EDITABLE, letter_version
from denial_ml.store.models import WorklistItem


@dataclass(frozen=True)
class LetterForm:
    """What the form shows: the text in the box, the letter version it sends back, and the edit if any."""

    text: str
    version: int
    edited: EditedLetter | None


def letter_form(
    store: WorklistStore, item: WorklistItem, today: dt.date, typed: str | None = None
) -> LetterForm | None:
    """The form of an item whose letter can be edited now (None: no claim detail, no appeal rights, or the item
    is past being worked); `typed` keeps what the user typed when a save was refused."""
    if not item.claim_detail or item.status not in EDITABLE:
        return None
    packet = packet_for(item, today)
    if packet.kind != "letter":
        return None
    letter = store.get_letter(item.id)
    edited = edited_of(letter)
    text = typed if typed is not None else edited.text if edited is not None else letter_text(packet, today)
    return LetterForm(text=text, version=letter_version(letter), edited=edited)
