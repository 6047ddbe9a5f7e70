"""The denial tracking report of a partitioned world, computed part by part on Dask workers (`report --engine dask`).

Every measure of the report is a ratio of sums over claims (`analytics.measures`), and a partitioned world keeps
each claim's whole history (remittances, appeals, front-end events) in the claim's part. So each worker turns
its part into the report's sums (`analytics.report.report_sums`), the client adds them up and divides: the same
numbers as the single-process report, without the rows ever meeting in one process. Two passes: the report
date (the latest date of the world, unless given) must be known before any deadline is judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from denial_ml.analytics.facts import REQUIRED_COLUMNS, default_as_of
from denial_ml.analytics.report import report_from_sums, report_sums
from denial_ml.data.io import WorldIOError
from denial_ml.engine.paths import World, exists, is_table_dir, join, part_names, read_file, table_files

if TYPE_CHECKING:
    from distributed import Client

OPTIONAL_TABLES = ("claim_events",)  # front-end rejections: counted when the world has them
REFERENCE = ("payers", "providers")  # read whole by every part: slice keys and labels, appeal deadlines


def read_part_tables(world: World, part: str, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The tables of one part: a partitioned table's file `part`, a reference table whole; absent tables left out
    (the report says which it needs). `world`: a folder, or an fsspec URL (`engine.paths`).

    Raises:
        WorldIOError: a partitioned table lacks this part.
    """
    tables = {}
    for name in names:
        if is_table_dir(world, name):
            path = join(world, name, part)
            if not exists(path):
                raise WorldIOError(f"table {name!r} lacks part {part!r} in {str(join(world, name))!r}")
            tables[name] = read_file(path)
        elif files := table_files(world, name):
            tables[name] = pd.concat([read_file(f) for f in files], ignore_index=True)
    return tables


def part_latest_date(world: World, part: str) -> pd.Timestamp:
    """The latest date of one part (runs on a worker): the report's default date is the latest of these."""
    return default_as_of(read_part_tables(world, part, ("claims", "remittances", "appeals")))


def part_sums(world: World, part: str, day: pd.Timestamp) -> dict[str, Any]:
    """The report's sums of one part (runs on a worker): a few rows per slice group, never the claims."""
    tables = read_part_tables(world, part, (*REQUIRED_COLUMNS, *OPTIONAL_TABLES))
    return report_sums(tables, day)


def report_partitioned(
    client: Client, world: World, as_of: pd.Timestamp | None = None, recorded: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The report of a world folder (partitioned, or single-file as one part), computed on the cluster.

    Args:
        client: A connected Dask client.
        world: The world folder, on a disk every worker reads, or an fsspec URL they read (`s3://...`).
        as_of: Report date; default the latest date in the world.
        recorded: Appeal outcomes recorded in the worklist (small: read by the client), if any.

    Returns:
        The report dict of `analytics.report.build_report`, with the same numbers.

    Raises:
        WorldIOError, ReportInputError: a table cannot be read or lacks columns (raised from the worker).
    """
    parts = part_names(world)
    if as_of is None:
        latest = client.gather(client.map(part_latest_date, [world] * len(parts), parts, pure=False))
        as_of = max(latest)
    day = pd.Timestamp(as_of)
    sums = client.gather(client.map(part_sums, [world] * len(parts), parts, [day] * len(parts), pure=False))
    reference = read_part_tables(world, parts[0], REFERENCE)
    return report_from_sums(sums, day, reference["payers"], reference["providers"], recorded)
