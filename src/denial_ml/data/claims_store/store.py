"""Appending a batch to a claims store and reading its current view."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from denial_ml.data.claims_store.manifest import Batch, FileRecord, Manifest, StoreError, commit_manifest, load_manifest
from denial_ml.data.claims_store.parts import (
    collect_garbage,
    finalise_parts,
    locked,
    pause_for_tests,
    pending_path,
    read_part,
    write_pending,
    write_pending_chunks,
)
from denial_ml.data.claims_store.view import BATCH, ROSTER_KEYS, SOURCE, VERSION, view_claims, view_table
from denial_ml.schemas import TABLES, validate_table

CLAIM_PAIR = ("claims", "claim_lines")


@contextmanager
def start_batch(folder: Path | str) -> Iterator[Manifest]:
    """Lock the store for one run and tidy what a killed run left; yields the committed manifest.

    Raises:
        StoreError: another run holds the store, or the manifest cannot be read.
    """
    out = Path(folder)
    with locked(out):
        manifest = load_manifest(out)
        try:
            finalise_parts(out, manifest)
            collect_garbage(out, manifest)
        except OSError as exc:
            raise StoreError(f"cannot tidy the store {str(out)!r}: {exc.strerror or exc}") from None
        yield manifest


def append_batch(
    folder: Path | str,
    manifest: Manifest,
    tables: dict[str, pd.DataFrame],
    files: list[FileRecord],
    command: str,
    streamed: Mapping[str, Callable[[], Iterable[pd.DataFrame]]] | None = None,
) -> Manifest:
    """Write a batch's rows as new parts and commit it; call inside `start_batch`.

    Empty tables give no part. Each row gets the store column `batch` (the batch's sequence number).
    `streamed` tables come chunk by chunk (each call gives the chunks again), after the rows `tables` has
    of them: one part each, written a chunk at a time, so memory does not grow with the batch.

    Returns:
        The committed manifest (the old one plus the batch).

    Raises:
        StoreError: a part or the manifest cannot be written; the store is then as it was.
    """
    out = Path(folder)
    seq = manifest.next_seq()
    batch_id = f"{seq:06d}-{uuid.uuid4().hex[:8]}"
    parts: dict[str, str] = {}
    rows: dict[str, int] = {}
    streamed = streamed or {}
    try:
        for table, frame in tables.items():
            if table not in streamed and len(frame):
                parts[table] = write_pending(out, table, batch_id, frame.assign(**{BATCH: seq}))
                rows[table] = len(frame)
        for table, chunks in streamed.items():
            first = tables.get(table)
            every = _with_batch(first, chunks, seq)
            relative, count = write_pending_chunks(out, table, batch_id, every)
            if count:
                parts[table], rows[table] = relative, count
    except OSError as exc:
        for relative in parts.values():
            pending_path(out, relative).unlink(missing_ok=True)
        raise StoreError(f"cannot write to the store {str(out)!r}: {exc.strerror or exc}") from None
    pause_for_tests("before-commit")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = {t: rows[t] for t in [*tables, *streamed] if t in parts}
    committed = Manifest([*manifest.batches, Batch(seq, batch_id, now, command, parts, rows, files)])
    commit_manifest(out, committed)
    pause_for_tests("after-commit")
    with contextlib.suppress(OSError):  # committed already: pending parts are read as they are, renamed later
        finalise_parts(out, committed)
    return committed


def _with_batch(
    first: pd.DataFrame | None, chunks: Callable[[], Iterable[pd.DataFrame]], seq: int
) -> Callable[[], Iterator[pd.DataFrame]]:
    """The rows held in memory, then the chunks, each with the store column `batch`."""

    def every() -> Iterator[pd.DataFrame]:
        if first is not None and len(first):
            yield first.assign(**{BATCH: seq})
        for chunk in chunks():
            yield chunk.assign(**{BATCH: seq})

    return every


def write_world(tables: dict[str, pd.DataFrame], folder: Path | str) -> Manifest:
    """Write a whole world (`denial-ml generate --store`) as the first batch of a new claims store.

    Claims are first versions; the world's patients and providers are the practice's reference roster.

    Raises:
        StoreError: `folder` already holds a store with batches or plain tables, or cannot be written.
    """
    out = Path(folder)
    if out.is_dir() and any(out.glob("*.parquet")):
        raise StoreError(f"{str(out)!r} holds plain tables; write the store into a new folder")
    with start_batch(out) as manifest:
        if manifest.batches:
            raise StoreError(f"{str(out)!r} is a claims store already ({len(manifest.batches)} batches)")
        batch = dict(tables)
        for table in ("claims", "claim_lines"):
            if table in batch:
                batch[table] = batch[table].assign(**{VERSION: 1})
        for table in ROSTER_KEYS:
            if table in batch:
                batch[table] = batch[table].assign(**{SOURCE: "reference"})
        return append_batch(out, manifest, batch, [], "generate")


def read_all_rows(
    folder: Path | str, table: str, manifest: Manifest | None = None, columns: list[str] | None = None
) -> pd.DataFrame | None:
    """Every committed row of `table` (with the store columns; only `columns` when given), oldest batch
    first; None when it has none."""
    out = Path(folder)
    manifest = manifest if manifest is not None else load_manifest(out)
    frames = [read_part(out, relative, columns) for _, relative in manifest.parts_of(table)]
    return pd.concat(frames, ignore_index=True) if frames else None


def read_current(
    folder: Path | str,
    names: Iterable[str] | None = None,
    validate: bool = False,
    claim_columns: Mapping[str, list[str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The current view of a store's tables (see `view`): what training, reports and the worklist read.

    Args:
        folder: The store folder.
        names: Tables to read; each must have rows. None reads every world table (`denial_ml.schemas.TABLES`)
            the store holds; ingest-only tables (`remittance_matches`, `rejections`, ...) only when named.
        validate: Check each world table against its schema.
        claim_columns: Only these columns of `claims` / `claim_lines` (e.g. what matching needs: a store's
            claims are then read at a fraction of the cost); `claim_frequency_code` and the line number,
            which the view needs, are added.

    Raises:
        StoreError: a named table has no rows, or the store cannot be read.
    """
    out = Path(folder)
    manifest = load_manifest(out)
    present = manifest.tables()
    wanted = list(names) if names is not None else [t for t in TABLES if t in present]
    missing = [t for t in wanted if t not in present]
    if missing:
        raise StoreError(f"table {missing[0]!r} is missing: the store {str(out)!r} holds no rows of it")
    result: dict[str, pd.DataFrame] = {}
    if any(t in CLAIM_PAIR for t in wanted):
        claims, lines = _claim_rows(out, manifest, claim_columns or {})
        result.update({t: f for t, f in zip(CLAIM_PAIR, view_claims(claims, lines), strict=True) if t in wanted})
    for table in wanted:
        if table not in result:
            rows = read_all_rows(out, table, manifest)
            assert rows is not None
            result[table] = view_table(table, rows)
    if validate:
        result = {t: validate_table(t, f) if t in TABLES else f for t, f in result.items()}
    return {t: result[t] for t in wanted}


def _claim_rows(out: Path, manifest: Manifest, columns: Mapping[str, list[str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    needed = {"claims": ["claim_id", "claim_frequency_code"], "claim_lines": ["claim_id", "line_number"]}
    wanted = {
        t: list(dict.fromkeys([*needed[t], *columns[t], BATCH, VERSION])) if t in columns else None for t in needed
    }
    claims = read_all_rows(out, "claims", manifest, wanted["claims"])
    lines = read_all_rows(out, "claim_lines", manifest, wanted["claim_lines"])
    if claims is None:
        raise StoreError(f"the store {str(out)!r} holds claim lines but no claims")
    if lines is None:
        lines = pd.DataFrame(columns=["claim_id", "line_number", BATCH, "claim_version"])
    return claims, lines
