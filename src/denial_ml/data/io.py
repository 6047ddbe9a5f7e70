"""Reading and writing a world: one Parquet file per table, validated, written all-or-nothing.

`read_tables` also reads a claims store (`denial_ml.data.claims_store`, what `denial-ml ingest` writes): its
current view, and a partitioned world (`denial-ml generate --engine dask`: `<table>/part-00000.parquet`, ...
beside single-file reference tables), so training, reports and the worklist read every kind of folder alike.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from denial_ml.data.claims_store import StoreError, is_store, load_manifest, read_current
from denial_ml.schemas import OPTIONAL_TABLES, TABLES, validate_table

PART_GLOB = "part-*.parquet"  # a partitioned world's table: `<table>/part-00000.parquet`, ...
# Threads encoding Parquet files while the caller's thread validates the next table: Arrow's encoder releases
# the GIL, so on two cores the encoding overlaps validation (pandas, mostly under the GIL). Each file is written
# whole by one thread, so the bytes are those a single thread writes.
WRITER_THREADS = 2


class WorldIOError(OSError):
    """A world folder cannot be read or written; the message names the folder or file."""


def make_staging(out_dir: Path | str, prefix: str) -> tuple[Path, Path]:
    """Create `out_dir` and a fresh hidden staging folder inside it (same file system: moving files from it into
    place is an atomic rename).

    Raises:
        WorldIOError: when the folder cannot be created or written.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        return out, Path(tempfile.mkdtemp(prefix=prefix, dir=out))
    except OSError as exc:
        raise WorldIOError(f"cannot write to folder {str(out)!r}: {exc.strerror or exc}") from None


def write_tables(
    tables: Mapping[str, pd.DataFrame], out_dir: Path | str, validate: bool = True, validated: Collection[str] = ()
) -> list[Path]:
    """Write tables as `<name>.parquet` into `out_dir`, all or nothing.

    Every table is validated and written into a temporary folder beside `out_dir` first; only when all
    succeeded are the files moved into place, so a failure leaves `out_dir` as it was.

    Args:
        tables: Table name -> frame. Names must be keys of `denial_ml.schemas.TABLES` (or `OPTIONAL_TABLES`).
        out_dir: Destination folder (created when missing).
        validate: Check each table against its schema before writing.
        validated: Names of tables that are already frames `validate_table` returned (checking them again would
            give the same frames at the cost of a second pass).

    Returns:
        The paths written.

    Raises:
        WorldIOError: when the folder cannot be created or written.
        TableValidationError: when a table breaks its schema (nothing is written).
    """
    out, staging = make_staging(out_dir, ".staging-")
    try:
        with ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="parquet") as pool:
            jobs: list[Future[None]] = []
            try:
                for name, frame in tables.items():
                    if name not in TABLES and name not in OPTIONAL_TABLES:
                        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")
                    frame = validate_table(name, frame) if validate and name not in validated else frame
                    jobs.append(pool.submit(_write_parquet, frame, staging / f"{name}.parquet"))
                for job in jobs:
                    job.result()  # a writer's error (e.g. a full disk) is raised here
            except BaseException:
                for job in jobs:
                    job.cancel()  # nothing more is written once one table failed
                raise
        written = []
        for name in tables:
            target = out / f"{name}.parquet"
            os.replace(staging / f"{name}.parquet", target)
            written.append(target)
        return written
    except OSError as exc:
        raise WorldIOError(f"cannot write to folder {str(out)!r}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """One table's Parquet file (run in a writer thread)."""
    frame.to_parquet(path, index=False)


def read_tables(
    data_dir: Path | str, names: Iterable[str] | None = None, validate: bool = False
) -> dict[str, pd.DataFrame]:
    """Read the named tables (default: every table present) from a world folder or a claims store.

    Args:
        data_dir: Folder holding `<table>.parquet` files, or a claims store (its current view is read).
        names: Tables to read; each must exist. None reads every known table that is present.
        validate: Check each table against its schema.

    Raises:
        WorldIOError: when the folder or a requested table is missing.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise WorldIOError(f"data folder {str(folder)!r} does not exist")
    if is_store(folder):
        try:
            return read_current(folder, names, validate)
        except StoreError as exc:
            raise WorldIOError(str(exc)) from None
    wanted = list(names) if names is not None else [n for n in TABLES if table_parts(folder, n)]
    tables = {}
    for name in wanted:
        parts = table_parts(folder, name)
        if not parts:
            raise WorldIOError(f"table {name!r} is missing: no file {str(folder / f'{name}.parquet')!r}")
        frame = read_parts(parts)
        tables[name] = validate_table(name, frame) if validate else frame
    return tables


def table_parts(folder: Path, name: str) -> list[Path]:
    """The files holding a table of a world folder: `<name>.parquet`, else the sorted parts of `<name>/`
    (a partitioned world); empty when the table is absent."""
    single = folder / f"{name}.parquet"
    if single.is_file():
        return [single]
    return sorted((folder / name).glob(PART_GLOB)) if (folder / name).is_dir() else []


def is_partitioned(folder: Path | str) -> bool:
    """Whether a world folder holds its claims in parts (`claims/part-*.parquet`)."""
    return len(table_parts(Path(folder), "claims")) > 0 and not (Path(folder) / "claims.parquet").is_file()


def part_file(part: int) -> str:
    """The file name of a table's part `part` in a partitioned world."""
    return f"part-{part:05d}.parquet"


def read_parts(parts: list[Path]) -> pd.DataFrame:
    """One frame from a table's files, read one by one and concatenated in order."""
    if len(parts) == 1:
        return pd.read_parquet(parts[0])
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def write_part(tables: Mapping[str, pd.DataFrame], out_dir: Path | str, part: int) -> list[Path]:
    """Write one part of a partitioned world: each table validated to `<out>/<name>/part-NNNNN.parquet`.

    Each file is written under a temporary name and renamed into place, so a reader never sees half a part.

    Raises:
        WorldIOError: the folder cannot be written.
        TableValidationError: a table breaks its schema.
    """
    out = Path(out_dir)
    written = []
    try:
        for name, frame in tables.items():
            folder = out / name
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / part_file(part)
            temp = folder / f".{target.name}.tmp"
            validate_table(name, frame).to_parquet(temp, index=False)
            os.replace(temp, target)
            written.append(target)
    except OSError as exc:
        raise WorldIOError(f"cannot write to folder {str(out)!r}: {exc.strerror or exc}") from None
    return written


def read_optional_tables(data_dir: Path | str, names: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The named tables a world folder or claims store holds (those it lacks are simply absent).

    For tables a reader can do without, such as the front end's `claim_events`.

    Raises:
        WorldIOError: a present table cannot be read.
    """
    folder = Path(data_dir)
    if is_store(folder):
        present = [n for n in names if n in load_manifest(folder).tables()]
    else:
        present = [n for n in names if table_parts(folder, n)]
    if not present:
        return {}
    if is_store(folder):
        return read_tables(folder, present)
    try:
        return {n: read_parts(table_parts(folder, n)) for n in present}
    except (OSError, ValueError) as exc:
        raise WorldIOError(f"cannot read the tables {', '.join(present)} of {str(folder)!r}: {exc}") from None
