"""Reading one claim loop (837 CLM, 835 CLP) the same way in both mappers: find its end, map it, and on a bad
value roll its rows back and report it, keeping the other claims of the set."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

from denial_ml.ingest.envelope import TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.values import BadValueError, element


def loop_end(segments: list[list[str]], start: int, end_tags: Collection[str]) -> int:
    """Index of the first segment after `segments[start]` whose tag is one of `end_tags` (or the end)."""
    end = start + 1
    while end < len(segments) and segments[end][0] not in end_tags:
        end += 1
    return end


Mark = TypeVar("Mark")  # whatever `mark()` returns and `rollback` takes back


def map_claim_loop(
    ts: TransactionSet,
    start: int,
    end_tags: Collection[str],
    issues: list[Issue],
    mark: Callable[[], Mark],
    rollback: Callable[[Mark], None],
    rows: Callable[[int, str], None],
) -> int:
    """Map the claim loop starting at `segments[start]` with `rows(end, claim_id)`.

    A `BadValueError` rolls the rows added since `mark()` back with `rollback` and becomes an issue naming the
    segment and the claim (element 1 of the loop's first segment); the loop's claim is left out.

    Returns:
        The index of the first segment after the loop.
    """
    end = loop_end(ts.segments, start, end_tags)
    claim_id = element(ts.segments[start], 1)
    marks = mark()
    try:
        rows(end, claim_id)
    except BadValueError as problem:
        rollback(marks)
        issues.append(Issue(ts.file, ts.segment_number(problem.index), f"{problem}; claim left out", "claim", claim_id))
    return end
