"""Jobs of appeal triage: read a world, train or load the recovery model, write the ranked worklist."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import make_url

from denial_ml.config import Settings
from denial_ml.data.io import read_tables
from denial_ml.features.build import FeatureBuilder
from denial_ml.schemas import PAYER_DECISION_TABLES, PRE_SUBMISSION_TABLES
from denial_ml.store.items import UpsertResult, upsert_items
from denial_ml.store.queries import Page
from denial_ml.store.worklist import WorklistStore
from denial_ml.triage.bundle import load_bundle, save_bundle
from denial_ml.triage.features import triage_frame
from denial_ml.triage.rank import rank_denials, worklist_items
from denial_ml.triage.routing import summarize_routes
from denial_ml.triage.train import train_triage

# Every table but the truth: what a practice has before and after the payer decides.
WORLD_TABLES = (*PRE_SUBMISSION_TABLES, *PAYER_DECISION_TABLES)


def read_world(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The tables triage needs (plus `truth` when the folder has it, for the test-period figures)."""
    tables = read_tables(data_dir, WORLD_TABLES)
    if (Path(data_dir) / "truth.parquet").is_file():
        tables |= read_tables(data_dir, ["truth"])
    return tables


def train_bundle(
    data_dir: Path, out: Path, appeal_cost: float, store: WorklistStore | None = None
) -> tuple[Path, dict]:
    """Train on a world folder (plus the store's recorded outcomes) and write the bundle.

    Returns:
        The bundle folder and its metrics.
    """
    tables = read_world(data_dir)
    outcomes = store.outcomes_frame() if store is not None else None
    model, metrics, _ = train_triage(tables, appeal_cost, outcomes)
    model.version = "triage-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return save_bundle(model, metrics, out), metrics


def build_worklist(data_dir: Path, bundle: Path, store: WorklistStore) -> tuple[pd.DataFrame, UpsertResult]:
    """Score the world's current denials as of its last adjudication date and upsert them into the store.

    Current denials are those without an appeal on file (appealed claims are already being worked).
    """
    model = load_bundle(bundle)
    tables = read_world(data_dir)
    frame = triage_frame(tables, FeatureBuilder().fit(tables))
    frame = frame[~frame["claim_id"].isin(tables["appeals"]["claim_id"])].reset_index(drop=True)
    as_of = pd.Timestamp(tables["remittances"]["adjudication_date"].max())
    ranked = rank_denials(frame, model, as_of)
    names = tables["payers"].set_index("payer_id")["payer_name"]
    items = worklist_items(ranked, model, names)
    return ranked, upsert_items(store, items)


def demo_worklist(settings: Settings, data_dir: Path, echo: Callable[[str], None], top: int = 10) -> int:
    """Demo step: train the recovery model on the world, build the worklist into the configured store and
    show its `top` items with their reasons through `echo`.

    Returns:
        The number of items in the worklist.

    Raises:
        WorldIOError, BundleError, StoreError: the world, the bundle or the store failed.
    """
    started = time.perf_counter()
    echo("training the recovery model (P(overturn), selection-bias weights) ...")
    bundle, metrics = train_bundle(data_dir, settings.models_dir / "triage", settings.appeal_cost)
    test = metrics.get("test") or {}
    recovered = (
        f"; top 20 % of the test period recovers ${test['recovered_at_20pct']:,.0f} "
        f"(truth ordering ${test['truth_recovered_at_20pct']:,.0f})"
        if test
        else ""
    )
    echo(f"bundle {bundle} in {time.perf_counter() - started:.1f} s{recovered}")
    store = WorklistStore(settings.worklist_url)
    try:
        store.migrate()
        step = time.perf_counter()
        echo(f"building the worklist -> {make_url(settings.worklist_url).render_as_string(hide_password=True)}")
        ranked, result = build_worklist(data_dir, bundle, store)
        echo(
            f"{len(ranked):,} denials scored and explained in {time.perf_counter() - step:.1f} s: "
            f"{result.inserted:,} new, {result.updated:,} rescored; routes "
            + summarize_routes(ranked["route"], ranked["route_reason"])
        )
        page = store.list_items(limit=top)
    finally:
        store.close()
    echo(format_reasons(page))
    echo("more: `denial-ml worklist show --top 20`, or the web worklist at /ui/worklist once serving")
    return page.total


def format_money(value: float | None) -> str:
    """Dollars with cents ("" for none)."""
    return "" if value is None else f"${value:,.2f}"


def top_reason(factors: list | None, n: int = 1) -> str:
    """The first `n` (largest) factors, one a line, as "+ sentence" (raises P(overturn)) or "- sentence".

    Items written before factors carried sentences show "" rather than a raw value.
    """
    lines = [
        ("+ " if f.get("direction") == "raises" else "- ") + str(f["sentence"])
        for f in (factors or [])[:n]
        if isinstance(f, dict) and f.get("sentence")
    ]
    return "\n".join(lines)


def format_reasons(page: Page, reasons: int = 2) -> str:
    """A worklist page as text: one line per item, its `reasons` largest factors indented below it.

    Days left are as of scoring. A table column would squeeze the sentences into a few words a line.
    """
    header = ["#", "claim", "payer", "category", "route", "P(overturn)", "exp. recovery", "days left"]
    rows = [
        [
            str(rank),
            item.claim_id,
            item.payer_name or item.payer_id,
            item.category.replace("_", " "),
            item.route.replace("_", " "),
            f"{item.p_overturn:.0%}",
            format_money(item.expected_recovery),
            "" if item.days_left is None else str(item.days_left),
        ]
        for rank, item in enumerate(page.items, start=page.offset + 1)
    ]
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    right = {0, 5, 6, 7}

    def line(cells: list[str]) -> str:
        padded = [c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded)

    out = [
        f"worklist top {len(page.items)} of {page.total:,} by expected recovery "
        "(reasons: + raises, - lowers P(overturn))",
        line(header).rstrip(),
    ]
    for row, item in zip(rows, page.items, strict=True):
        out.append(line(row).rstrip())
        out.extend(" " * (widths[0] + 2) + reason for reason in top_reason(item.factors, reasons).splitlines())
    return "\n".join(out)
