"""`denial-ml generate` and `denial-ml demo`: make a synthetic world and show what is in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from denial_ml.cli import fail

# The library modules (pandas, numpy, sklearn, pydantic behind them) are imported inside the commands that use
# them: `denial-ml --help` and the other commands would otherwise pay for them at start-up.
if TYPE_CHECKING:
    from denial_ml.config import Settings
    from denial_ml.data.synthetic.params import WorldTimeline


def get_settings() -> Settings:
    """The project settings, `denial_ml.config` imported on first use (pydantic costs start-up time)."""
    from denial_ml.config import get_settings as read_settings

    return read_settings()


def build_world_with_progress(
    n_claims: int,
    seed: int,
    out: Path,
    x12: bool = False,
    timeline: WorldTimeline | None = None,
    store: bool = False,
    policies: Path | None = None,
    end_date: dt.date | None = None,
) -> dict:
    """`denial_ml.jobs.world.build_world` with a progress display on the terminal."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from denial_ml.jobs.world import build_world

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("generating", total=None)

        def step(name: str) -> None:
            bar.update(task, description=name)

        return build_world(
            n_claims, seed, out, x12, timeline, progress=step, store=store, policies=policies, end_date=end_date
        )


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
    store: Annotated[
        bool,
        typer.Option("--store", help="Write OUT as a claims store (the layout `denial-ml ingest` adds to)."),
    ] = False,
    policies: Annotated[
        Path | None,
        typer.Option(
            "--policies",
            help="Policy file (YAML) with the payers' rules (docs/policies.md); default: the built-in world's rules.",
        ),
    ] = None,
    end_date: Annotated[
        str | None,
        typer.Option(
            "--end-date",
            help="YYYY-MM-DD or 'today': move the whole calendar so the world's last day is this one "
            "(default: the generator's own calendar, ending in 2026-03).",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option("--engine", help="local: one process; dask: a partitioned world, part by part on the cluster."),
    ] = "local",
    partitions: Annotated[
        int | None,
        typer.Option(
            "--partitions",
            min=1,
            help="Parts of a --engine dask world (OUT/<table>/part-NNNNN.parquet); default one per 250,000 claims.",
        ),
    ] = None,
) -> None:
    """Generate a synthetic claims world: one Parquet file per table plus truth.parquet."""
    if claims < 1:
        raise fail(f"--claims must be a positive number of claims, got {claims}")
    from denial_ml.engine.cluster import EngineUnavailableError, check_engine

    try:
        on_cluster = check_engine(engine) == "dask"
    except (ValueError, EngineUnavailableError) as exc:
        raise fail(str(exc)) from None
    if on_cluster:
        if x12 or store or end_date is not None:
            raise fail("--x12, --store and --end-date make a single-process world: leave out --engine dask")
        generate_partitioned(claims, seed, out, partitions, no_rule_change, policies)
        return
    if partitions is not None:
        raise fail("--partitions needs --engine dask")
    from denial_ml.data.claims_store import StoreError as ClaimsStoreError
    from denial_ml.data.io import WorldIOError
    from denial_ml.data.synthetic.params import WorldTimeline
    from denial_ml.data.synthetic.policies import PolicyError
    from denial_ml.data.synthetic.summary import format_summary
    from denial_ml.ingest.x12_write import X12WriteError
    from denial_ml.schemas import TableValidationError

    anchor = parse_end_date(end_date) if end_date is not None else None
    try:
        # An empty code list switches the payer rule change off (later random draws differ, the physics does not).
        timeline = WorldTimeline(rule_change_codes=()) if no_rule_change else None
        summary = build_world_with_progress(claims, seed, out, x12, timeline, store, policies, anchor)
    except (PolicyError, WorldIOError, TableValidationError, X12WriteError, ClaimsStoreError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write X12 files to {str(out / 'x12')!r}: {exc.strerror or exc}") from None
    ending = f", ending {anchor}" if anchor else ""
    typer.echo(f"wrote {out}/ ({claims:,} claims, seed {seed}{ending})" + (f" and {out}/x12/" if x12 else ""))
    typer.echo(format_summary(summary))


def parse_end_date(value: str) -> dt.date:
    """`--end-date`: "today" or an ISO date (a usage error names the value otherwise)."""
    if value.strip().lower() == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"--end-date must be YYYY-MM-DD or 'today', got {value!r}") from None


PART_CLAIMS = 250_000  # claims per part by default: a part's generation peaks well under a worker's 3 GiB


def generate_partitioned(
    claims: int, seed: int, out: Path, partitions: int | None, no_rule_change: bool, policies: Path | None
) -> None:
    """`generate --engine dask`: the partitioned world, generated on the configured cluster."""
    from denial_ml.data.io import WorldIOError
    from denial_ml.data.synthetic.params import WorldTimeline
    from denial_ml.data.synthetic.policies import PolicyError
    from denial_ml.jobs.scale import generate_world_dask
    from denial_ml.schemas import TableValidationError

    parts = partitions or max(1, -(-claims // PART_CLAIMS))
    timeline = WorldTimeline(rule_change_codes=()) if no_rule_change else None
    try:
        summary = generate_world_dask(get_settings(), claims, seed, parts, out, timeline, policies)
    except (ValueError, PolicyError, WorldIOError, TableValidationError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {out}/ ({claims:,} claims in {parts:,} parts, seed {seed})")
    typer.echo(
        f"{summary['adjudicated']:,} adjudicated, {summary['denied']:,} denied "
        f"(denial rate {summary['denial_rate']:.1%}); {summary['appeals']:,} appeals, "
        f"overturn rate {summary['overturn_rate']:.1%}; {summary['patients']:,} patients"
    )


def demo() -> None:
    """Run the main job end to end on the embedded defaults: world, model, report, worklist, then the service."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from denial_ml.cli.serve import serve_demo
    from denial_ml.data.io import WorldIOError
    from denial_ml.jobs.demo import run_demo
    from denial_ml.modeling.bundle import BundleError
    from denial_ml.schemas import TableValidationError
    from denial_ml.store import StoreError

    settings = get_settings()
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task("demo", total=None)
            bundle = run_demo(settings, typer.echo, progress=lambda s: bar.update(task, description=s))
    except (WorldIOError, TableValidationError, BundleError, StoreError) as exc:
        raise fail(str(exc)) from None
    typer.echo("\n== 5. the service, serving this model (Ctrl-C ends the demo)")
    serve_demo(settings, settings.data_dir, bundle)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("generate")(generate)
    app.command("demo")(demo)
