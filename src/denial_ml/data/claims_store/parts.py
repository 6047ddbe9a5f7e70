"""Part files of the claims store: `tables/<table>/part-<batch>.parquet`, written once, never changed.

A run writes each part under a hidden name (`.pending-<batch>.parquet`: pandas / pyarrow / Dask skip names
starting with "." when they read the folder), commits the manifest, then renames its parts to their final
names. A part the manifest names but that is still pending (the run was killed between commit and rename)
is read from its pending name and renamed by the next run; pending parts of uncommitted batches are
deleted by the next run (`collect_garbage`).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from denial_ml.data.claims_store.manifest import Manifest, StoreError, sync_folder

TABLES_DIR = "tables"
LOCK = ".lock"
# Test hook (kill tests): "<phase>:<seconds>" pauses a run at "before-commit" or "after-commit".
PAUSE_VARIABLE = "DENIAL_ML_STORE_TEST_PAUSE"


def part_path(table: str, batch_id: str) -> str:
    """The committed path of a part, relative to the store folder."""
    return f"{TABLES_DIR}/{table}/part-{batch_id}.parquet"


def pending_path(folder: Path, relative: str) -> Path:
    """Where a part lies until its batch is committed and renamed."""
    final = folder / relative
    return final.with_name(".pending-" + final.name.removeprefix("part-"))


def write_pending(folder: Path, table: str, batch_id: str, frame: pd.DataFrame) -> str:
    """Write one part under its pending name, fsynced; returns its committed relative path."""
    relative = part_path(table, batch_id)
    target = pending_path(folder, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(target, index=False)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
    return relative


def write_pending_chunks(
    folder: Path, table: str, batch_id: str, frames: Callable[[], Iterable[pd.DataFrame]]
) -> tuple[str, int]:
    """Write one part from frames given chunk by chunk (one row group each), fsynced; memory holds one chunk.

    `frames` is called twice: once for the chunks' schemas (a column that is all null in one chunk takes
    the type the others give it), once to write them.

    Returns:
        The part's committed relative path and its row count (0: nothing was written).
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = [pa.Schema.from_pandas(f, preserve_index=False) for f in frames() if len(f)]
    if not schemas:
        return "", 0
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    columns: dict[str, dict] = {}
    for one in schemas:
        for entry in json.loads(one.metadata[b"pandas"])["columns"]:
            if entry["name"] not in columns or columns[entry["name"]]["pandas_type"] == "empty":
                columns[entry["name"]] = entry
    pandas_meta = json.loads(schemas[0].metadata[b"pandas"])
    pandas_meta["columns"] = [columns.get(c["name"], c) for c in pandas_meta["columns"]]
    schema = schema.with_metadata({b"pandas": json.dumps(pandas_meta).encode()})
    relative = part_path(table, batch_id)
    target = pending_path(folder, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with pq.ParquetWriter(target, schema) as writer:
        for frame in frames():
            if len(frame):
                writer.write_table(pa.Table.from_pandas(frame, preserve_index=False).cast(schema))
                rows += len(frame)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
    return relative, rows


def finalise_parts(folder: Path, manifest: Manifest) -> None:
    """Rename every committed part still under its pending name to its final name (idempotent)."""
    touched = set()
    for batch in manifest.batches:
        for relative in batch.parts.values():
            pending = pending_path(folder, relative)
            if pending.exists() and not (folder / relative).exists():
                os.replace(pending, folder / relative)
                touched.add(pending.parent)
    for parent in touched:
        sync_folder(parent)


def collect_garbage(folder: Path, manifest: Manifest) -> list[Path]:
    """Delete part files no committed batch names (left by killed runs); returns what was deleted."""
    committed = {folder / p for b in manifest.batches for p in b.parts.values()}
    committed |= {pending_path(folder, p) for b in manifest.batches for p in b.parts.values()}
    removed = []
    root = folder / TABLES_DIR
    for path in sorted(root.glob("*/*.parquet")) if root.is_dir() else []:
        if path not in committed:
            path.unlink()
            removed.append(path)
    return removed


def read_part(folder: Path, relative: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one committed part, or only `columns` of it (from its pending name if the run that wrote it died
    before renaming)."""
    final, pending = folder / relative, pending_path(folder, relative)
    # Final name first; the pending one when a killed run left it; final again when a writer renamed it
    # between the two looks.
    for path in (final, pending, final):
        try:
            return pd.read_parquet(path, columns=columns)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read store part {str(final)!r}: {exc}") from None
    raise StoreError(f"store part {str(final)!r} is missing: the store was changed by hand")


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the store's write lock: one writing run at a time (readers need none: they read the manifest).

    Raises:
        StoreError: when another run holds it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another run is writing to the store {str(folder)!r}; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pause_for_tests(phase: str) -> None:
    """Sleep at `phase` when the kill-test hook asks for it (never set outside tests)."""
    wanted, _, seconds = os.environ.get(PAUSE_VARIABLE, "").partition(":")
    if wanted == phase:
        print(f"paused at {phase}", flush=True)  # the test waits for this line, then kills the run
        time.sleep(float(seconds or 60))
