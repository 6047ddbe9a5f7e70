"""`denial-ml drift`: recent claims and outcomes against the model's training period, and payer rule changes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from denial_ml.cli import fail

TABLES = ["claims", "claim_lines", "remittances", "remittance_lines", "adjustments", "appeals"]


def drift(
    since: Annotated[dt.datetime, typer.Option("--since", help="First day of the recent period (YYYY-MM-DD).")],
    data: Annotated[Path | None, typer.Option("--data", help="World folder (default: settings data_dir).")] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Bundle folder, run id, version or alias (default: MODELS_DIR/denial-risk)."),
    ] = None,
    as_of: Annotated[
        dt.datetime | None, typer.Option("--as-of", help="Report as known at the end of this day (default: latest).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="JSON file written.")] = Path("reports/drift.json"),
    alpha: Annotated[float, typer.Option("--alpha", help="Family-wise false-flag rate of the rule watch.")] = 0.05,
    allow_overlap: Annotated[
        bool,
        typer.Option(
            "--allow-overlap",
            help="Run although --since falls in the model's training period (the rule watch reads outcomes only; "
            "the model's expected rates there are in-sample).",
        ),
    ] = False,
) -> None:
    """Drift report: feature stability, denials by payer x category against the model, calibration, rule changes."""
    # Imported here, not at module level: pandas, lightgbm and mlflow cost start-up time for every command.
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError, read_tables
    from denial_ml.modeling.bundle import BundleError, Scorer
    from denial_ml.modeling.registry import RegistryError, resolve_model
    from denial_ml.monitoring.comparison_window import refuse_overlap
    from denial_ml.monitoring.drift_report import build_drift_report, format_drift_report, report_to_json
    from denial_ml.monitoring.rule_changes import WatchConfig

    settings = get_settings()
    if not 0 < alpha < 1:
        raise fail(f"--alpha must be between 0 and 1, got {alpha}")
    reference = model or str(Path(settings.models_dir) / settings.registry_model_name)
    try:
        resolved = resolve_model(reference, settings)
        scorer = Scorer.load(resolved.bundle)
        if not allow_overlap:
            refuse_overlap(since, {f"model {resolved.label}": scorer.metadata}, "the recent period (--since)")
        tables = read_tables(data or settings.data_dir, TABLES)
        metrics_file = resolved.bundle / "metrics.json"
        test_ece = json.loads(metrics_file.read_text())["test"].get("ece") if metrics_file.exists() else None
        report = build_drift_report(
            tables, scorer, since, as_of, watch=WatchConfig(alpha=alpha), reference_ece=test_ece
        )
    except (RegistryError, BundleError, WorldIOError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(format_drift_report(report))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report_to_json(report), indent=2))
    typer.echo(f"\nwrote {out}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("drift")(drift)
