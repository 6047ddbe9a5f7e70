"""`denial-ml triage train` and `denial-ml worklist build`: the recovery model and the ranked worklist."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.engine import make_url

from denial_ml.cli.worklist import DbOption, open_store, worklist_app

if TYPE_CHECKING:
    from denial_ml.config import Settings

triage_app = typer.Typer(help="The appeal recovery model.", no_args_is_help=True)
DataOption = Annotated[Path | None, typer.Option("--data", help="World folder (default: DENIAL_ML_DATA_DIR).")]


@triage_app.command("train")
def train(
    data: DataOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Bundle folder (default: models/triage).")] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Worklist database whose recorded outcomes become training rows."),
    ] = None,
) -> None:
    """Train P(overturn) with selection-bias weights, evaluate on the test period, write the bundle."""
    from denial_ml.cli import fail
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.triage.service import train_bundle

    settings = get_settings()
    store = open_store(db, create=False) if db else None
    try:
        folder, metrics = train_bundle(
            data or settings.data_dir, out or settings.models_dir / "triage", settings.appeal_cost, store
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
) -> None:
    """Score the current denials with the triage bundle and upsert them into the worklist."""
    from denial_ml.cli import fail
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.store import StoreError
    from denial_ml.triage.bundle import BundleError
    from denial_ml.triage.routing import summarize_routes
    from denial_ml.triage.service import build_worklist

    settings = get_settings()
    store = open_store(db, create=True)
    try:
        ranked, result = build_worklist(data or settings.data_dir, model or settings.models_dir / "triage", store)
    except (WorldIOError, BundleError, StoreError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    routes = summarize_routes(ranked["route"], ranked["route_reason"])
    typer.echo(f"worklist: {result.inserted} new, {result.updated} rescored; routes {routes}")


def demo_worklist(settings: Settings, data_dir: Path, top: int = 10) -> int:
    """Demo step: train the recovery model on the world, build the worklist into the configured store and
    print its `top` items with their reasons.

    Returns:
        The number of items in the worklist.
    """
    from denial_ml.cli import fail
    from denial_ml.data.io import WorldIOError
    from denial_ml.store import StoreError
    from denial_ml.triage.bundle import BundleError

    try:
        return _demo_worklist(settings, data_dir, top)
    except (WorldIOError, BundleError, StoreError) as exc:
        raise fail(str(exc)) from None


def _demo_worklist(settings: Settings, data_dir: Path, top: int) -> int:
    from denial_ml.cli.worklist import format_reasons
    from denial_ml.triage.routing import summarize_routes
    from denial_ml.triage.service import build_worklist, train_bundle

    started = time.perf_counter()
    typer.echo("training the recovery model (P(overturn), selection-bias weights) ...")
    bundle, metrics = train_bundle(data_dir, settings.models_dir / "triage", settings.appeal_cost)
    test = metrics.get("test") or {}
    recovered = (
        f"; top 20 % of the test period recovers ${test['recovered_at_20pct']:,.0f} "
        f"(truth ordering ${test['truth_recovered_at_20pct']:,.0f})"
        if test
        else ""
    )
    typer.echo(f"bundle {bundle} in {time.perf_counter() - started:.1f} s{recovered}")
    store = open_store(settings.worklist_url, create=True)
    try:
        step = time.perf_counter()
        typer.echo(f"building the worklist -> {make_url(settings.worklist_url).render_as_string(hide_password=True)}")
        ranked, result = build_worklist(data_dir, bundle, store)
        typer.echo(
            f"{len(ranked):,} denials scored and explained in {time.perf_counter() - step:.1f} s: "
            f"{result.inserted:,} new, {result.updated:,} rescored; routes "
            + summarize_routes(ranked["route"], ranked["route_reason"])
        )
        page = store.list_items(limit=top)
    finally:
        store.close()
    typer.echo(format_reasons(page))
    typer.echo("more: `denial-ml worklist show --top 20`, or the web worklist at /ui/worklist once serving")
    return page.total


def register(app: typer.Typer) -> None:
    """Add the `triage` command group (and `worklist build` on the worklist group)."""
    app.add_typer(triage_app, name="triage")
