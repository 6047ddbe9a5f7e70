"""Editing an item's appeal letter on its page: the draft in a labelled box, save (printable page and Word draft
then carry it, with who edited it), a stale save keeps the user's text, reset back to the draft, CSRF, role."""

from __future__ import annotations

import datetime as dt
import html
import re

from test_web_auth import csrf
from test_web_worklist import appeals  # noqa: F401  (the signed-in appeals client fixture)

from denial_ml.appeals.render import docx_text
from denial_ml.store.queries import ItemFilter

TODAY = dt.date.today().isoformat()


def letter_item(store):
    """An in-progress item with claim C1's detail (a letter, not a no-appeal route)."""
    from test_triage_detail import tables

    from denial_ml.store.testing import sample_items
    from denial_ml.triage.detail import claim_details

    items = sample_items(1, seed=9).assign(claim_id="C1", route="appeal", category="coding", carc="97")
    items["claim_detail"] = [{**claim_details(tables(), ["C1"])[0], "appeal_cost": 57.23}]
    store.upsert_items(items)
    (item,) = [i for i in store.list_items(ItemFilter(search="C1"), limit=5).items if i.claim_id == "C1"]
    return store.update_item(item.id, item.version, "ann", status="in_progress")


def box(page: str) -> str:
    """The text in the letter box, as the browser reads it."""
    return html.unescape(re.search(r'<textarea id="letter-text"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_the_letter_is_edited_saved_printed_and_written_with_who_edited_it_then_reset(appeals):  # noqa: F811
    client, store = appeals
    item = letter_item(store)
    page = client.get(f"/ui/worklist/{item.id}").text
    assert '<label for="letter-text">Letter text</label>' in page
    draft = box(page)
    assert draft.startswith(TODAY) and "claim C1" in draft and "Line 2: 97140 59 GP" in draft
    assert "Reset to the draft" not in page  # nothing to reset yet
    edited = draft.replace("Billing office", "Billing office\nDr. Ada Example, practice manager")
    typed = edited.replace("\n", "\r\n")  # what a browser sends from a textarea
    saved = client.post(f"/ui/worklist/{item.id}/letter",
                        data={"csrf_token": csrf(page), "letter_version": "0", "text": typed})  # fmt: skip
    assert saved.status_code == 200 and "Letter saved" in saved.text
    assert box(saved.text) == edited
    assert f'data-testid="letter-edited">Edited by appeals-user on {TODAY}.' in saved.text
    assert "<strong>appeals-user</strong> changed letter from draft to edited (version 1)" in saved.text
    printable = client.get(f"/ui/worklist/{item.id}/appeal.html").text
    assert "<p>Billing office<br>Dr. Ada Example, practice manager<br>Billing provider NPI 1234567893</p>" in printable
    assert f'data-testid="edited">Edited by appeals-user on {TODAY}</strong>' in printable
    words = docx_text(client.get(f"/ui/worklist/{item.id}/appeal.docx").content)
    assert words.startswith(f"Edited by appeals-user on {TODAY} (remove this line before sending).\n{TODAY}\n")
    assert "Billing office\nDr. Ada Example, practice manager" in words
    reset = client.post(
        f"/ui/worklist/{item.id}/letter/reset", data={"csrf_token": csrf(saved.text), "letter_version": "1"}
    )
    assert reset.status_code == 200 and "Letter reset to the draft." in reset.text and box(reset.text) == draft
    assert "Dr. Ada Example" not in client.get(f"/ui/worklist/{item.id}/appeal.html").text
    assert "Dr. Ada Example" not in docx_text(client.get(f"/ui/worklist/{item.id}/appeal.docx").content)


def test_a_stale_save_keeps_the_users_text_and_names_who_saved_first(appeals):  # noqa: F811
    client, store = appeals
    item = letter_item(store)
    page = client.get(f"/ui/worklist/{item.id}").text
    store.save_letter(item.id, 0, "bob", "Bob's letter")
    mine = client.post(f"/ui/worklist/{item.id}/letter",
                       data={"csrf_token": csrf(page), "letter_version": "0", "text": "My letter"})  # fmt: skip
    assert mine.status_code == 409
    assert "Not saved: bob changed this letter first (now at version 1)" in html.unescape(mine.text)
    assert box(mine.text) == "My letter" and 'name="letter_version" value="1"' in mine.text
    assert store.get_letter(item.id).text == "Bob's letter"
    again = client.post(f"/ui/worklist/{item.id}/letter",
                        data={"csrf_token": csrf(mine.text), "letter_version": "1", "text": "My letter"})  # fmt: skip
    assert again.status_code == 200 and store.get_letter(item.id).text == "My letter"


def test_an_empty_letter_is_refused_and_an_appealed_items_letter_is_frozen(appeals):  # noqa: F811
    client, store = appeals
    item = letter_item(store)
    page = client.get(f"/ui/worklist/{item.id}").text
    empty = client.post(f"/ui/worklist/{item.id}/letter",
                        data={"csrf_token": csrf(page), "letter_version": "0", "text": "  \r\n "})  # fmt: skip
    assert (
        empty.status_code == 422 and "Not saved: the letter is empty; write it, or reset it to the draft." in empty.text
    )
    store.save_letter(item.id, 0, "ann", "The letter sent")
    store.update_item(item.id, item.version, "ann", status="appealed")
    appealed = client.get(f"/ui/worklist/{item.id}").text
    assert 'data-testid="letter-form"' not in appealed
    late = client.post(f"/ui/worklist/{item.id}/letter",
                       data={"csrf_token": csrf(appealed), "letter_version": "1", "text": "Changed"})  # fmt: skip
    assert late.status_code == 409 and "this item has no appeal letter to edit now" in late.text
    assert "The letter sent" in client.get(f"/ui/worklist/{item.id}/appeal.html").text


def test_a_letter_post_without_the_csrf_token_or_by_a_biller_is_refused(appeals):  # noqa: F811
    from test_web_auth import sign_in

    from denial_ml.service.testing import issue_keys

    client, store = appeals
    item = letter_item(store)
    forged = client.post(f"/ui/worklist/{item.id}/letter", data={"letter_version": "0", "text": "Forged"})
    assert forged.status_code == 403 and "Form refused" in forged.text
    biller = issue_keys(store)["biller"]
    client.cookies.clear()
    sign_in(client, biller)
    page = client.get("/ui/claims/check").text
    refused = client.post(f"/ui/worklist/{item.id}/letter",
                          data={"csrf_token": csrf(page), "letter_version": "0", "text": "Biller's"})  # fmt: skip
    assert refused.status_code == 403 and "Not for your role" in refused.text
    assert store.get_letter(item.id) is None


def test_the_api_and_the_batch_draft_carry_the_edited_letter(appeals, tmp_path):  # noqa: F811
    from denial_ml.jobs.appeals import draft_packets
    from denial_ml.service.testing import issue_keys

    client, store = appeals
    item = letter_item(store)
    draft = draft_packets(store, tmp_path / "before", [item.id], today=dt.date.today())
    assert "Edited by" not in docx_text(draft.letters[0].read_bytes())
    store.save_letter(item.id, 0, "ann", "Dear payer,\n\nPlease pay claim C1.")
    header = {"X-API-Key": issue_keys(store)["appeals"]}
    page = client.get(f"/v1/worklist/{item.id}/appeal-packet", params={"format": "html"}, headers=header).text
    assert "<p>Please pay claim C1.</p>" in page and f"Edited by ann on {TODAY}" in page
    word = client.get(f"/v1/worklist/{item.id}/appeal-packet", params={"format": "docx"}, headers=header)
    assert docx_text(word.content).endswith("Dear payer,\nPlease pay claim C1.")
    written = draft_packets(store, tmp_path / "after", [item.id], today=dt.date.today())
    assert docx_text(written.letters[0].read_bytes()) == (
        f"Edited by ann on {TODAY} (remove this line before sending).\nDear payer,\nPlease pay claim C1."
    )
    assert "<p>Please pay claim C1.</p>" in (tmp_path / "after" / "C1.html").read_text()
