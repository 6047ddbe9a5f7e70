"""Job: draft appeal packets for worklist items and write them as DOCX (editable) and HTML (printable)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from denial_ml.appeals.packet import Packet, build_packet
from denial_ml.appeals.render import to_docx, to_html
from denial_ml.store import WorklistStore
from denial_ml.store.models import WorklistItem
from denial_ml.store.queries import ItemFilter

log = logging.getLogger(__name__)
ITEM_FIELDS = ("claim_id", "payer_id", "payer_name", "category", "carc", "denied_amount", "appeal_deadline", "route")


@dataclass
class DraftResult:
    """What a drafting run wrote: letters, items with no appeal rights (and why), items without claim detail."""

    letters: list[Path] = field(default_factory=list)
    no_appeal: dict[str, str] = field(default_factory=dict)
    without_detail: list[str] = field(default_factory=list)


def packet_for(item: WorklistItem, today: dt.date) -> Packet:
    """The packet of a stored worklist item (its claim detail and payer contact as the build stored them)."""
    fields = {name: getattr(item, name) for name in ITEM_FIELDS}
    if fields["appeal_deadline"] is not None:
        fields["appeal_deadline"] = fields["appeal_deadline"].isoformat()
    detail = item.claim_detail or {}
    return build_packet(fields, detail, detail.get("contact"), today)


def choose_items(store: WorklistStore, item_ids: list[int], top: int) -> list[WorklistItem]:
    """The items named, or the `top` open appeals by expected recovery."""
    if item_ids:
        return [store.get_item(i) for i in item_ids]
    return store.list_items(ItemFilter(view="open_work", route="appeal"), limit=top).items


def draft_packets(
    store: WorklistStore, out: Path, item_ids: list[int] | None = None, top: int = 20, today: dt.date | None = None
) -> DraftResult:
    """Write `<claim>.docx` and `<claim>.html` per chosen item into `out`.

    Raises:
        UnknownItem: an item id that is not in the store.
        OSError: `out` cannot be written.
    """
    day = today or dt.date.today()
    out.mkdir(parents=True, exist_ok=True)
    result = DraftResult()
    items = choose_items(store, item_ids or [], top)
    for n, item in enumerate(items, 1):
        if not item.claim_detail:
            result.without_detail.append(item.claim_id)
            continue
        packet = packet_for(item, day)
        if packet.kind == "no_appeal":
            result.no_appeal[item.claim_id] = packet.reason
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in item.claim_id)
        (out / f"{safe}.html").write_text(to_html(packet, day), encoding="utf-8")
        if packet.kind == "letter":
            path = out / f"{safe}.docx"
            path.write_bytes(to_docx(packet, day))
            result.letters.append(path)
        if n % 100 == 0:
            log.info("appeals draft: %d of %d items", n, len(items))
    return result
