"""`denial-ml generate` and `denial-ml demo`: make a synthetic world and show what is in it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from denial_ml.cli import fail
from denial_ml.config import get_settings
from denial_ml.data.io import WorldIOError, write_tables
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.summary import format_summary, summarize_world
from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.reference import extract_reference, write_reference
from denial_ml.ingest.x12_write import X12WriteError, write_x12
from denial_ml.schemas import TableValidationError


def build_world(n_claims: int, seed: int, out: Path, x12: bool = False, timeline: WorldTimeline | None = None) -> dict:
    """Generate a world with a progress display, write it all-or-nothing, and return its summary.

    With `x12`, the claims and remittances are also written as 837P/837I/835 files under `out/x12/`, and the
    practice's reference data X12 does not carry (payers, providers, patients, coverages, authorizations,
    eligibility checks) under `out/x12/reference/` (see `denial_ml.ingest.reference`);
    `timeline` overrides the world's dated changes (e.g. a control world without the payer rule change).
    """
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("generating", total=None)
        tables = generate_world(
            n_claims, seed, timeline, progress=lambda s: bar.update(task, description=f"generating: {s}")
        )
        bar.update(task, description="writing Parquet tables")
        write_tables(tables, out)
        if x12:
            bar.update(task, description="writing X12 837/835 files")
            write_x12(tables, out / "x12")
            write_reference(extract_reference(tables), out / "x12" / "reference")
    return summarize_world(tables)


def generate(
    claims: Annotated[int, typer.Option("--claims", help="Number of claims to generate.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives identical files.")] = 7,
    out: Annotated[Path, typer.Option("--out", help="Folder for the Parquet tables.")] = Path("data/synthetic/world"),
    x12: Annotated[
        bool,
        typer.Option(
            "--x12",
            help="Also write the claims and remittances as X12 837/835 files in OUT/x12/ "
            "(and the reference data X12 does not carry in OUT/x12/reference/).",
        ),
    ] = False,
    no_rule_change: Annotated[
        bool, typer.Option("--no-rule-change", help="Control world: no mid-history payer rule change.")
    ] = False,
) -> None:
    """Generate a synthetic claims world: one Parquet file per table plus truth.parquet."""
    if claims < 1:
        raise fail(f"--claims must be a positive number of claims, got {claims}")
    try:
        # An empty code list switches the payer rule change off (later random draws differ, the physics does not).
        timeline = WorldTimeline(rule_change_codes=()) if no_rule_change else None
        summary = build_world(claims, seed, out, x12, timeline)
    except (WorldIOError, TableValidationError, X12WriteError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write X12 files to {str(out / 'x12')!r}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {out}/ ({claims:,} claims, seed {seed})" + (f" and {out}/x12/" if x12 else ""))
    typer.echo(format_summary(summary))


def demo() -> None:
    """Run the main job end to end on the embedded defaults: world, model, report, worklist, then the service."""
    from denial_ml.analytics.render import render_html, render_json
    from denial_ml.analytics.report import build_report
    from denial_ml.cli.model import format_metrics, train_and_log
    from denial_ml.cli.report import write_report_files

    settings = get_settings()
    out = settings.data_dir
    typer.echo(f"== 1. synthetic world: {settings.demo_claims:,} claims, seed {settings.demo_seed} -> {out}/")
    try:
        summary = build_world(settings.demo_claims, settings.demo_seed, out)
    except (WorldIOError, TableValidationError) as exc:
        raise fail(str(exc)) from None
    typer.echo(format_summary(summary))
    typer.echo(f"\n== 2. denial-risk model -> {settings.models_dir}/ (MLflow: {settings.tracking_uri})")
    result, run_id = train_and_log(out, settings.models_dir)
    typer.echo(f"bundle {result.bundle}, MLflow run {run_id}; test period = last 18 % of submissions")
    typer.echo(format_metrics(result.metrics))
    report_path = Path("reports/denials.html")
    typer.echo(f"\n== 3. denial tracking report -> {report_path}")
    from denial_ml.data.io import read_tables

    report = build_report(read_tables(out))
    write_report_files(render_html(report), render_json(report), report_path)
    typer.echo(f"wrote {report_path} and {report_path.with_suffix('.json')} (open the HTML in a browser)")
    from denial_ml.cli.triage import demo_worklist

    typer.echo("\n== 4. appeal worklist: recovery model, ranked denials with reasons")
    demo_worklist(settings, out)
    from denial_ml.cli.serve import serve_demo

    typer.echo("\n== 5. the service, serving this model (Ctrl-C ends the demo)")
    serve_demo(settings, out, result.bundle)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("generate")(generate)
    app.command("demo")(demo)
