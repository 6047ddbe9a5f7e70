"""Training from an ingested world gives the same metrics as training from the Parquet world it came from.

The world is written as X12 (837P, 837I, 835) plus the reference data a practice keeps outside X12
(`OUT/x12/reference/`: payers, providers, patients, coverages, authorizations, eligibility checks), read back
with `ingest_x12` + `apply_reference`, and both folders are trained on. Only the synthetic truth (`truth`
table: the baselines and explanation accuracy against the true causes) is absent from the ingested folder,
since no practice has it; every other metric must be identical.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from denial_ml.data.io import read_tables, write_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.features.build import FeatureBuilder
from denial_ml.ingest.files import ingest_x12, write_ingested
from denial_ml.ingest.reference import apply_reference, extract_reference, read_reference, write_reference
from denial_ml.ingest.x12_write import write_x12
from denial_ml.jobs.ingest import run_ingest
from denial_ml.jobs.training import labelled_claims, run_training

pytestmark = pytest.mark.slow

N_CLAIMS = 6_000
TRUTH_KEYS = ("baselines.truth.", "intervals.truth.", "truth_", "explanation_")


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    root = tmp_path_factory.mktemp("parity")
    world = generate_world(N_CLAIMS, seed=5)
    write_tables(world, root / "world")
    paths = write_x12(world, root / "world" / "x12")
    write_reference(extract_reference(world), root / "world" / "x12" / "reference")
    result = ingest_x12(sorted(paths))
    assert result.issues == [] and result.failed_files == []
    tables = apply_reference(result.tables, read_reference(root / "world" / "x12" / "reference"))
    write_ingested(tables, root / "ingested")
    return root / "world", root / "ingested"


def _flat(metrics: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_features_and_labels_are_identical(folders: tuple) -> None:
    frames = []
    for folder in folders:
        tables = read_tables(folder)
        claims = labelled_claims(tables)
        frames.append((claims, FeatureBuilder().fit(tables).transform(claims, tables["claim_lines"])))
    (world_claims, world_X), (read_claims, read_X) = frames
    assert len(world_claims) > 0.95 * N_CLAIMS
    pd.testing.assert_series_equal(world_claims["claim_id"], read_claims["claim_id"])
    pd.testing.assert_series_equal(world_claims["denied"], read_claims["denied"])
    pd.testing.assert_series_equal(world_claims["denial_category"], read_claims["denial_category"])
    pd.testing.assert_frame_equal(world_X, read_X)


def test_training_metrics_are_identical(folders: tuple, tmp_path) -> None:
    world, ingested = folders
    metrics = []
    for name, folder in (("world", world), ("ingested", ingested)):
        bundle = run_training(read_tables(folder), tmp_path / name).bundle
        metrics.append(_flat(json.loads((bundle / "metrics.json").read_text())))
    from_world, from_ingest = metrics
    truth_only = {k for k in from_world if k.removeprefix("test.").startswith(TRUTH_KEYS)}
    assert truth_only and set(from_world) - truth_only == set(from_ingest)
    for key in ("test.roc_auc", "test.pr_auc", "test.ece", "test.category_accuracy"):
        assert 0 < from_world[key] < 1, key
    assert {k: from_world[k] for k in from_ingest} == from_ingest


def test_a_claims_store_reads_as_the_ingested_folder(folders: tuple, tmp_path) -> None:
    """`denial-ml ingest --out STORE` (two runs: 837s, then 835s) gives training the same tables."""
    world, ingested = folders
    files = sorted((world / "x12").glob("*.x12"))
    reference = world / "x12" / "reference"
    first = run_ingest([f for f in files if f.name.startswith("837")], tmp_path / "store", reference=reference)
    second = run_ingest([f for f in files if f.name.startswith("835")], tmp_path / "store")
    assert first.exit_code == 0 and second.exit_code == 0
    plain, store = read_tables(ingested), read_tables(tmp_path / "store")
    assert sorted(plain) == sorted(store)
    for table in plain:
        pd.testing.assert_frame_equal(store[table], plain[table], obj=table)
