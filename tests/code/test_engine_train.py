"""The dask engine's snapshot, features and training against the single-process code on one small world."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

pytest.importorskip("distributed")

from denial_ml.data.io import write_part, write_tables  # noqa: E402
from denial_ml.data.synthetic.world import generate_world  # noqa: E402
from denial_ml.engine.cluster import ClusterSpec  # noqa: E402
from denial_ml.engine.features import LABEL, PERIOD, distributed_rows  # noqa: E402
from denial_ml.engine.partitions import CLAIM_TABLES, part_count, read_part, read_reference  # noqa: E402
from denial_ml.engine.scoring import score_partitioned  # noqa: E402
from denial_ml.engine.snapshot import snapshot_from_parts  # noqa: E402
from denial_ml.engine.training import best_rounds, feature_matrix, fit_rounds  # noqa: E402
from denial_ml.features.build import FeatureBuilder  # noqa: E402
from denial_ml.features.history import DAY_BITS, lookup_codes  # noqa: E402
from denial_ml.features.snapshot import Snapshot  # noqa: E402
from denial_ml.jobs.training import labelled_claims  # noqa: E402
from denial_ml.jobs.training_dask import run_training_dask  # noqa: E402
from denial_ml.modeling.bundle import Scorer  # noqa: E402
from denial_ml.modeling.train import DENIAL_PARAMS, assign_periods  # noqa: E402

pytestmark = pytest.mark.slow
N_PARTS = 4
MAX_ROUNDS = 30  # the cluster trainings' boosting rounds at most (the checks are of the bundle, not its quality)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A 4,000-claim world as tables and as a folder."""
    tables = generate_world(4_000, seed=5)
    folder = tmp_path_factory.mktemp("world")
    write_tables(tables, folder)
    return tables, folder


def build(client, folder, n_parts, store=None):
    """The snapshot, builder and training rows built from a world folder's parts on the workers (a world this small
    sends every row to the client: its evaluation sets are under `EVAL_ROWS`, its train period under
    `LOGREG_ROWS`); with `store`, the snapshot's patient parts are written there."""
    snapshot = snapshot_from_parts(client, folder, n_parts, read_reference(folder), store)
    builder = FeatureBuilder().fit_snapshot(snapshot.snapshot)
    dist = distributed_rows(client, folder, n_parts, snapshot)
    return snapshot.snapshot, builder, dist, dist.claims, dist.eval_rows


@pytest.fixture(scope="module")
def built(world, client):
    """`build` of the one-file world, read in `N_PARTS` parts by patient."""
    return build(client, world[1], N_PARTS)


@pytest.fixture(scope="module")
def built_stored(world, client, tmp_path_factory):
    """`build` of the one-file world with the snapshot's patient parts stored by part."""
    return build(client, world[1], N_PARTS, tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def parts_folder(world, tmp_path_factory):
    """The same world written as a partitioned world (three parts by patient, one file a part)."""
    tables, _ = world
    folder = tmp_path_factory.mktemp("parts")
    write_tables({n: tables[n] for n in ("payers", "providers")}, folder)
    for k in range(3):
        write_part(read_part(world[1], k, 3, tables=(*CLAIM_TABLES, "truth")), folder, k)
    return folder


@pytest.fixture(scope="module")
def built_parts(parts_folder, client):
    """`build` of the partitioned world, read in its own parts."""
    assert part_count(parts_folder, 2) == 3
    return build(client, parts_folder, 3)


def test_a_file_part_is_read_in_shares_of_its_patients(parts_folder):
    whole = read_part(parts_folder, 1, 3)
    halves = [read_part(parts_folder, 2 + k, 6) for k in (0, 1)]  # file 1 of 3, read as parts 2 and 3 of 6
    for name, table in whole.items():
        joined = pd.concat([h[name] for h in halves])
        assert sorted(joined.astype(str).itertuples(index=False)) == sorted(table.astype(str).itertuples(index=False))
    patients = [set(h["claims"]["patient_id"]) for h in halves]
    assert patients[0] and patients[1] and not patients[0] & patients[1]
    lines = [set(h["claim_lines"]["claim_id"]) for h in halves]
    assert lines[0] == set(halves[0]["claims"]["claim_id"]) and lines[1] == set(halves[1]["claims"]["claim_id"])


def indexes_of(snapshot: Snapshot, folder) -> dict:
    """A snapshot's indexes, those stored by patient part put back together (as a bundle's whole load does)."""
    if snapshot.parts is None:
        return snapshot.indexes
    snapshot.save(folder)
    return Snapshot.load(folder).indexes


@pytest.mark.parametrize("source", ["built", "built_parts", "built_stored"])
def test_snapshot_from_parts_answers_as_the_whole_worlds(world, source, request, tmp_path):
    tables, _ = world
    whole = Snapshot.from_tables(tables).indexes
    parts = indexes_of(request.getfixturevalue(source)[0], tmp_path)
    assert sorted(parts) == sorted(whole)
    for name, a in whole.items():
        b = parts[name]
        assert dict(b.codes.items()).keys() == dict(a.codes.items()).keys(), name
        # Every key asked on each day it has events, the day after and the day before: the same answers (a stored
        # snapshot's patient keys have other codes: each part's are offset by the parts before it).
        keys = np.array(list(a.codes), dtype=object)
        code = np.repeat(np.arange(len(a.codes)), np.diff(a.starts))
        day = a.sorted_keys & ((1 << DAY_BITS) - 1)
        codes, days = np.concatenate([code] * 3), np.concatenate([day, day + 1, day - 1])
        their = lookup_codes(b.codes, keys)
        assert (their >= 0).all(), name
        expected, got = a.before_codes(codes, days), b.before_codes(their[codes], days)
        assert sorted(got) == sorted(expected), name
        for value in expected:
            assert np.array_equal(got[value], expected[value]), (name, value)
    # The shared indexes whose events repeat a (key, day) are laid out compactly: one row per (key, day).
    assert len(parts["all"].sorted_keys) == len(np.unique(whole["all"].sorted_keys)) < len(whole["all"].sorted_keys) / 3


@pytest.mark.parametrize("source", ["built", "built_parts", "built_stored"])
def test_features_of_parts_equal_the_whole_worlds(world, source, request):
    tables, _ = world
    _, builder, dist, claims, rows = request.getfixturevalue(source)
    whole_claims = labelled_claims(tables)
    whole = FeatureBuilder().fit(tables)
    expected = whole.transform_array(whole_claims, tables["claim_lines"])
    order = pd.Index(claims["claim_id"]).get_indexer(whole_claims["claim_id"])
    assert len(claims) == len(whole_claims) and (order >= 0).all()
    got = feature_matrix(rows.drop(columns=[LABEL, PERIOD]))[order]
    assert got.shape == expected.shape == (len(whole_claims), len(builder.feature_names_))
    # The rows are float32 (LightGBM bins them anyway): the whole world's features, each rounded to float32.
    assert np.array_equal(got, expected.astype(np.float32), equal_nan=True)
    assert dist.shares == {"valid": 1.0, "calib": 1.0, "test": 1.0, "denied_train": 1.0, "train": 1.0}
    period, bounds = assign_periods(whole_claims["submission_date"])
    assert (rows[PERIOD].to_numpy()[order] == period).all()
    assert dist.bounds == bounds
    assert dist.n_rows == {p: int((period == p).sum()) for p in ("train", "valid", "calib", "test")}


def test_best_rounds_is_where_early_stopping_stops(built):
    rows = built[4]
    X, y, period = rows.drop(columns=[LABEL, PERIOD]), rows[LABEL].to_numpy(), rows[PERIOD].to_numpy()
    tr, va = period == "train", period == "valid"
    dtrain = lgb.Dataset(X[tr], label=y[tr], free_raw_data=False)
    stopped = lgb.train(
        DENIAL_PARAMS,
        dtrain,
        400,
        valid_sets=[lgb.Dataset(X[va], label=y[va], reference=dtrain)],
        callbacks=[lgb.early_stopping(20, verbose=False)],
    )
    full = lgb.train(DENIAL_PARAMS, lgb.Dataset(X[tr], label=y[tr]), 400)
    assert 1 <= stopped.best_iteration < 400
    assert best_rounds(full, feature_matrix(X[va]), y[va], patience=20) == stopped.best_iteration


def test_dask_model_ranks_test_claims_as_the_single_process_model(client, built):
    rows = built[4]
    X, y, period = rows.drop(columns=[LABEL, PERIOD]), rows[LABEL].to_numpy(), rows[PERIOD].to_numpy()
    tr, te = np.isin(period, ["train", "valid"]), period == "test"
    rounds = 40  # few rounds: a 4,000-claim world overfits soon after, and overfitted trees differ by chance
    local = lgb.train(DENIAL_PARAMS, lgb.Dataset(X[tr], label=y[tr]), rounds)
    distributed = fit_rounds(client, built[2].rows, ("train", "valid"), rounds, rows.iloc[:0])
    assert distributed.num_trees() == rounds
    auc_local = roc_auc_score(y[te], local.predict(X[te]))
    auc_dask = roc_auc_score(y[te], distributed.predict(X[te]))
    assert auc_local > 0.6
    agreement = spearmanr(local.predict(X[te]), distributed.predict(X[te])).statistic
    assert abs(auc_dask - auc_local) < 0.02, (auc_dask, auc_local)
    assert agreement > 0.85, agreement  # the two models rank the same claims alike, not only equally well


@pytest.fixture(scope="module")
def trained_dask(world, client, tmp_path_factory):
    """The world trained on the cluster (at most 30 rounds) into a folder of its own, and that folder: one training
    for the bundle checks and the whole-evaluation side of the sampled-evaluation check."""
    out = tmp_path_factory.mktemp("dask-train")
    spec = ClusterSpec(scheduler=client.scheduler.address)
    return run_training_dask(world[1], out, spec, name="dask-bundle", max_rounds=MAX_ROUNDS), out


def test_run_training_dask_writes_a_bundle_that_scores(world, parts_folder, client, trained_dask, tmp_path):
    tables, folder = world
    result, out = trained_dask
    labelled = labelled_claims(tables)
    period, bounds = assign_periods(labelled["submission_date"])
    assert result.metrics["n_rows"] == {p: int((period == p).sum()) for p in ("train", "valid", "calib", "test")}
    metadata = json.loads((result.bundle / "metadata.json").read_text())
    assert (metadata["n_claims"], metadata["periods"]) == (len(labelled), bounds)
    assert 1 <= result.metrics["best_iteration"] <= round(MAX_ROUNDS * 1.1)
    scorer = Scorer.load(result.bundle)
    scored = scorer.score(tables["claims"].head(50), tables["claim_lines"])
    assert len(scored) == 50 and scored["denial_risk"].between(0, 1).all()
    # The patient history is stored by part (the parts the world was read in) and the staging folder is gone.
    snapshot = result.bundle / "snapshot"
    parts = json.loads((snapshot / "patient_parts.json").read_text())["parts"]
    assert parts == part_count(folder, 2) and len(list((snapshot / "patients").iterdir())) == parts
    assert [p.name for p in out.iterdir()] == ["dask-bundle"]  # the patient parts' staging folder is gone
    # Loaded whole or part by part, the bundle gives every claim the features of the whole world's snapshot.
    claims, lines = tables["claims"], tables["claim_lines"]
    expected = FeatureBuilder().fit(tables).transform_array(claims, lines)
    by_part = Scorer.load(result.bundle, by_part=True)
    assert np.array_equal(scorer.features(claims, lines), expected, equal_nan=True)
    assert np.array_equal(by_part.features(claims, lines), expected, equal_nan=True)
    assert len(by_part.parts) == 2 and by_part.builder.snapshot_.reference["patients"].empty  # at most 2 parts held
    expected_scores = scorer.score(claims, lines)
    pd.testing.assert_frame_equal(by_part.score(claims, lines), expected_scores)
    # The workers score by part too (a world of three files, each holding patients of every part of the bundle).
    done = score_partitioned(client, result.bundle, parts_folder, tmp_path / "scored")
    got = pd.concat([pd.read_parquet(f) for f in done.files], ignore_index=True)
    got = got.set_index("claim_id").loc[claims["claim_id"]].reset_index()
    pd.testing.assert_frame_equal(got, expected_scores, check_exact=True)


def test_a_sampled_evaluation_is_recorded_in_the_bundles_metrics(world, client, trained_dask, tmp_path, monkeypatch):
    """Past `EVAL_ROWS` rows a set is evaluated on a sample: the bundle's metrics.json says which and how much,
    while the counts stay the whole world's."""
    from denial_ml.engine import features as engine_features

    _, folder = world
    spec = ClusterSpec(scheduler=client.scheduler.address)
    full, _ = trained_dask
    n_test = full.metrics["n_rows"]["test"]
    monkeypatch.setattr(engine_features, "EVAL_ROWS", n_test // 2)
    sampled = run_training_dask(folder, tmp_path / "sampled", spec, name="b", max_rounds=MAX_ROUNDS)
    assert "evaluation_sample" not in json.loads((full.bundle / "metrics.json").read_text())
    recorded = json.loads((sampled.bundle / "metrics.json").read_text())["evaluation_sample"]
    assert recorded["test"] == pytest.approx(0.5, abs=1 / n_test)
    assert all(0 < share < 1 for share in recorded.values())
    assert sampled.metrics["n_rows"] == full.metrics["n_rows"]  # the counts are never sampled
    assert sampled.metrics["test"]["intervals"] != full.metrics["test"]["intervals"]  # fewer rows evaluated
