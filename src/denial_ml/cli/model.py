"""`denial-ml train` and `denial-ml score`: the denial-risk model's commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from denial_ml.cli import fail

# The library modules (pandas, lightgbm, mlflow, pydantic behind them) are imported inside the functions that use
# them: `denial-ml --help` and the other commands would otherwise pay for them at start-up.
if TYPE_CHECKING:
    from denial_ml.modeling.bundle import Scorer
    from denial_ml.modeling.result import TrainingResult
    from denial_ml.modeling.scoring_io import ClaimBatch


def train_with_progress(
    data: Path, out: Path, track: bool = True, engine: str = "local"
) -> tuple[TrainingResult, str | None]:
    """`train_and_log` with a progress display on the terminal (the job logs its steps too); when the output is
    not a terminal (a log file, CI), one line per step instead, so a long run shows where it is."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from denial_ml.config import get_settings
    from denial_ml.jobs.training import train_and_log

    if not sys.stderr.isatty():
        return train_and_log(
            data, out, get_settings(), track, progress=lambda s: typer.echo(f"training: {s}", err=True), engine=engine
        )
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("training", total=None)
        return train_and_log(
            data,
            out,
            get_settings(),
            track,
            progress=lambda s: bar.update(task, description=f"training: {s}"),
            engine=engine,
        )


def train(
    data: Annotated[Path, typer.Option("--data", help="World folder (Parquet tables).")] = Path("data/synthetic/demo"),
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for model bundles (default: DENIAL_ML_MODELS_DIR).")
    ] = None,
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Skip MLflow logging.")] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local (one process) or dask: features and the denial model on a Dask cluster "
            "(DENIAL_ML_DASK_SCHEDULER, else a local one of DENIAL_ML_DASK_WORKERS processes).",
        ),
    ] = "local",
) -> None:
    """Train the denial-risk and category models, evaluate on the last period, write a bundle, log to MLflow."""
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.engine.cluster import EngineUnavailableError, check_engine
    from denial_ml.modeling.evaluate import format_metrics
    from denial_ml.schemas import TableValidationError

    try:
        check_engine(engine)
    except (ValueError, EngineUnavailableError) as exc:
        raise fail(str(exc)) from None
    try:
        result, run_id = train_with_progress(
            data, out or Path(get_settings().models_dir), track=not no_mlflow, engine=engine
        )
    except (WorldIOError, TableValidationError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"bundle: {result.bundle}" + (f"   MLflow run: {run_id}" if run_id else ""))
    typer.echo(format_metrics(result.metrics))


def load_scorer_and_claims(model: Path, claims: Path, lines: Path | None) -> tuple[Scorer, ClaimBatch]:
    """The bundle and the valid claims of a file, the first 20 rejected rows printed to stderr (for `score` and
    `explain`); a refused bundle or an unreadable file ends the command with its message."""
    from denial_ml.modeling.bundle import BundleError, Scorer
    from denial_ml.modeling.scoring_io import load_claim_batch
    from denial_ml.schemas import TableValidationError

    try:
        scorer = Scorer.load(model)
        batch = load_claim_batch(claims, lines, set(scorer.builder.categories_["payer_id"]))
    except (BundleError, TableValidationError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    print_rejected(batch.rejected)
    return scorer, batch


def score(
    model: Annotated[Path, typer.Option("--model", help="Model bundle folder.")],
    claims: Annotated[Path, typer.Option("--claims", help="Claims file (Parquet/CSV) or a world folder.")],
    out: Annotated[Path, typer.Option("--out", help="Output file (.parquet or .csv).")],
    lines: Annotated[Path | None, typer.Option("--lines", help="Claim lines file (Parquet/CSV).")] = None,
    engine: Annotated[
        str,
        typer.Option("--engine", help="local: one process; dask: part by part on the cluster, OUT a folder of parts."),
    ] = "local",
) -> None:
    """Score claims in batch: risk, category probabilities, likely category, model version."""
    if engine != "local":
        score_on_cluster(model, claims, out, lines, engine)
        return
    scorer, batch = load_scorer_and_claims(model, claims, lines)
    if batch.claims.empty:
        raise fail("no valid claims to score")
    scored = scorer.score(batch.claims, batch.lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        scored.to_csv(out, index=False)
    else:
        scored.to_parquet(out, index=False)
    typer.echo(f"scored {len(scored):,} claims ({len(batch.rejected['claim_id'].unique()):,} rejected) -> {out}")


def score_on_cluster(model: Path, claims: Path, out: Path, lines: Path | None, engine: str) -> None:
    """`score --engine dask`: every part of a world folder scored on the cluster into OUT/part-NNNNN.parquet."""
    from denial_ml.config import get_settings
    from denial_ml.engine.cluster import EngineUnavailableError, check_engine
    from denial_ml.jobs.scale import score_dask
    from denial_ml.modeling.bundle import BundleError
    from denial_ml.schemas import TableValidationError

    try:
        check_engine(engine)
    except (ValueError, EngineUnavailableError) as exc:
        raise fail(str(exc)) from None
    if lines is not None or not claims.is_dir():
        raise fail("--engine dask scores a world folder (--claims FOLDER, partitioned or not), not --lines files")
    if out.suffix:
        raise fail(f"--engine dask writes a folder of parts: --out must name a folder, got {str(out)!r}")
    try:
        result = score_dask(get_settings(), model, claims, out)
    except (BundleError, TableValidationError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    print_rejected(result.rejected)
    rejected = len(result.rejected["claim_id"].unique())
    typer.echo(f"scored {result.written:,} claims ({rejected:,} rejected) -> {out}/ ({len(result.files):,} parts)")


def print_rejected(rejected) -> None:
    """The first 20 refused rows on stderr, as the single-process path lists them."""
    for p in rejected.head(20).itertuples():
        typer.echo(f"rejected {p.table} row {p.row} (claim {p.claim_id}): column {p.column!r}: {p.problem}", err=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("train")(train)
    app.command("score")(score)
