"""The claims store: a durable, append-only, partitioned Parquet dataset plus a manifest (see docs/ingest.md).

Layout of a store folder `DIR`:
    DIR/manifest.json                          committed batches: parts, input files, control numbers, counts
    DIR/tables/<table>/part-<batch>.parquet     rows a batch added (store columns: batch, claim_version, source)

Runs only add parts and commit by replacing the manifest atomically; `read_current` gives the current view
(`denial_ml.data.io.read_tables` calls it for store folders), `pandas.read_parquet(DIR/tables/<table>)` reads
every committed row of a table directly.
"""

from typing import TYPE_CHECKING, Any

from denial_ml.data.claims_store.manifest import (
    Batch,
    FileRecord,
    Manifest,
    StoreError,
    commit_manifest,
    is_store,
    load_manifest,
)

if TYPE_CHECKING:
    from denial_ml.data.claims_store.store import append_batch, read_all_rows, read_current, start_batch, write_world

# The functions that read or write parts need pandas and the schemas (about 1 s to import); the manifest does not,
# so `denial-ml ingest --list` and `is_store` checks start their work without them (#20).
_STORE_FUNCTIONS = frozenset({"append_batch", "read_all_rows", "read_current", "start_batch", "write_world"})


def __getattr__(name: str) -> Any:
    """Import the store's functions on first use (PEP 562)."""
    if name in _STORE_FUNCTIONS:
        from denial_ml.data.claims_store import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
