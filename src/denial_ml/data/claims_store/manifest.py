"""The claims store's manifest: the one file that says which batches (and so which parts) are committed.

A run writes its parts first and commits by replacing `manifest.json` atomically (write a temporary file,
fsync it, `os.replace` it over the old one, fsync the folder). Until that rename the old manifest is the
store: a run killed at any moment leaves the store as it was, and parts no manifest names are invisible.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "denial-ml claims store"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class StoreError(OSError):
    """A claims store cannot be read or written; the message names the folder or file."""


@dataclass
class FileRecord:
    """One input file of a batch.

    Attributes:
        name: The file as the user named it.
        sha256: SHA-256 of its bytes (a file with the same content is never taken twice).
        size: Its size in bytes.
        stem: The prefix its remit ids were given (unique in the store).
        status: "taken" (every claim), "partial" (some refused), "failed" (nothing taken, something
            refused), "skipped" (already taken).
        interchanges: One dict per interchange: sender (ISA06), control (ISA13), sha256 (of its segments),
            groups (GS06), sets (ST02), first/last segment, taken.
        taken: Rows taken per table.
        refused: Items refused (claims, sets, whole file).
        note: Why a skipped file or interchange was skipped.
    """

    name: str
    sha256: str
    size: int
    stem: str = ""
    status: str = "taken"
    interchanges: list[dict[str, Any]] = field(default_factory=list)
    taken: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    note: str = ""


@dataclass
class Batch:
    """One committed run: its parts (table -> path relative to the store) and its input files."""

    seq: int
    batch_id: str
    committed_at: str
    command: str
    parts: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    files: list[FileRecord] = field(default_factory=list)


@dataclass
class Manifest:
    """Every committed batch, oldest first."""

    batches: list[Batch] = field(default_factory=list)

    def next_seq(self) -> int:
        """The sequence number of the next batch."""
        return self.batches[-1].seq + 1 if self.batches else 1

    def taken_hashes(self) -> dict[str, int]:
        """SHA-256 of every file (partly) taken -> the batch that took it."""
        return {f.sha256: b.seq for b in self.batches for f in b.files if f.status in ("taken", "partial")}

    def taken_interchanges(self) -> dict[tuple[str, str, str], int]:
        """(sender ISA06, control ISA13, content SHA-256) of every interchange taken -> the batch that took it."""
        out: dict[tuple[str, str, str], int] = {}
        for batch in self.batches:
            for record in batch.files:
                for i in record.interchanges:
                    if i.get("taken", True) and record.status in ("taken", "partial"):
                        out.setdefault((i["sender"], i["control"], i.get("sha256", "")), batch.seq)
        return out

    def used_stems(self) -> set[str]:
        """Remit-id prefixes already used (a new file with the same name gets another)."""
        return {f.stem for b in self.batches for f in b.files if f.stem}

    def parts_of(self, table: str) -> list[tuple[int, str]]:
        """(batch seq, relative path) of every committed part of `table`, oldest first."""
        return [(b.seq, b.parts[table]) for b in self.batches if table in b.parts]

    def tables(self) -> list[str]:
        """Every table with at least one committed part."""
        seen: dict[str, None] = {}
        for batch in self.batches:
            seen.update(dict.fromkeys(batch.parts))
        return list(seen)


def is_store(folder: Path | str) -> bool:
    """True when `folder` holds a claims store (a manifest), not plain `<table>.parquet` files."""
    return (Path(folder) / MANIFEST).is_file()


def load_manifest(folder: Path | str) -> Manifest:
    """Read the manifest of the store in `folder` (an empty one when there is none yet).

    Raises:
        StoreError: when the manifest exists but cannot be read or is not a claims-store manifest.
    """
    path = Path(folder) / MANIFEST
    if not path.exists():
        return Manifest()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the store manifest {str(path)!r}: {exc}") from None
    if raw.get("format") != FORMAT or raw.get("version") != FORMAT_VERSION:
        raise StoreError(f"{str(path)!r} is not a version-{FORMAT_VERSION} {FORMAT} manifest")
    batches = []
    for b in raw["batches"]:
        files = [FileRecord(**f) for f in b.pop("files", [])]
        batches.append(Batch(**b, files=files))
    return Manifest(batches)


def commit_manifest(folder: Path | str, manifest: Manifest) -> None:
    """Replace the manifest atomically: the commit point of a run.

    Raises:
        StoreError: when it cannot be written (the old manifest is then still in place).
    """
    out = Path(folder)
    body = {"format": FORMAT, "version": FORMAT_VERSION, "batches": [asdict(b) for b in manifest.batches]}
    temporary = out / f".{MANIFEST}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, out / MANIFEST)
        sync_folder(out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StoreError(f"cannot commit the store manifest in {str(out)!r}: {exc.strerror or exc}") from None


def sync_folder(folder: Path) -> None:
    """fsync a folder, so the renames inside it survive a power cut (not only a killed process)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
