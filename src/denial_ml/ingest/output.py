"""The ingest output folder: the claims and remittances it already holds, and writing into it all-or-nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from denial_ml.data.io import WorldIOError, make_staging
from denial_ml.ingest.schemas_extra import EXTRA_TABLES
from denial_ml.schemas import TABLES, validate_schema, validate_table

MATCHED_TABLES = ("claims", "claim_lines", "remittances", "remittance_lines")


def read_existing(out_dir: Path | str) -> dict[str, pd.DataFrame]:
    """The claim and remittance tables an earlier ingest left in `out_dir` (validated), for matching.

    Missing tables (or a missing folder) are simply absent from the result.

    Raises:
        WorldIOError: when a table is present but cannot be read.
    """
    out: dict[str, pd.DataFrame] = {}
    for table in MATCHED_TABLES:
        path = Path(out_dir) / f"{table}.parquet"
        if not path.exists():
            continue
        try:
            out[table] = validate_table(table, pd.read_parquet(path))
        except (OSError, ValueError) as exc:
            raise WorldIOError(f"cannot read {str(path)!r} to match against it: {exc}") from None
    return out


def write_ingested(tables: dict[str, pd.DataFrame], out_dir: Path | str) -> list[Path]:
    """Write ingested tables as Parquet into `out_dir`, all or nothing.

    Every table (world tables and the ingest-only ones) is validated, then written into a staging folder inside
    `out_dir`; only when all are written are they moved into place, so a failure leaves `out_dir` as it was.

    Raises:
        TableValidationError / pandera SchemaError: a table breaks its schema (nothing is written).
        WorldIOError: the folder cannot be written (nothing is moved into place).
        KeyError: a table name that is neither a world table nor an ingest-only table.
    """
    checked = {table: _validate(table, frame) for table, frame in tables.items()}
    out, staging = make_staging(out_dir, ".ingest-staging-")
    try:
        for table, frame in checked.items():
            frame.to_parquet(staging / f"{table}.parquet", index=False)
        written = []
        for table in checked:
            os.replace(staging / f"{table}.parquet", out / f"{table}.parquet")
            written.append(out / f"{table}.parquet")
        return written
    except OSError as exc:
        raise WorldIOError(f"cannot write to folder {str(out)!r}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _validate(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table in EXTRA_TABLES:
        return validate_schema(EXTRA_TABLES[table], frame)
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}")
    return validate_table(table, frame)
