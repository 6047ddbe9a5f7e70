"""Job: draft appeal packets for worklist items and write them as DOCX (editable) and HTML (printable), and
corrected claims (837, frequency 7) for items routed to resubmit. A letter a user edited in the workbench is
written as edited (`denial_ml.store.letters`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from denial_ml.appeals.claim_records import NEEDED, OPTIONAL, RecordsIndex
from denial_ml.appeals.corrected import Correction, correct_claim, render_837
from denial_ml.appeals.packet import Packet, build_packet
from denial_ml.appeals.render import EditedLetter, to_docx, to_html
from denial_ml.data.claims_store import is_store
from denial_ml.data.io import WorldIOError, read_optional_tables, read_tables
from denial_ml.store import WorklistStore
from denial_ml.store.models import AppealLetter, WorklistItem
from denial_ml.store.queries import ItemFilter

log = logging.getLogger(__name__)
ITEM_FIELDS = ("claim_id", "payer_id", "payer_name", "category", "carc", "denied_amount", "appeal_deadline", "route")


@dataclass
class DraftResult:
    """What a drafting run wrote: letters, items with no appeal rights (and why), items without claim detail."""

    letters: list[Path] = field(default_factory=list)
    no_appeal: dict[str, str] = field(default_factory=dict)
    without_detail: list[str] = field(default_factory=list)
    corrected: list[Path] = field(default_factory=list)
    not_corrected: dict[str, str] = field(default_factory=dict)


@dataclass
class CorrectedClaim:
    """A resubmit item's corrected claim: what was fixed or why nothing could be, and the 837 when there is one."""

    correction: Correction | None
    x12: str | None
    reason: str  # why there is no 837 ("" when there is one)


BY_CLAIM = ("claims", "claim_lines", "remittances", "adjustments", "remarks")
BY_PATIENT = ("patients", "authorizations", "coverages")


def records_index(data_dir: Path, claim_ids: list[str]) -> RecordsIndex:
    """The records on file of `claim_ids`, read from a world folder or claims store.

    From a folder of Parquet tables only the rows of those claims and their patients are read (row-group
    filters: a page's one claim does not read a 200,000-claim world); a claims store is read whole.

    Raises:
        WorldIOError: the folder or a needed table is missing.
    """
    folder = Path(data_dir)
    if is_store(folder) or not folder.is_dir():
        tables = read_tables(folder, NEEDED) | read_optional_tables(folder, OPTIONAL)
        return RecordsIndex(tables, claim_ids)
    missing = [n for n in NEEDED if not (folder / f"{n}.parquet").is_file()]
    if missing:
        raise WorldIOError(f"table {missing[0]!r} is missing: no file {str(folder / (missing[0] + '.parquet'))!r}")
    wanted = sorted(set(claim_ids))
    tables = {n: _read_rows(folder / f"{n}.parquet", "claim_id", wanted) for n in BY_CLAIM}
    patients = sorted(set(tables["claims"]["patient_id"]))
    for name in BY_PATIENT:
        if (folder / f"{name}.parquet").is_file():
            tables[name] = _read_rows(folder / f"{name}.parquet", "patient_id", patients)
    tables |= {n: pd.read_parquet(folder / f"{n}.parquet") for n in ("payers", "providers")}
    return RecordsIndex(tables, claim_ids)


def _read_rows(path: Path, column: str, values: list[str]) -> pd.DataFrame:
    """The rows of a Parquet table whose `column` is one of `values`."""
    if not values:
        return pd.read_parquet(path).iloc[:0]
    return pd.read_parquet(path, filters=[(column, "in", values)])


def corrected_claim_of(index: RecordsIndex, claim_id: str, today: dt.date) -> CorrectedClaim:
    """The corrected claim of one denied claim, or why there is none (X12WriteError: the writer names the value)."""
    records = index.get(claim_id)
    if records is None:
        return CorrectedClaim(None, None, f"claim {claim_id} is not in the claims on file")
    correction = correct_claim(records)
    if not correction.ready:
        return CorrectedClaim(correction, None, "; ".join(correction.unfixed))
    return CorrectedClaim(correction, render_837(correction, records, today), "")


def packet_for(item: WorklistItem, today: dt.date) -> Packet:
    """The packet of a stored worklist item (its claim detail and payer contact as the build stored them)."""
    fields = {name: getattr(item, name) for name in ITEM_FIELDS}
    if fields["appeal_deadline"] is not None:
        fields["appeal_deadline"] = fields["appeal_deadline"].isoformat()
    detail = item.claim_detail or {}
    return build_packet(fields, detail, detail.get("contact"), today)


def edited_of(letter: AppealLetter | None) -> EditedLetter | None:
    """The saved edit of a letter row, None while it is the draft (no row, or a row reset to the draft)."""
    if letter is None or letter.text is None:
        return None
    return EditedLetter(letter.text, letter.edited_by, letter.edited_at.date())


def edited_letter(store: WorklistStore, item_id: int) -> EditedLetter | None:
    """The item's letter as a user edited and saved it, None while it is the draft."""
    return edited_of(store.get_letter(item_id))


def choose_items(store: WorklistStore, item_ids: list[int], top: int, route: str = "appeal") -> list[WorklistItem]:
    """The items named, or the `top` open items of `route` ("appeal", "resubmit") by expected recovery."""
    if item_ids:
        return [store.get_item(i) for i in item_ids]
    return store.list_items(ItemFilter(view="open_work", route=route), limit=top).items


def safe_name(claim_id: str) -> str:
    """A claim id as a file name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in claim_id)


def write_corrected(items: list[WorklistItem], data_dir: Path, out: Path, day: dt.date, result: DraftResult) -> None:
    """Write `<claim>.837` for each resubmit item with a fix on file; record why the others have none."""
    resubmit = [item for item in items if item.route == "resubmit"]
    if not resubmit:
        return
    index = records_index(data_dir, [item.claim_id for item in resubmit])
    for item in resubmit:
        corrected = corrected_claim_of(index, item.claim_id, day)
        if corrected.x12 is None:
            result.not_corrected[item.claim_id] = corrected.reason
            continue
        path = out / f"{safe_name(item.claim_id)}.837"
        path.write_text(corrected.x12, encoding="ascii")
        result.corrected.append(path)


def draft_packets(
    store: WorklistStore,
    out: Path,
    item_ids: list[int] | None = None,
    top: int = 20,
    today: dt.date | None = None,
    data_dir: Path | None = None,
    route: str = "appeal",
) -> DraftResult:
    """Write `<claim>.docx` and `<claim>.html` per chosen item into `out`, and with `data_dir` (the claims on
    file) `<claim>.837` per resubmit item whose fix the denial and the records give.

    Raises:
        UnknownItem: an item id that is not in the store.
        WorldIOError: `data_dir` or a table it needs is missing.
        X12WriteError: a corrected claim holds a value X12 cannot carry.
        OSError: `out` cannot be written.
    """
    day = today or dt.date.today()
    out.mkdir(parents=True, exist_ok=True)
    result = DraftResult()
    items = choose_items(store, item_ids or [], top, route)
    if data_dir is not None:
        write_corrected(items, data_dir, out, day, result)
    for n, item in enumerate(items, 1):
        if not item.claim_detail:
            result.without_detail.append(item.claim_id)
            continue
        packet = packet_for(item, day)
        if packet.kind == "no_appeal":
            result.no_appeal[item.claim_id] = packet.reason
        safe, edited = safe_name(item.claim_id), edited_letter(store, item.id)
        (out / f"{safe}.html").write_text(to_html(packet, day, edited), encoding="utf-8")
        if packet.kind == "letter":
            path = out / f"{safe}.docx"
            path.write_bytes(to_docx(packet, day, edited))
            result.letters.append(path)
        if n % 100 == 0:
            log.info("appeals draft: %d of %d items", n, len(items))
    return result
