"""`/v1/worklist/{item_id}/appeal-packet` and `/corrected-claim`: what an item sends to the payer (role appeals).

The packet is the one the item page and `denial-ml appeals draft` give (facts on file only); the corrected
claim is the 837 replacement (frequency 7) of an item routed to resubmit, built from the claims on file in the
configured data folder, or the reasons there is none.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse, Response

from denial_ml.api.deps import AppealsDep, StoreDep
from denial_ml.appeals.packet import Packet
from denial_ml.appeals.render import to_docx, to_html
from denial_ml.data.io import WorldIOError
from denial_ml.ingest.x12_segments import X12WriteError
from denial_ml.jobs.appeals import corrected_claim_of, edited_letter, packet_for, records_index, safe_name
from denial_ml.service.schemas import error_responses
from denial_ml.service.state import ServicesDep
from denial_ml.store import UnknownItem, WorklistStore
from denial_ml.store.models import WorklistItem

router = APIRouter(prefix="/v1/worklist", tags=["worklist"])
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The item's id.")]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NO_PACKET = "The item has no claim detail (rebuild the worklist), or no letter when `format` is docx."
CONFLICT: dict[int | str, dict[str, Any]] = {409: {**error_responses(409)[409], "description": NO_PACKET}}


class AppealPacketOut(BaseModel):
    """A drafted appeal packet: the letter's parts and the attachments, or why there is no letter."""

    claim_id: str
    kind: Literal["letter", "no_appeal"] = Field(description="`no_appeal`: the remarks carry no appeal rights.")
    reason: str = Field(description="Why there is no letter (empty for a letter).")
    title: str
    recipient: list[str]
    subject: list[str]
    paragraphs: list[str]
    lines: list[str] = Field(description="The billed lines under appeal.")
    attachments: list[str]
    signature: list[str]
    deadline: dt.date | None = Field(description="The appeal deadline on file.")
    text: str = Field(description="The whole letter as plain text.")


class CorrectedClaimOut(BaseModel):
    """The corrected claim (837 replacement, CLM05-3 = 7) of an item routed to resubmit, or why there is none."""

    claim_id: str
    payer_claim_id: str | None = Field(description="The payer's claim control number, sent in REF*F8.")
    fixes: list[str] = Field(description="What was changed, each naming the fact on file it comes from.")
    unfixed: list[str] = Field(description="What the denial asks that nothing on file answers (not invented).")
    x12: str | None = Field(description="The 837 interchange; null when no fix could be derived.")


def _item(store: WorklistStore, item_id: int) -> WorklistItem:
    try:
        return store.get_item(item_id)
    except UnknownItem as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


def _packet_out(packet: Packet) -> AppealPacketOut:
    deadline = dt.date.fromisoformat(packet.deadline) if packet.deadline else None
    fields = {n: getattr(packet, n) for n in AppealPacketOut.model_fields if n not in ("deadline", "text")}
    return AppealPacketOut(**fields, deadline=deadline, text=packet.text() if packet.kind == "letter" else "")


@router.get(
    "/{item_id}/appeal-packet",
    response_model=AppealPacketOut,
    responses={
        200: {
            "description": "The packet: JSON (default), an editable Word document, or a printable page.",
            "content": {
                DOCX: {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **error_responses(401, 403, 404),
        **CONFLICT,
    },
    summary="The item's appeal packet (JSON, DOCX or HTML)",
)
def get_appeal_packet(
    caller: AppealsDep,
    store: StoreDep,
    item_id: ItemId,
    format: Annotated[
        Literal["json", "docx", "html"], Query(description="json, docx (to edit) or html (to print).")
    ] = "json",  # noqa: A002
) -> AppealPacketOut | Response:
    """A letter built only from the facts on file (claim, lines, the remittance's codes, authorization, payer
    contact, deadline) with the argument for its denial category and the attachments list; remarks without
    appeal rights (MA130, N211) give no letter but the reason. DOCX and HTML carry the letter as a user edited
    it in the workbench, when one is saved; JSON is the draft."""
    item = _item(store, item_id)
    if not item.claim_detail:
        raise HTTPException(status.HTTP_409_CONFLICT, f"item {item_id} has no claim detail: rebuild the worklist")
    today = dt.date.today()
    packet = packet_for(item, today)
    if format == "html":
        return HTMLResponse(to_html(packet, today, edited_letter(store, item_id)))
    if format == "docx":
        if packet.kind != "letter":
            raise HTTPException(status.HTTP_409_CONFLICT, f"no letter for claim {item.claim_id}: {packet.reason}")
        headers = {"Content-Disposition": f'attachment; filename="appeal-{safe_name(item.claim_id)}.docx"'}
        return Response(to_docx(packet, today, edited_letter(store, item_id)), media_type=DOCX, headers=headers)
    return _packet_out(packet)


@router.get(
    "/{item_id}/corrected-claim",
    response_model=CorrectedClaimOut,
    responses={
        **error_responses(401, 403, 404),
        409: {
            "model": error_responses(409)[409]["model"],
            "description": "The item is not routed to resubmit, or the claims on file cannot be read.",
        },
    },  # fmt: skip
    summary="The corrected claim (837, frequency 7) of a resubmit item",
)
def get_corrected_claim(
    caller: AppealsDep, store: StoreDep, services: ServicesDep, item_id: ItemId
) -> CorrectedClaimOut:
    """The replacement claim with the fix the denial's codes and the records on file give (authorization on
    file, member id on the coverage, a modifier the payer's rule requires or refuses, the only diagnosis as
    pointer), the payer's claim number in REF*F8; with no fix on file, `x12` is null and `unfixed` says why."""
    item = _item(store, item_id)
    if item.route != "resubmit":
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"item {item_id} is routed to {item.route}, not resubmit: no corrected claim"
        )
    try:
        index = records_index(services.settings.data_dir, [item.claim_id])
        corrected = corrected_claim_of(index, item.claim_id, dt.date.today())
    except (WorldIOError, X12WriteError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"no corrected claim: {exc}") from None
    correction = corrected.correction
    return CorrectedClaimOut(
        claim_id=item.claim_id,
        payer_claim_id=correction.claim.get("original_claim_id") if correction else None,
        fixes=correction.fixes if correction else [],
        unfixed=correction.unfixed if correction else [corrected.reason],
        x12=corrected.x12,
    )
