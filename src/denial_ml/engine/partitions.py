"""A world folder read in parts: each part holds the claims of a share of the patients, with their lines and
remittances, read by a worker without loading the whole world.

Parts are by patient (a stable hash of `patient_id`), not by claim: the patient-history and slice indexes key on
the patient, and a line's rank among the patient's services of the year counts the patient's other lines, so a
part holding all of a patient's claims builds those events exactly as the whole world does. A part also brings
its patients' rows of the patient-keyed reference tables (`PATIENT_TABLES`), so no worker needs the world's.

A partitioned world (`generate --engine dask`: `<table>/part-NNNNN.parquet`) is read by its own parts: part k is
file k of every table (its patients are its own by construction), with no scan of the other parts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from denial_ml.data.claims_store import is_store
from denial_ml.data.io import WorldIOError, is_partitioned, read_parts, table_parts
from denial_ml.features.snapshot import REFERENCE_TABLES
from denial_ml.features.snapshot_parts import PATIENT_TABLES as PATIENT_TABLES
from denial_ml.labels import isin

CLAIM_TABLES = ("claims", "claim_lines", "remittances", "remittance_lines", "adjustments")
BATCH_ROWS = 200_000  # rows read at a time: a worker holds one batch of a table besides its part
CLAIMS_PER_PART = 100_000  # parts of about this many claims (a worker's transient memory), at least two per worker


def part_count(folder: Path, workers: int) -> int:
    """How many parts to read a world in: a partitioned world's own parts, else about `CLAIMS_PER_PART` claims
    each and at least two per worker."""
    if partitioned(folder):
        files = table_parts(folder, "claims")
        return len(files) * file_split(files[0])
    n_claims = pq.ParquetFile(table_path(folder, "claims")).metadata.num_rows
    return max(2 * workers, -(-n_claims // CLAIMS_PER_PART))


def table_path(folder: Path, table: str) -> Path:
    """The Parquet file of a table in a world folder.

    Raises:
        WorldIOError: The folder is a claims store (the dask engine reads world folders) or lacks the table.
    """
    if is_store(folder):
        raise WorldIOError(f"{str(folder)!r} is a claims store: the dask engine reads world folders (one file a table)")
    path = folder / f"{table}.parquet"
    if not path.exists():
        raise WorldIOError(f"table {table!r} is missing: no file {str(path)!r}")
    return path


def patient_part(patient_id: pd.Series | np.ndarray, n_parts: int) -> np.ndarray:
    """The part of each patient: a hash of the id that is the same in every process."""
    return (pd.util.hash_array(np.asarray(patient_id, dtype=object)) % np.uint64(n_parts)).astype(np.int64)


def read_rows(path: Path, keep: Callable[[pa.RecordBatch], pa.Array], columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of a Parquet file that `keep` selects, read batch by batch (pandas types as `pd.read_parquet`)."""
    file = pq.ParquetFile(path)
    kept = [batch.filter(keep(batch)) for batch in file.iter_batches(batch_size=BATCH_ROWS, columns=columns)]
    schema = file.schema_arrow if columns is None else pa.schema([file.schema_arrow.field(c) for c in columns])
    return pa.Table.from_batches(kept, schema=schema).to_pandas()


def read_part(
    folder: Path,
    part: int,
    n_parts: int,
    tables: tuple[str, ...] = CLAIM_TABLES,
    patient_tables: tuple[str, ...] = PATIENT_TABLES,
) -> dict[str, pd.DataFrame]:
    """One part of a world: its patients' claims, the rows of `tables` that belong to those claims and its patients'
    rows of `patient_tables`.

    Args:
        folder: World folder (one Parquet file per table, or a partitioned world read in its own `n_parts` parts).
        part: Which part (0 <= part < n_parts).
        n_parts: How many parts the world is read in.
        tables: The per-claim tables to read (`claims` always).
        patient_tables: The patient-keyed reference tables to read.
    """
    if partitioned(folder):
        return split_file_part(folder, part, n_parts, ("claims", *tables), patient_tables)

    def mine(batch: pa.RecordBatch) -> pa.Array:
        return pa.array(patient_part(batch.column("patient_id").to_numpy(zero_copy_only=False), n_parts) == part)

    claims = read_rows(table_path(folder, "claims"), mine)
    ids = pa.array(claims["claim_id"].to_numpy(dtype=object), type=pa.string())
    out = {"claims": claims}
    for table in tables:
        if table != "claims":
            out[table] = read_rows(table_path(folder, table), lambda b: pc.is_in(b.column("claim_id"), value_set=ids))
    for table in patient_tables:
        out[table] = read_rows(table_path(folder, table), mine)
    return out


def read_reference(folder: Path, tables: tuple[str, ...] = REFERENCE_TABLES) -> dict[str, pd.DataFrame]:
    """The reference tables (payers, providers, patients, coverages, authorizations), read whole (a partitioned
    world's parts in order)."""
    if partitioned(folder):
        return {name: read_parts(table_parts(folder, name)) for name in tables}
    return {name: pd.read_parquet(table_path(folder, name)) for name in tables}


def file_split(path: Path) -> int:
    """How many parts to read one file part of a partitioned world in (about `CLAIMS_PER_PART` claims each)."""
    return max(1, round(pq.ParquetFile(path).metadata.num_rows / CLAIMS_PER_PART))


def split_file_part(
    folder: Path, part: int, n_parts: int, tables: tuple[str, ...], patient_tables: tuple[str, ...]
) -> dict[str, pd.DataFrame]:
    """Part `part` of a partitioned world read in `n_parts` parts: a share of one file part's patients (a file part
    is read in `n_parts` / files parts, by the patient hash; its patients are all its own)."""
    files = table_parts(folder, "claims")
    split = n_parts // len(files)
    file, sub = divmod(part, split)
    out = {name: pd.read_parquet(table_parts(folder, name)[file]) for name in (*tables, *patient_tables)}
    return patient_share(out, sub, split)


def patient_share(tables: dict[str, pd.DataFrame], sub: int, split: int) -> dict[str, pd.DataFrame]:
    """Share `sub` of `split` of a part's tables, by the patient hash: its claims, the rows of the tables keyed by
    claim (`claim_id`) that belong to them and the rows of those keyed by patient (`patient_id`); other tables
    (payers, providers) whole."""
    if split == 1:
        return tables
    out = dict(tables)
    claims = tables["claims"]
    out["claims"] = claims[patient_part(claims["patient_id"], split) == sub].reset_index(drop=True)
    ids = out["claims"]["claim_id"]
    for name, table in tables.items():
        if name == "claims":
            continue
        if (
            "claim_id" in table.columns
        ):  # Arrow's hash lookup: pandas' `isin` on Arrow strings builds a scalar per value
            out[name] = table[isin(table["claim_id"], ids)].reset_index(drop=True)
        elif "patient_id" in table.columns:
            out[name] = table[patient_part(table["patient_id"], split) == sub].reset_index(drop=True)
    return out


def partitioned(folder: Path) -> bool:
    """Whether a world folder is a partitioned world (`<table>/part-NNNNN.parquet`; a claims store is not)."""
    return not is_store(folder) and is_partitioned(folder)
