"""Appeal packets: built only from facts on file (checked against the world's own records for every item of a
built worklist), no letter where the remarks carry no appeal rights, and DOCX/HTML that say the same."""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest

from denial_ml.appeals.packet import build_packet
from denial_ml.appeals.render import EditedLetter, docx_text, letter_text, text_blocks, to_docx, to_html

TODAY = dt.date(2026, 12, 7)


def html_escape(text: str) -> str:
    """As Jinja's autoescape writes it (the apostrophe as &#39;)."""
    return escape(text, quote=True).replace("&#x27;", "&#39;")


def detail(**claim) -> dict:
    return {
        "claim": {"service_date_from": "2026-01-05", "service_date_to": "2026-01-05", "submission_date": "2026-01-09",
                  "total_charge": 300.0, "billing_provider_npi": "1234567893", "prior_auth_number": None, **claim},
        "lines": [{"line_number": 1, "procedure_code": "97110", "revenue_code": None, "modifiers": ["GP"],
                   "units": 2, "line_charge": 200.0, "service_date": "2026-01-05"}],
        "remittances": [{"remit_id": "R1", "adjudication_date": "2026-02-01", "claim_status_code": "4",
                         "paid_amount": 0.0, "patient_responsibility": 0.0, "payer_claim_id": "PCN9",
                         "adjustments": [{"line_number": 1, "group_code": "CO", "carc": "197", "amount": 200.0,
                                          "text": ""}], "remarks": []}],
    }  # fmt: skip


ITEM = {"claim_id": "C1", "payer_id": "COM01", "payer_name": "Acme Health", "category": "authorization",
        "carc": "197", "denied_amount": 200.0, "appeal_deadline": "2026-04-01", "route": "appeal"}  # fmt: skip
CONTACT = {"appeal_address": "Appeals Unit, PO Box 1, Springfield, IL 62701", "appeal_fax": "(217) 555-0100",
           "appeal_portal": None}  # fmt: skip


def test_a_letter_uses_the_facts_and_leaves_out_a_sentence_whose_fact_is_missing():
    packet = build_packet(ITEM, detail(), CONTACT, TODAY)
    text = packet.text()
    assert packet.kind == "letter" and packet.title == "Request to reconsider: authorization"
    assert "Re: first-level appeal (reconsideration), claim C1" in text and "Payer claim number PCN9" in text
    assert "Billed $300.00; denied $200.00 on 2026-02-01" in text
    assert "line 1: CO-197 $200.00 (precertification/authorization/notification absent)" in text
    assert "Line 1: 97110 GP, 2 unit(s), $200.00 on 2026-01-05" in text
    assert "authorization {" not in text and "was on the claim" not in text  # no number on file: left out
    assert "Portal" not in text and "Fax (217) 555-0100" in text
    assert packet.deadline == "2026-04-01" and "Authorization approval letter or portal record" in packet.attachments
    with_number = build_packet(ITEM, detail(prior_auth_number="A77"), CONTACT, TODAY).text()
    assert "The service was authorized: authorization A77 was on the claim." in with_number


@pytest.mark.parametrize("rarc", ["MA130", "N211"])
def test_no_appeal_rights_means_no_letter_but_the_route(rarc):
    record = detail()
    record["remittances"][0]["remarks"] = [{"line_number": None, "rarc": rarc, "text": ""}]
    packet = build_packet(ITEM, record, CONTACT, TODAY)
    assert packet.kind == "no_appeal" and packet.reason.startswith(f"remark {rarc}: ")
    assert packet.paragraphs == [] and "No appeal for claim C1" in to_html(packet, TODAY)


def test_docx_and_html_say_what_the_packet_says():
    packet = build_packet(ITEM, detail(prior_auth_number="A77"), CONTACT, TODAY)
    words = docx_text(to_docx(packet, TODAY))
    html = to_html(packet, TODAY)
    for line in [*packet.subject, *packet.paragraphs, *packet.lines, *packet.attachments]:
        assert line in words
        assert html_escape(line) in html
    assert "send by 2026-04-01" in html


def test_the_text_to_edit_holds_every_part_of_the_draft_and_an_edit_prints_and_writes_as_typed():
    packet = build_packet(ITEM, detail(prior_auth_number="A77"), CONTACT, TODAY)
    text = letter_text(packet, TODAY)
    lines = text.split("\n")
    assert lines[:4] == ["2026-12-07", "", "Acme Health - Appeals", "Appeals Unit, PO Box 1, Springfield, IL 62701"]
    for part in [*packet.recipient, packet.title, *packet.subject, *packet.paragraphs, *packet.signature]:
        assert part in lines
    assert [f"- {a}" for a in packet.attachments] == lines[lines.index("Enclosed") + 2 : lines.index("Sincerely,") - 1]
    assert [block[0] for block in text_blocks(text)][:3] == ["2026-12-07", "Acme Health - Appeals", packet.title]
    edited = EditedLetter(text.replace("Billing office", "Billing office\nAda Example"), "ann", TODAY)
    html = to_html(packet, TODAY, edited)
    assert "<p>Billing office<br>Ada Example<br>Billing provider NPI 1234567893</p>" in html
    assert 'data-testid="edited">Edited by ann on 2026-12-07</strong>' in html
    words = docx_text(to_docx(packet, TODAY, edited)).split("\n")
    assert words[0] == "Edited by ann on 2026-12-07 (remove this line before sending)."
    assert words[1:] == [line for line in edited.text.split("\n") if line]
