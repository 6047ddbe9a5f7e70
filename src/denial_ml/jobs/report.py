"""Job: the denial tracking report of a world folder, written as one HTML page plus the same numbers as JSON."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from denial_ml.analytics.facts import REQUIRED_COLUMNS
from denial_ml.data.io import read_optional_tables, read_tables

if TYPE_CHECKING:
    from denial_ml.config import Settings

OPTIONAL_TABLES = ("claim_events",)  # front-end rejections: the report shows them when present


def write_report(
    data_dir: Path | str,
    out: Path,
    as_of: pd.Timestamp | None = None,
    top: int = 15,
    recorded: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> tuple[dict, Path, Path]:
    """Build the report from the world's tables and write `out` (HTML) with its JSON beside it; `recorded`: the
    appeal outcomes recorded in the worklist (`WorklistStore.outcomes_frame()`), shown beside the payers'.

    Args:
        data_dir: The world folder (single-file, partitioned or a claims store); with `settings`, also an fsspec
            URL the workers read (`engine.paths`).
        out: The HTML file.
        as_of: Report date; default the latest date in the world.
        top: Rows shown per long table in the HTML.
        recorded: Appeal outcomes recorded in the worklist, shown beside the payers'.
        settings: Given, the report's sums are computed part by part on the Dask cluster they name
            (`report --engine dask`, `denial_ml.engine.report`); None reads the tables into this process.

    Returns:
        The report, the HTML path and the JSON path.

    Raises:
        WorldIOError, ReportInputError: the tables cannot be read or lack columns.
        OSError: the files cannot be written (nothing is left half-written).
    """
    if settings is not None:
        from denial_ml.jobs.scale import report_dask

        result = report_dask(settings, data_dir, as_of, recorded)
    else:
        tables = read_tables(Path(data_dir), names=list(REQUIRED_COLUMNS))
        tables.update(read_optional_tables(Path(data_dir), OPTIONAL_TABLES))
        # Imported after the tables are read: the charts' matplotlib (0.8 s) is needed only to render, so the
        # command starts reading its data within its start-up budget (issue #20; bench/bench_startup.py).
        from denial_ml.analytics.report import build_report

        result = build_report(tables, as_of=as_of, recorded=recorded)
    from denial_ml.analytics.render import render_html, render_json

    html_path, json_path = write_report_files(render_html(result, top=top), render_json(result), out)
    return result, html_path, json_path


def write_report_files(html: str, json_text: str, out: Path) -> tuple[Path, Path]:
    """Write `out` (HTML) and the JSON beside it (same stem, `.json`).

    Both files are written in full to temporary names in the target folder first and only then renamed
    into place, so a failure while writing (disk full, bad folder) leaves no half-written or lone file.

    Raises:
        OSError: the folder cannot be written.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    json_path = out.with_suffix(".json")
    staged: list[tuple[Path, Path]] = []
    try:
        for text, target in ((html, out), (json_text, json_path)):
            # A plain open (not mkstemp) so the file gets the usual umask permissions, not 0600.
            temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
            staged.append((temp, target))
            with open(temp, "x", encoding="utf-8") as handle:
                handle.write(text)
        for temp, target in staged:
            os.replace(temp, target)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    return out, json_path
