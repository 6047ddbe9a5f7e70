"""Which interchanges a run has taken: each is known by its sender (ISA06), control number (ISA13) and a
SHA-256 of its segments, so the same interchange is never read twice, in one file, one run or two runs.

Why the content too: public test files (and some clearinghouses) reuse one sender + ISA13 for different
interchanges; those are taken, with a warning, while a true repeat (same envelope, same content) is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from denial_ml.ingest.errors import Issue

Key = tuple[str, str, str]  # (ISA06 sender, ISA13 control number, SHA-256 of the interchange's segments)


def interchange_key(record: Mapping) -> Key:
    """The key of an interchange record (as kept in `Envelope.interchanges` and the store's manifest)."""
    return (record["sender"], record["control"], record.get("sha256", ""))


@dataclass
class InterchangeLog:
    """The interchanges of one file, checked against those taken before (`taken`: key -> where)."""

    file: str
    taken: dict[Key, str] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)
    open_index: int = 0  # segment index of the open ISA

    def open(self, isa: list[str], index: int) -> dict:
        """Start the record of the interchange whose ISA is `segments[index]`."""
        sender, control = (isa[6] if len(isa) > 6 else "").strip(), (isa[13] if len(isa) > 13 else "").strip()
        record = {
            "sender": sender,
            "control": control,
            "groups": [],
            "sets": [],
            "first_segment": index + 1,
            "last_segment": index + 1,
            "taken": True,
        }
        self.records.append(record)
        self.open_index = index
        return record

    def close(self, record: dict, sha256: str, end: int) -> list[Issue]:
        """Finish a record at segment index `end` (its IEA, or the file's end) with the SHA-256 of its segments
        (each segment's elements joined by 0x1F, then 0x1E); sets `taken` False for a repeat."""
        record["sha256"], record["last_segment"] = sha256, end + 1
        key, number = interchange_key(record), record["first_segment"]
        where = self.taken.get(key)
        issues = []
        if where is not None:
            record["taken"] = False
            problem = f"interchange {key[1]} from sender {key[0]} was already taken ({where}); skipped"
            issues.append(Issue(self.file, number, problem, "none"))
        elif any(k[:2] == key[:2] for k in self.taken):
            problem = (
                f"interchange {key[1]} from sender {key[0]} reuses the control number of another interchange "
                "with different content; taken"
            )
            issues.append(Issue(self.file, number, problem, "none"))
        self.taken.setdefault(key, "earlier in this file")
        return issues
