"""`denial-ml report`: the denial report of a world folder as one HTML page plus the same numbers as JSON."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from denial_ml.analytics.facts import REQUIRED_COLUMNS, ReportInputError
from denial_ml.analytics.render import render_html, render_json
from denial_ml.analytics.report import build_report
from denial_ml.config import get_settings
from denial_ml.data.io import WorldIOError, read_tables


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


def report(
    data: Annotated[Path | None, typer.Option("--data", help="World folder of Parquet tables.")] = None,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write; the JSON goes beside it.")] = Path(
        "report.html"
    ),
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report date YYYY-MM-DD.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown per long table in the HTML.")] = 15,
) -> None:
    """Write the denial report: measures by payer, category, CARC, procedure, provider and month."""
    from denial_ml.cli import fail  # late: the cli package imports this module while registering

    folder = data or get_settings().data_dir
    if out.suffix.lower() not in (".html", ".htm"):
        raise fail(f"--out must name an .html file, got {str(out)!r}")
    try:
        day = pd.Timestamp(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}") from None
    try:
        tables = read_tables(folder, names=list(REQUIRED_COLUMNS))
        result = build_report(tables, as_of=day)
    except (WorldIOError, ReportInputError) as exc:
        raise fail(str(exc)) from None
    try:
        html_path, json_path = write_report_files(render_html(result, top=top), render_json(result), out)
    except OSError as exc:
        raise fail(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    totals = result["totals"]
    rate = totals["denial_rate"]
    typer.echo(
        f"{totals['denied']:,} of {totals['adjudicated']:,} adjudicated claims denied"
        f" ({'n/a' if rate is None else f'{100 * rate:.1f}%'}); wrote {html_path} and {json_path}"
    )
    if not result["reconciliation"]["ok"]:
        failed = [c["name"] for c in result["reconciliation"]["checks"] if not c["ok"]]
        raise fail(f"report does not reconcile: {', '.join(failed)}", code=1)


def register(app: typer.Typer) -> None:
    """Add the `report` command to the CLI."""
    app.command("report")(report)
