"""`denial-ml triage train` and `denial-ml worklist build`: the recovery model and the ranked worklist."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from denial_ml.cli.worklist import DbOption, open_store, worklist_app

triage_app = typer.Typer(help="The appeal recovery model.", no_args_is_help=True)
DataOption = Annotated[
    str | None,
    typer.Option(
        "--data",
        help="World folder (default: DENIAL_ML_DATA_DIR); with --engine dask also an fsspec URL (s3://bucket/world).",
    ),
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="local: one process; dask: the denials' features and scores part by part on the cluster "
        "(DENIAL_ML_DASK_SCHEDULER, else a local cluster), with the same results.",
    ),
]


@triage_app.command("train")
def train(
    data: DataOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Bundle folder (default: models/triage).")] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Worklist database whose recorded outcomes become training rows."),
    ] = None,
    engine: EngineOption = "local",
) -> None:
    """Train P(overturn) with selection-bias weights, evaluate on the test period, write the bundle."""
    from denial_ml.cli import fail, world_argument
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.jobs.triage import engine_client, train_bundle

    settings = get_settings()
    world = world_argument(data, settings.data_dir, engine)
    store = open_store(db, create=False) if db else None
    try:
        with engine_client(settings, engine) as client:
            folder, metrics = train_bundle(
                world, out or settings.models_dir / "triage", settings.appeal_cost, store, client, _say("triage train")
            )
    except WorldIOError as exc:
        raise fail(str(exc)) from None
    finally:
        if store is not None:
            store.close()
    counts = metrics["counts"]
    typer.echo(
        f"triage bundle {folder}: {counts['train_appeals']} appeals "
        f"(+{counts['feedback_rows']} recorded outcomes) trained, "
        f"{counts['calibration_appeals']} calibrated, {counts['test_denials']} test denials"
    )
    test = metrics.get("test")
    if test:
        typer.echo(
            f"top 20 % recovers ${test['recovered_at_20pct']:,.0f} "
            f"(truth ordering ${test['truth_recovered_at_20pct']:,.0f})"
        )
        for name, figures in test["baselines"].items():
            typer.echo(f"  baseline {name}: ${figures['recovered_at_20pct']:,.0f}")


@worklist_app.command("build")
def build(
    data: DataOption = None,
    model: Annotated[Path | None, typer.Option("--model", help="Triage bundle (default: models/triage).")] = None,
    db: DbOption = None,
    engine: EngineOption = "local",
) -> None:
    """Score the current denials with the triage bundle and upsert them into the worklist."""
    from denial_ml.cli import fail, world_argument
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.jobs.triage import build_worklist, engine_client
    from denial_ml.store import StoreError
    from denial_ml.triage.bundle import BundleError
    from denial_ml.triage.routing import summarize_routes

    settings = get_settings()
    world = world_argument(data, settings.data_dir, engine)
    store = open_store(db, create=True)
    try:
        with engine_client(settings, engine) as client:
            bundle = model or settings.models_dir / "triage"
            ranked, result = build_worklist(world, bundle, store, client, _say("worklist build"))
    except (WorldIOError, BundleError, StoreError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    routes = summarize_routes(ranked["route"], ranked["route_reason"])
    typer.echo(f"worklist: {result.inserted} new, {result.updated} rescored; routes {routes}")


def register(app: typer.Typer) -> None:
    """Add the `triage` command group (and `worklist build` on the worklist group)."""
    app.add_typer(triage_app, name="triage")


def _say(job: str) -> Callable[[str], None]:
    """Each step of a long job, on stderr as it starts (the job logs them too)."""
    return lambda step: typer.echo(f"{job}: {step}", err=True)
