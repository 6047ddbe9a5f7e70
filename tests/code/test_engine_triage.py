"""`triage train` and `worklist build --engine dask` on a partitioned world: the triage frame built part by part
equals the whole world's, and so do the trained model's metrics and scores, and the worklist's items and order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from denial_ml.features.build import FeatureBuilder
from denial_ml.jobs.triage import read_world, train_bundle, worklist_rows
from denial_ml.triage.bundle import load_bundle
from denial_ml.triage.features import feature_matrix, triage_frame
from denial_ml.triage.model import predict_overturn

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

APPEAL_COST = 25.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, client) -> Path:
    """A 4,000-claim world in 2 parts (`denial-ml generate --engine dask --claims 4000 --partitions 2`)."""
    from denial_ml.engine.world import generate_partitioned

    out = tmp_path_factory.mktemp("world")
    generate_partitioned(client, 4000, 7, 2, out)
    assert len(list((out / "claims").glob("part-*.parquet"))) == 2
    return out


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory, world: Path, client) -> dict[str, tuple[Path, dict]]:
    folder = tmp_path_factory.mktemp("bundles")
    return {
        "local": train_bundle(world, folder / "local", APPEAL_COST),
        "dask": train_bundle(world, folder / "dask", APPEAL_COST, client=client),
    }


def test_the_triage_frame_built_in_parts_is_the_whole_worlds(world, client):
    from denial_ml.engine.triage import training_inputs

    tables = read_world(world)
    expected = triage_frame(tables, FeatureBuilder().fit(tables))
    frame, builder, appeals, truth = training_inputs(client, world)
    assert len(expected) > 300 and expected.shape[1] > 100
    pd.testing.assert_frame_equal(frame, expected)
    assert builder.feature_names_ == FeatureBuilder().fit(tables).feature_names_
    denied = set(expected["claim_id"])
    assert set(appeals["claim_id"]) == denied & set(tables["appeals"]["claim_id"])
    assert truth is not None and set(truth["claim_id"]) == denied  # the world's truth, in parts


def test_parts_read_in_shares_of_their_patients_give_the_same_frame_and_worklist(world, bundles, client, monkeypatch):
    import denial_ml.engine.triage as engine
    from denial_ml.engine.triage import part_shares, training_inputs

    monkeypatch.setattr(engine, "CLAIMS_PER_PART", 700)  # 2,000-claim files in 3 shares each
    assert [(p.file, p.sub, p.split) for p in part_shares(world)][:4] == [
        ("part-00000.parquet", 0, 3),
        ("part-00000.parquet", 1, 3),
        ("part-00000.parquet", 2, 3),
        ("part-00001.parquet", 0, 3),
    ]
    tables = read_world(world)
    frame, _, appeals, truth = training_inputs(client, world)
    pd.testing.assert_frame_equal(frame, triage_frame(tables, FeatureBuilder().fit(tables)))
    assert truth is not None and set(truth["claim_id"]) == set(frame["claim_id"])
    bundle = bundles["local"][0]
    pd.testing.assert_frame_equal(worklist_rows(world, bundle, client)[1], worklist_rows(world, bundle)[1])


def test_a_model_trained_on_the_cluster_is_the_local_model(world, bundles):
    (local, local_metrics), (dask, dask_metrics) = bundles["local"], bundles["dask"]
    assert dask_metrics == local_metrics
    assert local_metrics["counts"]["train_appeals"] > 50 and "test" in local_metrics  # truth read from the parts
    tables = read_world(world)
    frame = triage_frame(tables, FeatureBuilder().fit(tables))
    scores = []
    for folder in (local, dask):
        model = load_bundle(folder)
        X = feature_matrix(frame, model.feature_names, model.categories)
        scores.append(predict_overturn(model.overturn, model.calibration, X))
    np.testing.assert_array_equal(scores[1], scores[0])


def test_a_worklist_scored_on_the_cluster_is_the_local_worklist_in_the_same_order(world, bundles, client):
    from denial_ml.engine.worklist import KEYS

    bundle = bundles["local"][0]
    ranked, items = worklist_rows(world, bundle)
    dask_ranked, dask_items = worklist_rows(world, bundle, client)
    assert len(items) > 200 and items["claim_detail"].map(len).min() > 0
    pd.testing.assert_frame_equal(dask_ranked, ranked[KEYS].reset_index(drop=True))
    pd.testing.assert_frame_equal(dask_items, items)
    assert list(dask_items["priority"]) == sorted(dask_items["priority"], reverse=True)


def test_a_worklist_built_a_slice_at_a_time_is_the_local_worklist_in_the_store(world, bundles, client, tmp_path):
    from sqlalchemy import select

    from denial_ml.engine.worklist import items_in_order, rank_partitioned
    from denial_ml.jobs.triage import build_worklist, partitioned_inputs
    from denial_ml.store import WorklistStore
    from denial_ml.store.models import WorklistItem

    bundle = bundles["local"][0]
    _, items = worklist_rows(world, bundle)
    slices = list(items_in_order(client, rank_partitioned(client, *partitioned_inputs(client, world, bundle)), 37))
    assert len(slices) == -(-len(items) // 37) and len(slices[0]) == 37
    pd.testing.assert_frame_equal(pd.concat(slices, ignore_index=True), items)

    stored = []
    for name, cluster in (("local", None), ("dask", client)):
        store = WorklistStore(f"sqlite:///{tmp_path / name}.db")
        store.migrate()
        ranked, result = build_worklist(world, bundle, store, cluster)
        assert (result.inserted, result.updated, len(ranked)) == (len(items), 0, len(items))
        with store.session() as session:
            columns = (WorklistItem.id, WorklistItem.claim_id, WorklistItem.priority, WorklistItem.claim_detail)
            stored.append(session.execute(select(*columns).order_by(WorklistItem.id)).all())
        store.close()
    assert stored[1] == stored[0]


def test_a_world_given_as_a_file_url_is_read_by_the_workers_with_the_same_worklist(world, bundles, client):
    bundle = bundles["local"][0]
    _, items = worklist_rows(world, bundle)
    _, by_url = worklist_rows(f"file://{world}", bundle, client)
    pd.testing.assert_frame_equal(by_url, items)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["triage", "train", "--data", "s3://bucket/world"], "is a URL: the workers read URLs, add --engine dask"),
        (["worklist", "build", "--data", "w", "--engine", "spark"], "engine: expected one of local, dask, got 'spark'"),
    ],
)
def test_the_cli_refuses_a_url_without_the_dask_engine_and_an_unknown_engine(tmp_path, args, message):
    import typer
    from typer.testing import CliRunner

    from denial_ml.cli import triage, worklist

    app = typer.Typer()
    worklist.register(app)
    triage.register(app)
    result = CliRunner().invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'w.db'}"] if "worklist" in args else args)
    assert result.exit_code != 0
    assert message in result.output
