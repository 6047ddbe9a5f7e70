"""`denial-ml triage train` and `denial-ml worklist build` end to end on a small generated world."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import triage, worklist
from denial_ml.data.io import write_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.store import WorklistStore
from denial_ml.triage.bundle import load_bundle
from denial_ml.triage.explain import factor_contributions, grouping_matrix, recovery_factors
from denial_ml.triage.features import feature_matrix

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    write_tables(generate_world(10_000, seed=3), folder, validate=False)
    return folder


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    worklist.register(app)
    triage.register(app)
    return app


def run(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def trained_bundle(app, world_dir: Path, tmp_path_factory) -> Path:
    bundle = tmp_path_factory.mktemp("models") / "triage"
    result = run(app, "triage", "train", "--data", str(world_dir), "--out", str(bundle))
    assert result.exit_code == 0, result.output
    return bundle


def test_train_then_build_fills_the_worklist(app, world_dir: Path, trained_bundle: Path, tmp_path: Path) -> None:
    bundle = trained_bundle
    metrics = json.loads((bundle / "metrics.json").read_text())
    test = metrics["test"]
    assert test["recovered_at_20pct"] > 0
    assert set(test["baselines"]) == {"truth", "billed_amount", "oldest_deadline_first"}
    assert test["baselines"]["truth"]["recovered_at_20pct"] == test["truth_recovered_at_20pct"]
    assert test["recovered_at_20pct"] <= test["truth_recovered_at_20pct"] + 1e-6

    db = f"sqlite:///{tmp_path / 'wl.db'}"
    result = run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db)
    assert result.exit_code == 0, result.output
    store = WorklistStore(db)
    page = store.list_items(offset=0, limit=1000, route="appeal")
    everything = store.list_items(offset=0, limit=1)
    store.close()
    assert f"{everything.total} new, 0 rescored" in result.output
    assert page.total > 0
    for item in page.items:
        assert item.days_left is None or item.days_left >= 0
        assert item.appeal_deadline is not None
        assert "log_expected_payment" in item.score_inputs
    _assert_factors_explain_the_scores(page.items, bundle)
    _assert_detail_is_the_worlds_claim(page.items[:50], world_dir)
    # Building again rescores the same claims instead of adding new ones.
    again = run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db)
    assert f"0 new, {everything.total} rescored" in again.output


def _assert_detail_is_the_worlds_claim(items: list, world_dir: Path) -> None:
    """Each item carries its claim as the world has it: charges, lines and the denying remittance's codes."""
    claims = pd.read_parquet(world_dir / "claims.parquet").set_index("claim_id")
    lines = pd.read_parquet(world_dir / "claim_lines.parquet")
    adjustments = pd.read_parquet(world_dir / "adjustments.parquet")
    for item in items:
        detail = item.claim_detail
        assert detail["claim"]["total_charge"] == pytest.approx(claims.at[item.claim_id, "total_charge"])
        mine = lines[lines["claim_id"] == item.claim_id]
        assert [line["line_number"] for line in detail["lines"]] == sorted(mine["line_number"].tolist())
        carcs = {a["carc"] for r in detail["remittances"] for a in r["adjustments"]}
        assert item.carc in carcs and carcs == set(adjustments[adjustments["claim_id"] == item.claim_id]["carc"])
        assert detail["appeal_cost"] > 0


def _assert_factors_explain_the_scores(items: list, bundle: Path) -> None:
    """Stored factors are the recovery model's largest TreeSHAP factors; with the base they add up to the score."""
    model = load_bundle(bundle)
    X = feature_matrix(pd.DataFrame([i.score_inputs for i in items]), model.feature_names, model.categories)
    factors = recovery_factors()
    contrib = factor_contributions(model.overturn, X, grouping_matrix(model.feature_names, factors))
    raw = model.overturn.predict(X, raw_score=True)
    np.testing.assert_allclose(contrib.base + contrib.factors.sum(axis=1), raw, atol=1e-6)
    np.testing.assert_allclose(model.calibration.apply(1 / (1 + np.exp(-raw))), [i.p_overturn for i in items])
    column = {f.name: j for j, f in enumerate(factors)}
    for n, item in enumerate(items):
        assert 1 <= len(item.factors) <= 4
        size = [abs(f["contribution"]) for f in item.factors]
        assert size == sorted(size, reverse=True) and size[0] == pytest.approx(np.abs(contrib.factors[n]).max())
        for f in item.factors:
            assert f["contribution"] == pytest.approx(contrib.factors[n, column[f["factor"]]], abs=1e-9)
            assert f["direction"] == ("raises" if f["contribution"] > 0 else "lowers") and f["sentence"]


def test_build_refuses_a_tampered_bundle(app, world_dir: Path, trained_bundle: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(trained_bundle, tmp_path / "triage"))
    model_file = bundle / "overturn_model.txt"
    model_file.write_text(model_file.read_text() + "\n")
    db = f"sqlite:///{tmp_path / 'wl.db'}"
    result = run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db)
    assert result.exit_code == 2
    assert "checksum of overturn_model.txt does not match" in result.output
    store = WorklistStore(db)
    assert store.list_items(offset=0, limit=1).total == 0
    store.close()


def test_train_with_db_counts_recorded_outcomes(app, world_dir: Path, trained_bundle: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(trained_bundle, tmp_path / "triage"))
    db = f"sqlite:///{tmp_path / 'wl.db'}"
    assert run(app, "worklist", "build", "--data", str(world_dir), "--model", str(bundle), "--db", db).exit_code == 0
    store = WorklistStore(db)
    item = store.list_items(offset=0, limit=1, route="appeal").items[0]
    item = store.update_item(item.id, item.version, "tester", status="in_progress")
    item = store.update_item(item.id, item.version, "tester", status="appealed")
    store.record_outcome(item.claim_id, "overturned", 250.0, "tester")
    store.close()
    result = run(app, "triage", "train", "--data", str(world_dir), "--out", str(bundle), "--db", db)
    assert result.exit_code == 0, result.output
    assert "(+1 recorded outcomes)" in result.output
    assert json.loads((bundle / "metrics.json").read_text())["counts"]["feedback_rows"] == 1
