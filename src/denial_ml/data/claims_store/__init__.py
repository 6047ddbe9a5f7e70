"""The claims store: a durable, append-only, partitioned Parquet dataset plus a manifest (see docs/ingest.md).

Layout of a store folder `DIR`:
    DIR/manifest.json                          committed batches: parts, input files, control numbers, counts
    DIR/tables/<table>/part-<batch>.parquet     rows a batch added (store columns: batch, claim_version, source)

Runs only add parts and commit by replacing the manifest atomically; `read_current` gives the current view
(`denial_ml.data.io.read_tables` calls it for store folders), `pandas.read_parquet(DIR/tables/<table>)` reads
every committed row of a table directly.
"""

from denial_ml.data.claims_store.manifest import (
    Batch,
    FileRecord,
    Manifest,
    StoreError,
    commit_manifest,
    is_store,
    load_manifest,
)
from denial_ml.data.claims_store.store import append_batch, read_all_rows, read_current, start_batch, write_world

__all__ = [
    "Batch",
    "FileRecord",
    "Manifest",
    "StoreError",
    "append_batch",
    "commit_manifest",
    "is_store",
    "load_manifest",
    "read_all_rows",
    "read_current",
    "start_batch",
    "write_world",
]
