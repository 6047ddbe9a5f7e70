"""Outcomes of worklist items: the payer's decision or what became of the claim, recorded once.

An outcome names the item's version the caller read (another version is `StaleVersion`), may carry an
idempotency key (a re-send with the same key returns the first result and changes nothing), and never changes a
final item: a decided appeal is changed only by an explicit correction, which must say why and is written to
the history like any change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from denial_ml.store.errors import IllegalTransition, InvalidUpdate, StaleVersion
from denial_ml.store.models import WorklistHistory, WorklistItem, WorklistOutcome, utcnow
from denial_ml.store.status import DECIDED, TRANSITIONS
from denial_ml.store.text import check_text
from denial_ml.store.updates import change_item, check_actor, flush_or_conflict, item_id_for_claim, load_item

OUTCOMES: tuple[str, ...] = ("overturned", "upheld", "resubmitted", "written_off")


class KeyReused(StaleVersion):  # noqa: N818 (reads as the condition)
    """An idempotency key sent again with a different outcome."""


@dataclass(frozen=True)
class Outcome:
    """An outcome to record on the item of `claim_id`.

    Attributes:
        claim_id: The claim whose item it is.
        outcome: overturned, upheld, resubmitted or written_off.
        recovered_amount: Dollars recovered (overturned/upheld only; upheld defaults to 0).
        note: Free text kept as a note; required for a correction (why).
        expected_version: The item's version the caller read; None takes the current one (trusted feeds).
        idempotency_key: The caller's key for this outcome; a re-send with it is not applied again.
        correction: Change the outcome of an already decided appeal.
    """

    claim_id: str
    outcome: str
    recovered_amount: float | None = None
    note: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None
    correction: bool = False


@dataclass(frozen=True)
class OutcomeResult:
    """The item after the outcome; `replayed` when an earlier outcome with the same key answered."""

    claim_id: str
    item_id: int
    status: str
    version: int
    replayed: bool = False


def _amount(outcome: Outcome) -> float | None:
    if outcome.outcome not in OUTCOMES:
        known = ", ".join(OUTCOMES)
        raise InvalidUpdate(f"claim {outcome.claim_id!r}: outcome {outcome.outcome!r} is not one of {known}")
    if outcome.outcome not in DECIDED and outcome.recovered_amount is not None:
        raise InvalidUpdate(f"claim {outcome.claim_id!r}: a recovered amount goes with overturned or upheld")
    if outcome.recovered_amount is None and outcome.outcome == "upheld":
        return 0.0
    return None if outcome.recovered_amount is None else float(outcome.recovered_amount)


def _replay(session: Session, outcome: Outcome, amount: float | None) -> OutcomeResult | None:
    key = check_text("idempotency_key", outcome.idempotency_key)
    if key is None:
        return None
    earlier = session.scalar(select(WorklistOutcome).where(WorklistOutcome.idempotency_key == key))
    if earlier is None:
        return None
    item = load_item(session, earlier.item_id)
    same = (item.claim_id, earlier.outcome, earlier.recovered_amount, earlier.note, earlier.correction) == (
        outcome.claim_id,
        outcome.outcome,
        amount,
        outcome.note.strip() if outcome.note else None,
        outcome.correction,
    )
    if not same:
        raise KeyReused(f"idempotency key {key!r} was used for another outcome; use a new key for a new outcome")
    return OutcomeResult(item.claim_id, item.id, earlier.outcome, earlier.version, replayed=True)


def _correct(session: Session, item: WorklistItem, outcome: Outcome, amount: float | None, actor: str) -> None:
    if item.status not in DECIDED or outcome.outcome not in DECIDED:
        raise IllegalTransition(
            f"item {item.id}: a correction changes a decided appeal (overturned/upheld) into the other decision"
        )
    reason = (outcome.note or "").strip()
    if not reason:
        raise InvalidUpdate(f"item {item.id}: a correction needs a note saying why the recorded outcome was wrong")
    now, recovered = utcnow(), amount if amount is not None else item.recovered_amount
    old_amount = None if item.recovered_amount is None else f"{item.recovered_amount:.2f}"
    changes: list[tuple[str, str | None, str | None]] = [("correction", item.status, outcome.outcome)]
    if outcome.outcome != item.status:
        changes.append(("status", item.status, outcome.outcome))
    if recovered != item.recovered_amount:
        changes.append(("recovered_amount", old_amount, None if recovered is None else f"{recovered:.2f}"))
    for field, old, new in changes:
        session.add(WorklistHistory(item_id=item.id, at=now, actor=actor, field=field, old=old, new=new, note=reason))
    item.status, item.recovered_amount, item.decided_at, item.updated_at = outcome.outcome, recovered, now, now
    flush_or_conflict(session, item.id)


def record(session: Session, outcome: Outcome, actor: str) -> OutcomeResult:
    """Record `outcome` in `session` (the caller commits), or answer a re-send from the first recording.

    Raises:
        InvalidUpdate: a bad outcome, amount or text, or a correction without a note.
        UnknownItem: no item for the claim.
        StaleVersion: the item is not at `expected_version`, or the key was used for another outcome.
        IllegalTransition: the status machine refuses it, or the item is final and this is no correction.
    """
    actor = check_actor(actor)
    # The claim first: an outcome for a claim not on the worklist is "unknown" whatever else is wrong with it.
    item = load_item(session, item_id_for_claim(session, outcome.claim_id))
    amount = _amount(outcome)
    replayed = _replay(session, outcome, amount)
    if replayed is not None:
        return replayed
    version = item.version if outcome.expected_version is None else outcome.expected_version
    if item.version != version:
        raise StaleVersion(
            f"item {item.id} is at version {item.version}, not {version}: someone changed it after you read it"
        )
    if outcome.correction:
        _correct(session, item, outcome, amount, actor)
    elif not TRANSITIONS[item.status]:
        raise IllegalTransition(
            f"item {item.id} is already {item.status!r}: a final outcome changes only by a correction "
            "(correction: true, with a note saying why)"
        )
    else:
        change_item(
            session, item.id, version, actor, status=outcome.outcome, note=outcome.note, recovered_amount=amount
        )
    note = outcome.note.strip() if outcome.note else None
    row = WorklistOutcome(
        idempotency_key=outcome.idempotency_key,
        item_id=item.id,
        at=utcnow(),
        actor=actor,
        outcome=outcome.outcome,
        recovered_amount=amount,
        note=note,
        correction=outcome.correction,
        version=item.version,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same key sent twice at once: the other request recorded it
        key = outcome.idempotency_key
        raise StaleVersion(f"idempotency key {key!r} is being recorded by another request") from None
    return OutcomeResult(item.claim_id, item.id, item.status, item.version)
