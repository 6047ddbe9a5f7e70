"""`denial-ml explain`: top factors with sentences and fixes, and check findings, per claim."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from denial_ml.cli import fail
from denial_ml.cli.model import load_scorer_and_claims

# Imported inside `explain` (shap, lightgbm and pandas behind it): `denial-ml --help` would pay for it at start-up.
if TYPE_CHECKING:
    from denial_ml.explain.explainer import Explainer

CHUNK = 5000  # claims explained per step: bounded memory and a progress bar on large files


def format_explanation(explanation: dict) -> str:
    """A readable view of one claim's explanation (for a terminal)."""
    e = explanation
    out = [
        f"claim {e['claim_id']}: denial risk {100 * e['denial_risk']:.1f}%  "
        f"(likely {e['likely_category'].replace('_', ' ')}; model {e['model_version']})"
    ]
    if e["factors"]:
        out.append("why:")
        for i, f in enumerate(e["factors"], start=1):
            out.append(f"  {i}. [{f['category']}] {f['sentence']}  (+{f['contribution']:.2f} log-odds)")
            out.append(f"     fix: {f['fix']}")
    else:
        out.append("why: nothing on this claim raises its risk above the payer's usual.")
    if e["findings"]:
        out.append("checks:")
        for f in e["findings"]:
            out.append(f"  {f['severity'].upper():7} {f['code']} ({f['field']}): {f['message']}")
            out.append(f"          fix: {f['fix']}")
    else:
        out.append("checks: no findings")
    return "\n".join(out)


def explain(
    model: Annotated[Path, typer.Option("--model", help="Model bundle folder.")],
    claims: Annotated[Path, typer.Option("--claims", help="Claims file (Parquet/CSV) or a world folder.")],
    lines: Annotated[Path | None, typer.Option("--lines", help="Claim lines file (Parquet/CSV).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="JSON-lines output (one claim per line).")] = None,
    claim_id: Annotated[str | None, typer.Option("--claim-id", help="Explain only this claim and print it.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=10, help="Factors per claim.")] = 3,
    engine: Annotated[
        str,
        typer.Option(
            "--engine", help="local: one process; dask: part by part on the cluster, OUT a folder of .jsonl parts."
        ),
    ] = "local",
) -> None:
    """Explain claims: top factors (sentence, fix, category, contribution) and pre-submission check findings."""
    if engine != "local":
        explain_on_cluster(model, claims, lines, out, claim_id, top, engine)
        return
    scorer, batch = load_scorer_and_claims(model, claims, lines)
    chosen, chosen_lines = batch.claims, batch.lines
    if claim_id is not None:
        chosen = chosen[chosen["claim_id"] == claim_id]
        if chosen.empty:
            raise fail(f"claim_id {claim_id!r} is not among the valid claims of {str(claims)!r}")
        chosen_lines = chosen_lines[chosen_lines["claim_id"] == claim_id]
    if chosen.empty:
        raise fail("no valid claims to explain")
    if out is None and len(chosen) > 1:
        raise fail("--out is required for more than one claim (or pick one with --claim-id)")
    from denial_ml.explain.explainer import Explainer

    explainer = Explainer(scorer, top_k=top)
    results = _explain_all(explainer, chosen, chosen_lines, out)
    if len(chosen) == 1:
        typer.echo(format_explanation(results[0]))
    if out is not None:
        typer.echo(f"explained {len(chosen):,} claims -> {out}")


def _explain_all(explainer: Explainer, claims, lines, out: Path | None) -> list[dict]:
    """Explain in chunks, writing JSON lines as they come; returns the last chunk (the only one for one claim)."""
    handle = None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = out.open("w")
    results: list[dict] = []
    try:
        with typer.progressbar(range(0, len(claims), CHUNK), label="explaining", hidden=len(claims) <= CHUNK) as bar:
            for start in bar:
                part = claims.iloc[start : start + CHUNK]
                results = explainer.explain(part, lines[lines["claim_id"].isin(part["claim_id"])])
                if handle is not None:
                    handle.writelines(json.dumps(r) + "\n" for r in results)
    finally:
        if handle is not None:
            handle.close()
    return results


def explain_on_cluster(
    model: Path, claims: Path, lines: Path | None, out: Path | None, claim_id: str | None, top: int, engine: str
) -> None:
    """`explain --engine dask`: every part of a world folder explained on the cluster into OUT/part-NNNNN.jsonl."""
    from denial_ml.cli.model import print_rejected
    from denial_ml.config import get_settings
    from denial_ml.engine.cluster import EngineUnavailableError, check_engine
    from denial_ml.jobs.scale import explain_dask
    from denial_ml.modeling.bundle import BundleError
    from denial_ml.schemas import TableValidationError

    try:
        check_engine(engine)
    except (ValueError, EngineUnavailableError) as exc:
        raise fail(str(exc)) from None
    if lines is not None or claim_id is not None or not claims.is_dir():
        raise fail("--engine dask explains a whole world folder (--claims FOLDER): no --lines or --claim-id")
    if out is None or out.suffix:
        raise fail("--engine dask writes a folder of parts: --out must name a folder")
    try:
        result = explain_dask(get_settings(), model, claims, out, top)
    except (BundleError, TableValidationError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    print_rejected(result.rejected)
    typer.echo(f"explained {result.written:,} claims -> {out}/ ({len(result.files):,} parts)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the CLI."""
    app.command("explain")(explain)
