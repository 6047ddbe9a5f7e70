"""The worklist status machine, pure (no database).

new -> in_progress -> appealed -> overturned | upheld, and new | in_progress -> resubmitted | written_off.
`in_progress -> new` is allowed too: a biller hands an item back to the queue (the assignee is changed only
when the caller says so). overturned, upheld, resubmitted and written_off are final.
"""

from __future__ import annotations

from denial_ml.store.errors import IllegalTransition, UnknownStatus

STATUSES: tuple[str, ...] = (
    "new",
    "in_progress",
    "appealed",
    "overturned",
    "upheld",
    "resubmitted",
    "written_off",
)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("in_progress", "resubmitted", "written_off"),
    "in_progress": ("new", "appealed", "resubmitted", "written_off"),
    "appealed": ("overturned", "upheld"),
    "overturned": (),
    "upheld": (),
    "resubmitted": (),
    "written_off": (),
}
DECIDED: tuple[str, ...] = ("overturned", "upheld")
"""Statuses of an appeal the payer has decided: the training rows of the next recovery model."""

ROUTES: tuple[str, ...] = ("appeal", "resubmit", "write_off")


def check_status(status: str) -> str:
    """Return `status` when it is a known status.

    Raises:
        UnknownStatus: naming the value and the known statuses.
    """
    if status not in TRANSITIONS:
        raise UnknownStatus(f"unknown status {status!r}; known: {', '.join(STATUSES)}")
    return status


def check_transition(item_id: int, current: str, target: str) -> None:
    """Refuse a status change the machine does not allow.

    Raises:
        UnknownStatus: when `target` is not a status.
        IllegalTransition: naming the item, both statuses and the allowed targets.
    """
    check_status(target)
    allowed = TRANSITIONS[current]
    if target not in allowed:
        listed = ", ".join(repr(s) for s in allowed) if allowed else f"none ({current!r} is final)"
        raise IllegalTransition(f"cannot move item {item_id} from {current!r} to {target!r}; allowed: {listed}")
