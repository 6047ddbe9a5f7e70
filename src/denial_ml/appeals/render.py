"""An appeal packet as printable HTML and as an editable Word document (bytes; the caller writes them), and as
plain text a user edits in the workbench; an edited letter is printed and written from that text instead."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

    from denial_ml.appeals.packet import Packet

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class EditedLetter:
    """A letter as a user edited it: its text and who saved it when (shown on the printable page and the DOCX)."""

    text: str
    edited_by: str
    edited_on: dt.date

    def note(self) -> str:
        """The line that says the letter is not the draft."""
        return f"Edited by {self.edited_by} on {self.edited_on.isoformat()}"


def letter_text(packet: Packet, today: dt.date) -> str:
    """The drafted letter as plain text to edit: its blocks in the printable page's order, a blank line apart."""
    blocks = [today.isoformat(), "\n".join(packet.recipient), packet.title, "\n".join(packet.subject)]
    blocks += packet.paragraphs
    if packet.lines:
        blocks += ["Lines under appeal", "\n".join(f"- {line}" for line in packet.lines)]
    blocks += ["Enclosed", "\n".join(f"- {a}" for a in packet.attachments), "Sincerely,", "\n".join(packet.signature)]
    return "\n\n".join(b for b in blocks if b)


def text_blocks(text: str) -> list[list[str]]:
    """An edited letter's blocks (a blank line apart), each as its lines."""
    return [block.split("\n") for block in text.split("\n\n") if block.strip()]


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def to_html(packet: Packet, today: dt.date, edited: EditedLetter | None = None) -> str:
    """The packet as one printable HTML page (the draft note hides when printed); `edited`: the user's text."""
    blocks = text_blocks(edited.text) if edited is not None else None
    template = _environment().get_template("packet.html")
    return template.render(p=packet, today=today.isoformat(), edited=edited, blocks=blocks)


def to_docx(packet: Packet, today: dt.date, edited: EditedLetter | None = None) -> bytes:
    """The packet as a .docx file the user edits before sending (python-docx); `edited`: the user's text."""
    from docx import Document

    document = Document()
    if edited is not None and packet.kind == "letter":
        document.add_paragraph().add_run(f"{edited.note()} (remove this line before sending).").italic = True
        for block in text_blocks(edited.text):
            document.add_paragraph("\n".join(block))  # python-docx writes each "\n" as a line break
    elif packet.kind == "no_appeal":
        document.add_heading(f"No appeal for claim {packet.claim_id}", level=1)
        document.add_paragraph(f"{packet.reason}.")
    else:
        document.add_paragraph(today.isoformat())
        document.add_paragraph("\n".join(packet.recipient))
        document.add_heading(packet.title, level=1)
        for line in packet.subject:
            document.add_paragraph().add_run(line).bold = True
        for paragraph in packet.paragraphs:
            document.add_paragraph(paragraph)
        if packet.lines:
            document.add_heading("Lines under appeal", level=2)
            for line in packet.lines:
                document.add_paragraph(line, style="List Bullet")
        document.add_heading("Enclosed", level=2)
        for attachment in packet.attachments:
            document.add_paragraph(attachment, style="List Bullet")
        document.add_paragraph("Sincerely,")
        document.add_paragraph("\n".join(packet.signature))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_text(data: bytes) -> str:
    """The text of a .docx (paragraphs in order), to check what a saved packet says."""
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
