"""Orchestration of the triage commands: read a world, train or load a bundle, write the worklist."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from denial_ml.data.io import read_tables
from denial_ml.features.build import FeatureBuilder
from denial_ml.store.items import UpsertResult, upsert_items
from denial_ml.store.worklist import WorklistStore
from denial_ml.triage.bundle import load_bundle, save_bundle
from denial_ml.triage.features import triage_frame
from denial_ml.triage.rank import rank_denials, worklist_items
from denial_ml.triage.train import train_triage

WORLD_TABLES = (
    "payers",
    "providers",
    "patients",
    "coverages",
    "claims",
    "claim_lines",
    "authorizations",
    "remittances",
    "remittance_lines",
    "adjustments",
    "remarks",
    "appeals",
)


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
