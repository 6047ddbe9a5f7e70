"""Job: add X12 files to a claims store (`denial-ml ingest FILE... --out DIR`), and list what it holds.

One run is one batch: the store is locked, its current view read, the files read (files and interchanges
taken before are skipped), the batch's rows written as new parts and committed by replacing the manifest.
Nothing is ever overwritten, so a run that refuses every claim leaves the store's tables as they were, and a
run killed at any moment leaves the store as it was before the run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# Light on purpose: `denial-ml ingest` starts reading its files before pandas, pyarrow and pandera are
# imported (the first pass over each file, `stream.scan_file`, needs only the standard library).
from denial_ml.ingest.stream import BATCH_ROWS, CHUNK_SIZE, FileScan, scan_file

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client

    from denial_ml.config import Settings
    from denial_ml.data.claims_store import FileRecord, Manifest
    from denial_ml.ingest.errors import Issue

log = logging.getLogger(__name__)

MATCHING_TABLES = ("claims", "claim_lines", "remittances", "remittance_lines", "remittance_matches")
MATCH_COLUMNS = {  # of the store's claims, what `ingest.matching` reads
    "claims": ["claim_id"],
    "claim_lines": ["claim_id", "line_number", "line_control_number", "procedure_code", "service_date", "line_charge"],
}
EXIT_PARTIAL = 3  # some claims taken, some refused
EXIT_NOTHING = 1  # items refused and nothing taken


@dataclass
class IngestOutcome:
    """What one run did: the files' records, every issue, the rows added, and the batch committed."""

    files: list[FileRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)
    batch: int = 0
    unmatched: int = 0

    @property
    def refused(self) -> list[Issue]:
        """Issues that left a claim, a transaction set or a file out."""
        from denial_ml.ingest.records import CLAIM_REFUSING

        return [i for i in self.issues if i.rejected in CLAIM_REFUSING]

    @property
    def exit_code(self) -> int:
        """0 when every claim of every file was taken (or was in the store already), 3 partial, 1 nothing."""
        if not self.refused:
            return 0
        took = any(f.status in ("taken", "partial") for f in self.files)
        return EXIT_PARTIAL if took else EXIT_NOTHING


def run_ingest(
    paths: Iterable[Path],
    out: Path,
    strict: bool = False,
    reference: Path | None = None,
    batch_rows: int = BATCH_ROWS,
    chunk_size: int = CHUNK_SIZE,
    client: Client | None = None,
) -> IngestOutcome:
    """Add X12 files to the claims store in `out` (created when missing) as one batch.

    Files are read streaming (`chunk_size` bytes at a time) and their 835 rows spilled every `batch_rows`
    remittances to a spool in the store, then matched and written chunk by chunk: memory does not grow with
    the 835 files' size. 837 claims are held in memory (their versions and matching need the whole run).

    Args:
        paths: X12 835 / 837 files.
        out: The store folder.
        strict: Refuse what a wrong trailer count or control number closes (else keep it, with a warning).
        reference: Folder of the practice's reference tables (see `denial_ml.ingest.reference`).
        batch_rows: Remittances held in memory before they are spilled.
        chunk_size: Bytes read at a time.
        client: A Dask client: the files are read on its workers (`engine.ingest`), the batch written here.

    Raises:
        StoreError: `out` holds plain tables, another run holds the store, or it cannot be read or written.
        ReferenceError: the reference folder cannot be used.
    """
    paths = [Path(p) for p in paths]
    scans = _scan(paths)
    from denial_ml.data.claims_store import append_batch, read_current, start_batch
    from denial_ml.ingest.files import ingest_x12
    from denial_ml.ingest.reference import read_reference
    from denial_ml.ingest.spool import Spool, spool_folder
    from denial_ml.ingest.store_batch import plan_batch, plan_spooled

    known = read_reference(reference) if reference is not None else {}
    refuse_plain_folder(out)
    with start_batch(out) as manifest, spool_folder(out) as folder:
        spool = Spool(folder)
        taken_files = {h: f"batch {b}" for h, b in manifest.taken_hashes().items()}
        taken_interchanges = {k: f"batch {b}" for k, b in manifest.taken_interchanges().items()}
        reader = None
        if client is not None:
            from denial_ml.engine.ingest import ClusterReader

            reader = ClusterReader(
                client,
                paths,
                scans,
                strict,
                chunk_size,
                batch_rows,
                taken_interchanges,
                set(manifest.used_stems()),
                set(taken_files),
                folder,
            )
        try:
            run = ingest_x12(
                paths,
                strict_counts=strict,
                taken_files=taken_files,
                taken_interchanges=taken_interchanges,
                used_stems=manifest.used_stems(),
                chunk_size=chunk_size,
                scans=scans,
                spool=spool,
                batch_rows=batch_rows,
                read_file=reader,
            )
        finally:
            if reader is not None:
                reader.close()
                log.info("ingest: %d files read on the cluster, %d here", reader.from_workers, reader.read_here)
        # What matching needs of the store, read after the files: a run without 837s needs only the claims'
        # keys (earlier remittances cannot match differently), so its cost does not grow with the store's
        # remittances, nor with the claims' other columns.
        names = MATCHING_TABLES if "837" in run.kinds else MATCHING_TABLES[:2]
        if "837" in run.kinds:
            names = (*names, "eligibility_responses")  # earlier 271s set the eligibility of the run's claims
        current = read_current(out, [t for t in names if t in manifest.tables()], claim_columns=MATCH_COLUMNS)
        batch = plan_batch(current, run, known)
        streamed, unmatched = plan_spooled(current, run, spool)
        committed = append_batch(out, manifest, batch, run.files, "ingest", streamed)
    matches = batch["remittance_matches"]
    outcome = IngestOutcome(run.files, run.issues, dict(committed.batches[-1].rows))
    outcome.batch = committed.batches[-1].seq
    outcome.unmatched = unmatched + (int((matches["method"] == "unmatched").sum()) if len(matches) else 0)
    log.info("ingest: batch %d committed to %s (%s)", outcome.batch, out, outcome.added)
    return outcome


def run_ingest_dask(
    settings: Settings, paths: Iterable[Path], out: Path, strict: bool = False, reference: Path | None = None
) -> IngestOutcome:
    """`run_ingest` with the files read on the configured cluster (`DENIAL_ML_DASK_SCHEDULER`, else a local one).

    Raises:
        As `run_ingest`; EngineUnavailableError without the dask extra.
    """
    from denial_ml.engine.cluster import open_client
    from denial_ml.jobs.scale import cluster_spec

    with open_client(cluster_spec(settings)) as client:
        return run_ingest(paths, out, strict=strict, reference=reference, client=client)


def _scan(paths: list[Path]) -> dict[Path, FileScan]:
    """The first pass over each file (hash, encoding); a file that cannot be read is reported when read."""
    scans = {}
    for path in paths:
        try:
            scans[path] = scan_file(path)
        except OSError:
            continue
    return scans


def refuse_plain_folder(out: Path) -> None:
    """Raise when `out` holds plain `<table>.parquet` files: a store must not be mixed with them."""
    from denial_ml.data.claims_store import StoreError, is_store

    if out.is_dir() and not is_store(out) and any(out.glob("*.parquet")):
        names = ", ".join(sorted(p.name for p in out.glob("*.parquet"))[:3])
        raise StoreError(
            f"{str(out)!r} holds plain tables ({names}, ...), not a claims store; ingest into a new folder "
            "(or write the world with `denial-ml generate --store`)"
        )


def list_ingested(out: Path) -> Manifest:
    """The store's manifest: every batch with its files (status, hash, control numbers, counts).

    Raises:
        StoreError: `out` is not a claims store or its manifest cannot be read.
    """
    from denial_ml.data.claims_store import StoreError, is_store, load_manifest

    if not is_store(out):
        raise StoreError(f"{str(out)!r} is not a claims store (no manifest.json)")
    return load_manifest(out)


def read_rejections(out: Path) -> pd.DataFrame:
    """Every item refused by every run into the store (empty when none was)."""
    import pandas as pd

    from denial_ml.data.claims_store import read_current

    manifest = list_ingested(out)
    if "rejections" not in manifest.tables():
        return pd.DataFrame(columns=["file", "interchange", "segment", "claim_id", "scope", "reason"])
    return read_current(out, ["rejections"])["rejections"]
