"""An appeal packet as printable HTML and as an editable Word document (bytes; the caller writes them)."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

    from denial_ml.appeals.packet import Packet

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def to_html(packet: Packet, today: dt.date) -> str:
    """The packet as one printable HTML page (the draft note hides when printed)."""
    return _environment().get_template("packet.html").render(p=packet, today=today.isoformat())


def to_docx(packet: Packet, today: dt.date) -> bytes:
    """The packet as a .docx file the user edits before sending (python-docx)."""
    from docx import Document

    document = Document()
    if packet.kind == "no_appeal":
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
