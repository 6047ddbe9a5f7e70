"""The appeal packet of a worklist item, from its page: printable HTML or an editable Word document (the letter
as the user edited it in the workbench, when one is saved); and the corrected claim (837, frequency 7) of an
item routed to resubmit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse, Response

from denial_ml.appeals.packet import Packet
from denial_ml.appeals.render import to_docx, to_html
from denial_ml.data.io import WorldIOError
from denial_ml.ingest.x12_segments import X12WriteError
from denial_ml.jobs.appeals import corrected_claim_of, edited_letter, packet_for, records_index, safe_name
from denial_ml.service.state import ServicesDep
from denial_ml.store.models import WorklistItem
from denial_ml.web.auth import AppealsViewer, PageError
from denial_ml.web.routes.worklist import load_item

router = APIRouter(prefix="/ui/worklist", include_in_schema=False)
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _packet(services: ServicesDep, item_id: int) -> tuple[WorklistItem, Packet]:
    item = load_item(services.store, item_id)
    if not item.claim_detail:
        raise PageError(
            409, "No claim detail", "This item was built before claim details were kept: rebuild the worklist."
        )
    return item, packet_for(item, dt.date.today())


@router.get("/{item_id}/appeal.html")
def appeal_html(request: Request, viewer: AppealsViewer, services: ServicesDep, item_id: ItemId) -> Response:
    """The packet as a printable page (the draft note hides when printed)."""
    _, packet = _packet(services, item_id)
    edited = edited_letter(services.store, item_id)
    return HTMLResponse(to_html(packet, dt.date.today(), edited))


@router.get("/{item_id}/appeal.docx")
def appeal_docx(request: Request, viewer: AppealsViewer, services: ServicesDep, item_id: ItemId) -> Response:
    """The packet as a Word document to edit before sending."""
    item, packet = _packet(services, item_id)
    if packet.kind != "letter":
        raise PageError(409, "No appeal rights", f"No letter for claim {item.claim_id}: {packet.reason}.")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in item.claim_id)
    headers = {"Content-Disposition": f'attachment; filename="appeal-{name}.docx"'}
    edited = edited_letter(services.store, item_id)
    return Response(to_docx(packet, dt.date.today(), edited), media_type=DOCX, headers=headers)


@router.get("/{item_id}/corrected.837")
def corrected_claim(request: Request, viewer: AppealsViewer, services: ServicesDep, item_id: ItemId) -> Response:
    """The corrected claim to download, or a page saying why there is none (nothing invented)."""
    item = load_item(services.store, item_id)
    if item.route != "resubmit":
        raise PageError(409, "Not a resubmission", f"Claim {item.claim_id} is routed to {item.route}, not resubmit.")
    try:
        index = records_index(services.settings.data_dir, [item.claim_id])
        corrected = corrected_claim_of(index, item.claim_id, dt.date.today())
    except (WorldIOError, X12WriteError) as exc:
        raise PageError(409, "No corrected claim", f"The claims on file cannot give one: {exc}.") from None
    if corrected.x12 is None:
        raise PageError(
            409, "No corrected claim", f"Nothing on file says what to fix on claim {item.claim_id}: {corrected.reason}."
        )
    headers = {"Content-Disposition": f'attachment; filename="corrected-{safe_name(item.claim_id)}.837"'}
    return Response(corrected.x12, media_type="application/edi-x12", headers=headers)
