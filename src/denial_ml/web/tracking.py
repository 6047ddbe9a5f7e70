"""The denial tracking screen's data: the tracking report of the configured world folder, with its charts.

The report (`denial_ml.analytics`) is built once and kept until a table file of the folder changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from denial_ml.analytics.charts import report_charts
from denial_ml.analytics.facts import REQUIRED_COLUMNS, ReportInputError
from denial_ml.analytics.render import CLAIM_COLUMNS, DENIAL_COLUMNS
from denial_ml.analytics.report import build_report
from denial_ml.data.io import WorldIOError, read_optional_tables, read_tables

VIEWS = {
    "month": ("By month of service", CLAIM_COLUMNS),
    "payer": ("By payer", CLAIM_COLUMNS),
    "category": ("By denial category", DENIAL_COLUMNS),
}


class TrackingUnavailable(RuntimeError):  # noqa: N818 (reads as the condition)
    """The world folder cannot give a report; the message says why."""


def folder_key(folder: Path) -> tuple[tuple[str, int], ...]:
    """Names and modification times of the folder's table files (a new key means a new report)."""
    if not folder.is_dir():
        raise TrackingUnavailable(
            f"No data: the folder {str(folder)!r} does not exist (set DENIAL_ML_DATA_DIR, or run `make demo`)."
        )
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.parquet")))


def build_tracking(folder: Path) -> dict[str, Any]:
    """The report dict of `folder` and its charts (SVG strings).

    Raises:
        TrackingUnavailable: a table is missing or unreadable, or the tables do not make a report.
    """
    try:
        tables = read_tables(folder, names=list(REQUIRED_COLUMNS))
        tables.update(read_optional_tables(folder, ("claim_events",)))
        report = build_report(tables)
    except (WorldIOError, ReportInputError, FileNotFoundError) as exc:
        raise TrackingUnavailable(f"No report for {str(folder)!r}: {exc}") from None
    return {"report": report, "charts": report_charts(report)}


def slice_view(report: dict[str, Any], name: str) -> dict[str, Any]:
    """Rows and columns of one slice table (`month`, `payer` or `category`)."""
    title, columns = VIEWS[name]
    return {
        "name": name,
        "title": title,
        "rows": report["slices"][name],
        "columns": [{"field": f, "title": t, "kind": k} for f, t, k in columns],
    }
