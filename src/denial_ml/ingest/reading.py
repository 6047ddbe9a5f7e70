"""Mapping the transaction sets of one file as the envelope gives them, one set at a time.

`SetMapper` is the envelope's sink (`envelope.SetSink`): each whole set is mapped at once and its segments
dropped, so a file's segments are never all in memory. A trailer or a repeated interchange may take sets
back after they were mapped: a checkpoint holds every row count, issue count and control-number tally, and
rolling back truncates to them. With a `spill`, the 835 rows leave memory every `batch_rows` remittances
(see `spool`); rolling back then also cuts what was spilled.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from denial_ml.ingest import frontend
from denial_ml.ingest.columns import Columns
from denial_ml.ingest.envelope import EnvelopeReader, TransactionSet
from denial_ml.ingest.errors import Issue
from denial_ml.ingest.interchanges import Key
from denial_ml.ingest.stream import CHUNK_SIZE, FileScan, Head, read_segments
from denial_ml.ingest.x835 import Remit835, map_835
from denial_ml.ingest.x837 import Claims837, map_837

Spill = Callable[[Remit835], None]  # takes the 835 rows mapped so far (the mapper empties them after)
Cut = Callable[[dict[str, int]], None]  # cut what was spilled back to these row counts per table


def columns_of(rows: Remit835 | Claims837) -> dict[str, Columns]:
    """The row accumulators of a mapper's output, by field name."""
    return {f.name: getattr(rows, f.name) for f in dataclasses.fields(rows) if f.name != "issues"}


@dataclass(frozen=True)
class _Checkpoint:
    sets: int
    seen: dict[str, int]
    kinds: Counter
    remit_rows: dict[str, int]  # spilled + held
    claim_rows: dict[str, int]
    front_rows: dict[str, int]
    issues: tuple[int, int, int]


class SetMapper:
    """Maps each transaction set the envelope keeps into 835 and 837 rows (the envelope's `SetSink`).

    Args:
        stem: Prefix of the file's remit ids.
        spill: When given, called with the 835 rows every `batch_rows` remittances (at a set's end).
        cut: With `spill`: cuts spilled rows back to given counts (a rollback reaching spilled rows).
        batch_rows: Remittances held before spilling.
    """

    def __init__(self, stem: str, spill: Spill | None = None, cut: Cut | None = None, batch_rows: int = 50_000):
        self.stem, self.spill, self.cut, self.batch_rows = stem, spill, cut, batch_rows
        self.remits, self.claims, self.front = Remit835(), Claims837(), frontend.FrontEndRows()
        self.count = 0
        self.seen: dict[str, int] = {}
        self.kinds: Counter = Counter()
        self.spilled = dict.fromkeys(columns_of(self.remits), 0)

    def add(self, ts: TransactionSet) -> None:
        """Map one set (remit ids `<stem>/<ST02>`, `.2`, `.3` ... for a control number used again)."""
        self.count += 1
        self.kinds[ts.kind] += 1
        self.seen[ts.control] = self.seen.get(ts.control, 0) + 1
        control = ts.control if self.seen[ts.control] == 1 else f"{ts.control}.{self.seen[ts.control]}"
        if ts.kind in frontend.FRONT_END_READERS:  # 999, 277CA/277, 271
            frontend.FRONT_END_READERS[ts.kind](ts, f"{self.stem}/{control}", self.front)
        elif ts.kind == "835":
            map_835(ts, f"{self.stem}/{control}", self.remits)
            if self.spill is not None and len(self.remits.remittances) >= self.batch_rows:
                self.flush()
        else:
            map_837(ts, self.claims)

    def flush(self) -> None:
        """Spill the 835 rows held (when spilling) and empty them."""
        if self.spill is None:
            return
        self.spill(self.remits)
        for name, rows in columns_of(self.remits).items():
            self.spilled[name] += len(rows)
            rows.truncate(0)

    def checkpoint(self) -> _Checkpoint:
        """Everything to roll back to."""
        remit_rows = {n: self.spilled[n] + len(c) for n, c in columns_of(self.remits).items()}
        claim_rows = {n: len(c) for n, c in columns_of(self.claims).items()}
        front_rows = {n: len(self.front.table(n)) for n in frontend.FRONT_END_TABLES}
        issues = (len(self.remits.issues), len(self.claims.issues), len(self.front.issues))
        return _Checkpoint(self.count, dict(self.seen), Counter(self.kinds), remit_rows, claim_rows, front_rows, issues)

    def rollback(self, token: object) -> None:
        """Drop every set mapped since `token` (rows, spilled rows, issues, control-number tallies)."""
        assert isinstance(token, _Checkpoint)
        self.count, self.seen, self.kinds = token.sets, dict(token.seen), Counter(token.kinds)
        if any(token.remit_rows[n] < self.spilled[n] for n in self.spilled):
            assert self.cut is not None
            self.cut(token.remit_rows)
            self.spilled = {n: min(self.spilled[n], token.remit_rows[n]) for n in self.spilled}
        for name, rows in columns_of(self.remits).items():
            rows.truncate(token.remit_rows[name] - self.spilled[name])
        for name, rows in columns_of(self.claims).items():
            rows.truncate(token.claim_rows[name])
        for name, count in token.front_rows.items():
            self.front.table(name).truncate(count)
        del self.remits.issues[token.issues[0] :]
        del self.claims.issues[token.issues[1] :]
        del self.front.issues[token.issues[2] :]


@dataclass
class FileRead:
    """One file read through the envelope: the mapper's rows and what the envelope found."""

    mapper: SetMapper
    issues: list[Issue]
    interchanges: list[dict]

    @property
    def kinds(self) -> set[str]:
        """Transaction sets kept: "835", "837"."""
        return {k for k, n in self.mapper.kinds.items() if n}


def read_file_sets(
    path: Path,
    scan: FileScan,
    name: str,
    mapper: SetMapper,
    strict_counts: bool = False,
    taken: dict[Key, str] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> FileRead:
    """Stream one file through the envelope into `mapper`; issues: the envelope's, then the mappers'.

    Raises:
        X12Error: when the file is empty or not X12.
        OSError: when the file cannot be read.
    """
    chunks = read_segments(path, scan, name, chunk_size)
    head = next(chunks)
    assert isinstance(head, Head)
    reader = EnvelopeReader(name, head, mapper, strict_counts, taken)
    for raws in chunks:
        assert isinstance(raws, list)
        reader.feed(raws)
    issues, interchanges = reader.finish()
    mapper.flush()
    return FileRead(mapper, issues + mapper.remits.issues + mapper.claims.issues + mapper.front.issues, interchanges)
