"""`denial-ml evaluate` and `denial-ml promote`: champion against challenger, and the `champion` alias."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from denial_ml.cli import fail

# The registry (mlflow), the comparison (pandas, sklearn) and the settings (pydantic) are imported inside the
# commands: `denial-ml --help` and the other commands would otherwise pay for them at start-up.
if TYPE_CHECKING:
    from denial_ml.modeling.registry import ResolvedModel

# The option defaults typer shows in --help, copied so that registering the commands imports no library module;
# tests/code/test_cli_startup.py checks they equal denial_ml.modeling.registry.CHAMPION and
# denial_ml.monitoring.comparison_window.MIN_WINDOW_CLAIMS.
CHAMPION = "champion"
MIN_WINDOW_CLAIMS = 1000

Data = Annotated[Path | None, typer.Option("--data", help="World folder (default: settings data_dir).")]
Period = Annotated[
    int | None,
    typer.Option("--period", help="Compare on claims decided in the last N days (widened to --min-claims)."),
]
MinClaims = Annotated[
    int,
    typer.Option("--min-claims", help="Compare on at least this many of the latest decided claims."),
]
Resamples = Annotated[int, typer.Option("--resamples", help="Paired bootstrap resamples.")]


def evaluate(
    challenger: Annotated[str, typer.Option("--challenger", help="Run id, version, alias or bundle folder.")],
    champion: Annotated[str, typer.Option("--champion", help="Run id, version, alias or bundle folder.")] = CHAMPION,
    period: Period = None,
    min_claims: MinClaims = MIN_WINDOW_CLAIMS,
    data: Data = None,
    out: Annotated[Path, typer.Option("--out", help="JSON file written.")] = Path("reports/evaluation.json"),
    resamples: Resamples = 300,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
) -> None:
    """Compare challenger and champion on the same recently decided claims (paired bootstrap intervals)."""
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.jobs.promote import compare_models
    from denial_ml.modeling.bundle import BundleError
    from denial_ml.modeling.compare import decide, format_comparison
    from denial_ml.modeling.registry import RegistryError, resolve_model

    settings = get_settings()
    try:
        a, b = resolve_model(champion, settings), resolve_model(challenger, settings)
        comparison = compare_models(a, b, data or settings.data_dir, period, resamples, seed, min_claims)
    except (RegistryError, BundleError, WorldIOError, ValueError) as exc:
        raise fail(str(exc)) from None
    decision = decide(comparison)
    typer.echo(format_comparison(comparison, a.label, b.label))
    verdict = "may be promoted" if decision.promote else "would be refused"
    typer.echo(f"decision: challenger {verdict} ({'; '.join(decision.reasons)})")
    body = {
        "champion": _describe(a),
        "challenger": _describe(b),
        "period_days": period,
        "min_claims": min_claims,
        "comparison": comparison.to_json(),
        "decision": {"promote": decision.promote, "reasons": decision.reasons},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(body, indent=2))
    typer.echo(f"wrote {out}")


def promote(
    run: Annotated[str, typer.Argument(help="The challenger: an MLflow run id or a registered version.")],
    force: Annotated[bool, typer.Option("--force", help="Promote even if worse (needs --reason).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (recorded in MLflow).")] = None,
    period: Period = None,
    min_claims: MinClaims = MIN_WINDOW_CLAIMS,
    data: Data = None,
    resamples: Resamples = 300,
) -> None:
    """Move the `champion` alias to RUN when it is not worse than the champion beyond the interval."""
    from denial_ml.config import get_settings
    from denial_ml.data.io import WorldIOError
    from denial_ml.jobs.promote import compare_models
    from denial_ml.modeling.bundle import BundleError
    from denial_ml.modeling.compare import format_comparison
    from denial_ml.modeling.promotion import apply_rule, gate_refusal, promotion_target, refuse_gated
    from denial_ml.modeling.registry import RegistryError, resolve_model

    settings = get_settings()
    if force and not (reason and reason.strip()):
        raise fail("--force needs --reason TEXT saying why (it is recorded in MLflow)")
    try:
        challenger = resolve_model(run, settings)
        version, previous = promotion_target(challenger, settings)
        gated = gate_refusal(challenger)
        if gated:  # before any comparison: a gated-out model never becomes champion, not even the first or forced
            refuse_gated(challenger, version, previous, gated, settings)
            raise fail(
                f"refused: {gated}; " + (f"the champion stays version {previous}" if previous else "no champion"),
                code=1,
            )
        if previous == version:
            raise fail(f"version {version} is already the champion")
        comparison = None
        if previous is not None:
            champion = resolve_model(CHAMPION, settings)
            comparison = compare_models(
                champion, challenger, data or settings.data_dir, period, resamples, min_claims=min_claims
            )
            typer.echo(format_comparison(comparison, champion.label, challenger.label))
        outcome = apply_rule(challenger, version, previous, comparison, settings, reason if force else None)
    except (RegistryError, BundleError, WorldIOError, ValueError) as exc:
        raise fail(str(exc)) from None
    if outcome.decision == "refused":
        raise fail(f"refused: {outcome.reasons}; the champion stays version {previous}", code=1)
    was = f" (was version {previous})" if previous else ""
    typer.echo(
        f"{outcome.decision}: version {version} (run {challenger.run_id}) is now the champion{was}: {outcome.reasons}"
    )


def _describe(model: ResolvedModel) -> dict:
    return {"reference": model.reference, "run_id": model.run_id, "version": model.version, "bundle": str(model.bundle)}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("evaluate")(evaluate)
    app.command("promote")(promote)
