"""`denial-ml report`: the denial report of a world folder as one HTML page plus the same numbers as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report(
    data: Annotated[
        str | None,
        typer.Option("--data", help="World folder of Parquet tables (with --engine dask, also an fsspec URL)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write; the JSON goes beside it.")] = Path(
        "report.html"
    ),
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report date YYYY-MM-DD.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown per long table in the HTML.")] = 15,
    worklist_db: Annotated[
        str | None,
        typer.Option("--worklist-db", help="Worklist database URL: add the appeal outcomes recorded there."),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="local: read the tables here; dask: sum them part by part on the cluster.")
    ] = "local",
) -> None:
    """Write the denial report: measures by payer, category, CARC, procedure, provider and month."""
    # Imported here, not at module level: pandas and the report job would cost every command start-up time
    # (and the cli package imports this module while registering).
    import pandas as pd

    from denial_ml.analytics.facts import ReportInputError
    from denial_ml.cli import fail, world_argument
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.jobs.report import write_report

    folder = world_argument(data, get_settings().data_dir, engine)
    on_cluster = engine == "dask"
    if out.suffix.lower() not in (".html", ".htm"):
        raise fail(f"--out must name an .html file, got {str(out)!r}")
    try:
        day = pd.Timestamp(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}") from None
    recorded = None
    if worklist_db is not None:
        from denial_ml.cli.worklist import open_store

        store = open_store(worklist_db, create=False)
        try:
            recorded = store.outcomes_frame()
        finally:
            store.close()
    try:
        result, html_path, json_path = write_report(
            folder, out, as_of=day, top=top, recorded=recorded, settings=get_settings() if on_cluster else None
        )
    except (WorldIOError, ReportInputError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    totals = result["totals"]
    rate = totals["denial_rate"]
    typer.echo(
        f"{totals['denied']:,} of {totals['adjudicated']:,} adjudicated claims denied"
        f" ({'n/a' if rate is None else f'{100 * rate:.1f}%'}); wrote {html_path} and {json_path}"
    )
    decided = (result["appeal_outcomes"]["worklist"] or {}).get("totals")
    if decided:
        typer.echo(
            f"worklist outcomes: {decided['appeals_decided']:,} appeals decided, "
            f"${decided['recovered_dollars']:,.2f} recovered"
        )
    if not result["reconciliation"]["ok"]:
        failed = [c["name"] for c in result["reconciliation"]["checks"] if not c["ok"]]
        raise fail(f"report does not reconcile: {', '.join(failed)}", code=1)


def register(app: typer.Typer) -> None:
    """Add the `report` command to the CLI."""
    app.command("report")(report)
