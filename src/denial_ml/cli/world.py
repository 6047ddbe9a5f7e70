"""`denial-ml generate` and `denial-ml demo`: make a synthetic world and show what is in it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from denial_ml.cli import fail
from denial_ml.config import get_settings
from denial_ml.data.io import WorldIOError, write_tables
from denial_ml.data.synthetic.summary import format_summary, summarize_world
from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.x12_write import X12WriteError, write_x12
from denial_ml.schemas import TableValidationError


def build_world(n_claims: int, seed: int, out: Path, x12: bool = False) -> dict:
    """Generate a world with a progress display, write it all-or-nothing, and return its summary.

    With `x12`, the claims and remittances are also written as 837P/837I/835 files under `out/x12/`.
    """
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task("generating", total=None)
        tables = generate_world(
            n_claims, seed, progress=lambda s: bar.update(task, description=f"generating: {s}")
        )
        bar.update(task, description="writing Parquet tables")
        write_tables(tables, out)
        if x12:
            bar.update(task, description="writing X12 837/835 files")
            write_x12(tables, out / "x12")
    return summarize_world(tables)


def generate(
    claims: Annotated[int, typer.Option("--claims", help="Number of claims to generate.")] = 10_000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed gives identical files.")
    ] = 7,
    out: Annotated[Path, typer.Option("--out", help="Folder for the Parquet tables.")] = Path(
        "data/synthetic/world"
    ),
    x12: Annotated[
        bool,
        typer.Option("--x12", help="Also write the claims and remittances as X12 837/835 files in OUT/x12/."),
    ] = False,
) -> None:
    """Generate a synthetic claims world: one Parquet file per table plus truth.parquet."""
    if claims < 1:
        raise fail(f"--claims must be a positive number of claims, got {claims}")
    try:
        summary = build_world(claims, seed, out, x12)
    except (WorldIOError, TableValidationError, X12WriteError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write X12 files to {str(out / 'x12')!r}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {out}/ ({claims:,} claims, seed {seed})" + (f" and {out}/x12/" if x12 else ""))
    typer.echo(format_summary(summary))


def demo() -> None:
    """Run the main job end to end on the embedded defaults (a synthetic world, then its summary)."""
    settings = get_settings()
    out = settings.data_dir
    typer.echo(f"== 1. synthetic world: {settings.demo_claims:,} claims, seed {settings.demo_seed} -> {out}/")
    try:
        summary = build_world(settings.demo_claims, settings.demo_seed, out)
    except (WorldIOError, TableValidationError) as exc:
        raise fail(str(exc)) from None
    typer.echo(format_summary(summary))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("generate")(generate)
    app.command("demo")(demo)
