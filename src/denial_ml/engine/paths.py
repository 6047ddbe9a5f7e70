"""World folders given as fsspec URLs (`s3://bucket/world`, `gs://...`, `file:///...`) for the dask engine's readers.

On a cluster of many machines the data is rarely on a disk they all mount; it is on object storage. A world
named by a URL is read by the workers themselves through fsspec (installed with dask; S3 needs `s3fs`, GCS
`gcsfs`), with the same layout as a folder: `<world>/<table>.parquet`, or the parts `<world>/<table>/part-*.parquet`.
A plain path keeps the local readers (`denial_ml.data.io`), so the default is unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from denial_ml.data.io import PART_GLOB, WorldIOError, read_tables, table_parts
from denial_ml.schemas import validate_table

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

World = Path | str  # a folder, or an fsspec URL
URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_url(world: World) -> bool:
    """Whether `world` is an fsspec URL (`scheme://...`) rather than a local path."""
    return isinstance(world, str) and bool(URL.match(world))


def as_world(text: str | Path) -> World:
    """A command-line world argument: a URL kept as text (a `Path` would fold its `//`), else a `Path`."""
    return str(text) if is_url(str(text)) else Path(text)


def filesystem(url: str) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem of a URL and the path within it.

    Raises:
        WorldIOError: the URL's protocol has no installed implementation (e.g. `s3://` without s3fs).
    """
    from fsspec.core import url_to_fs

    try:
        return url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise WorldIOError(f"cannot open {url!r}: {exc}") from None


def join(world: World, *names: str) -> World:
    """`world/name/...` for a path or a URL."""
    if is_url(world):
        return "/".join([str(world).rstrip("/"), *names])
    return Path(world).joinpath(*names)


def table_files(world: World, table: str) -> list[World]:
    """The files of a table: `<table>.parquet`, else the sorted parts `<table>/part-*.parquet`; [] when absent."""
    if not is_url(world):
        return list(table_parts(Path(world), table))
    fs, root = filesystem(str(world))
    single = f"{root.rstrip('/')}/{table}.parquet"
    if fs.isfile(single):
        return [fs.unstrip_protocol(single)]
    return [fs.unstrip_protocol(p) for p in sorted(fs.glob(f"{root.rstrip('/')}/{table}/{PART_GLOB}"))]


def read_file(path: World) -> pd.DataFrame:
    """One Parquet file, local or by URL (pandas opens URLs through fsspec)."""
    return pd.read_parquet(path if is_url(path) else Path(path))


def read_world_tables(world: World, names: list[str] | tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Whole tables of a world, validated (`data.io.read_tables` for a local folder).

    Raises:
        WorldIOError: a table is missing or cannot be read.
    """
    if not is_url(world):
        return read_tables(Path(world), list(names))
    tables = {}
    for name in names:
        files = table_files(world, name)
        if not files:
            raise WorldIOError(f"table {name!r} is missing: no file {str(join(world, name + '.parquet'))!r}")
        tables[name] = validate_table(name, pd.concat([read_file(f) for f in files], ignore_index=True))
    return tables


def is_table_dir(world: World, table: str) -> bool:
    """Whether a world keeps `table` in parts (a `<table>/` folder)."""
    if not is_url(world):
        return (Path(world) / table).is_dir()
    fs, root = filesystem(str(world))
    return bool(fs.isdir(f"{root.rstrip('/')}/{table}"))


def exists(path: World) -> bool:
    """Whether a file exists, local or by URL."""
    if not is_url(path):
        return Path(path).is_file()
    fs, inner = filesystem(str(path))
    return bool(fs.isfile(inner))


def part_names(world: World) -> list[str]:
    """The part file names of a world's claims (`claims.parquet` alone for a single-file world: one part).

    Raises:
        WorldIOError: the folder holds no claims.
    """
    parts = table_files(world, "claims")
    if not parts:
        raise WorldIOError(f"table 'claims' is missing: no file {str(join(world, 'claims.parquet'))!r}")
    return [str(p).rsplit("/", 1)[-1] for p in parts]


def row_count(path: World) -> int:
    """The rows of one Parquet file, from its footer (local or by URL)."""
    import pyarrow.parquet as pq

    if not is_url(path):
        return int(pq.ParquetFile(Path(path)).metadata.num_rows)
    fs, inner = filesystem(str(path))
    with fs.open(inner, "rb") as handle:
        return int(pq.ParquetFile(handle).metadata.num_rows)
