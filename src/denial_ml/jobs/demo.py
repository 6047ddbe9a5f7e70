"""Job: the main job end to end on the embedded defaults (world, model, report, worklist); the CLI then serves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from denial_ml.config import Settings
from denial_ml.data.synthetic.summary import format_summary
from denial_ml.jobs import report, training, triage, world
from denial_ml.modeling.evaluate import format_metrics

Echo = Callable[[str], None]
REPORT_PATH = Path("reports/denials.html")


def run_demo(settings: Settings, echo: Echo, progress: Callable[[str], None] | None = None) -> Path:
    """Steps 1-4 of the demo: generate the settings' world, train and log the denial-risk model, write the
    tracking report, train the recovery model and build the worklist; each step's figures go to `echo`.

    Returns:
        The denial-risk bundle folder (the model the demo then serves).

    Raises:
        WorldIOError, TableValidationError, BundleError, StoreError: a step failed (nothing later runs).
    """
    out = settings.data_dir
    today = dt.date.today()  # the demo world ends today, so its deadlines are live
    echo(f"== 1. synthetic world: {settings.demo_claims:,} claims, seed {settings.demo_seed}, ending {today} -> {out}/")
    summary = world.build_world(settings.demo_claims, settings.demo_seed, out, progress=progress, end_date=today)
    echo(format_summary(summary))
    echo(f"\n== 2. denial-risk model -> {settings.models_dir}/ (MLflow: {settings.tracking_uri})")
    result, run_id = training.train_and_log(out, settings.models_dir, settings, progress=progress)
    echo(f"bundle {result.bundle}, MLflow run {run_id}; test period = last 18 % of submissions")
    echo(format_metrics(result.metrics))
    echo(f"\n== 3. denial tracking report -> {REPORT_PATH}")
    report.write_report(out, REPORT_PATH)
    echo(f"wrote {REPORT_PATH} and {REPORT_PATH.with_suffix('.json')} (open the HTML in a browser)")
    echo("\n== 4. appeal worklist: recovery model, ranked denials with reasons")
    triage.demo_worklist(settings, out, echo)
    return result.bundle
