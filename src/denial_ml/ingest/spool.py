"""Spilled 835 rows of one ingest run: what keeps a run's memory flat however large its files are.

While a file is read, every `batch_rows` remittances the 835 rows mapped so far are validated and written
to the spool (one Parquet chunk per table, in a hidden folder of the store) and dropped from memory. A
rollback (a strict trailer, an interchange taken before) cuts the file's chunks back; a file that fails is
discarded. After the run, the chunks are matched to the claims chunk by chunk and copied, in order, into
the batch's parts (`data.claims_store.append_batch` with `streamed` tables).
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from denial_ml.data.claims_store import StoreError
from denial_ml.ingest.frames import remit_frames
from denial_ml.ingest.x835 import Remit835

SPOOL_PREFIX = ".spool-"  # a hidden folder of the store; one a killed run left is deleted by the next run


@dataclass
class Spool:
    """Chunks of spilled rows, in reading order; each chunk holds one Parquet file per table (or none)."""

    folder: Path
    chunks: list[dict[str, tuple[Path, int]]] = field(default_factory=list)
    file_start: int = 0  # first chunk of the file being read
    written: int = 0

    def start_file(self) -> None:
        """Mark where the next file's chunks begin."""
        self.file_start = len(self.chunks)

    def spill(self, remits: Remit835) -> None:
        """Validate the 835 rows mapped so far and write them as one chunk.

        Raises:
            TableValidationError: when the rows break the data model.
            StoreError: when the chunk cannot be written.
        """
        chunk = {}
        for table, frame in remit_frames(remits).items():
            if len(frame):
                chunk[table] = (self._write(table, frame), len(frame))
        self.chunks.append(chunk)

    def _write(self, table: str, frame: pd.DataFrame, path: Path | None = None) -> Path:
        """Write one chunk; a failure (a full disk) fails the run, as a failed part would."""
        if path is None:
            self.written += 1
            path = self.folder / f"{self.written:07d}-{table}.parquet"
        try:
            frame.to_parquet(path, index=False)
        except OSError as exc:
            raise StoreError(f"cannot write to the store {str(self.folder.parent)!r}: {exc.strerror or exc}") from None
        return path

    def cut(self, counts: dict[str, int]) -> None:
        """Cut the current file's chunks back to `counts` rows per table (mapper field names)."""
        for name, table in FIELD_TABLES.items():
            start = 0
            for chunk in self.chunks[self.file_start :]:
                if table not in chunk:
                    continue
                path, rows = chunk[table]
                keep = max(0, min(rows, counts[name] - start))
                start += rows
                if keep == rows:
                    continue
                if keep:
                    self._write(table, pd.read_parquet(path).head(keep), path)
                    chunk[table] = (path, keep)
                else:
                    path.unlink()
                    del chunk[table]

    def discard_file(self) -> None:
        """Drop every chunk of the current file (it failed)."""
        for chunk in self.chunks[self.file_start :]:
            for path, _ in chunk.values():
                path.unlink(missing_ok=True)
        del self.chunks[self.file_start :]

    def file_rows(self) -> dict[str, int]:
        """Rows spilled for the current file, per table."""
        rows: dict[str, int] = {}
        for chunk in self.chunks[self.file_start :]:
            for table, (_, n) in chunk.items():
                rows[table] = rows.get(table, 0) + n
        return rows

    def rows(self, table: str) -> int:
        """Rows of `table` in the whole spool."""
        return sum(chunk[table][1] for chunk in self.chunks if table in chunk)

    def frames(self, table: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The chunks of one table, in order (only `columns` when given)."""
        for chunk in self.chunks:
            if table in chunk:
                yield pd.read_parquet(chunk[table][0], columns=columns)

    def keys(self, table: str, columns: list[str]) -> pa.Table:
        """`columns` of every chunk of `table`, as one Arrow table (compact: no Python objects per value)."""
        import pyarrow.parquet as pq

        parts = [pq.read_table(chunk[table][0], columns=columns) for chunk in self.chunks if table in chunk]
        return pa.concat_tables(parts) if parts else pa.table({c: pa.array([], pa.string()) for c in columns})

    def pairs(self) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
        """(remittances, remittance_lines) of each chunk that holds remittances."""
        for chunk in self.chunks:
            if "remittances" in chunk:
                lines = chunk.get("remittance_lines")
                remits = pd.read_parquet(chunk["remittances"][0])
                yield remits, (pd.read_parquet(lines[0]) if lines else None)

    def add_chunk(self, chunk_index: int, table: str, frame: pd.DataFrame) -> None:
        """Store a derived table (e.g. matches) with a chunk."""
        if len(frame):
            self.chunks[chunk_index][table] = (self._write(table, frame), len(frame))


# Mapper fields (`Remit835`) -> tables.
FIELD_TABLES = {
    "remittances": "remittances",
    "lines": "remittance_lines",
    "adjustments": "adjustments",
    "remarks": "remarks",
    "provider_adjustments": "provider_adjustments",
    "payments": "remittance_payments",
}


@contextlib.contextmanager
def spool_folder(store: Path) -> Iterator[Path]:
    """A fresh spool folder in the store (removed after the run; the next run removes one a kill left)."""
    store.mkdir(parents=True, exist_ok=True)
    for stale in store.glob(SPOOL_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = store / f"{SPOOL_PREFIX}{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
