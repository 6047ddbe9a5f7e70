"""`--engine dask` on a two-worker local cluster: a partitioned world, and score, explain and report over its parts
give exactly what the single-process paths give on the same folder.

One local cluster (two worker processes) serves the whole module, so the suite pays its start-up once.
"""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest

from denial_ml.data.io import read_tables
from denial_ml.data.synthetic.partition import generate_part
from denial_ml.engine.report import report_partitioned
from denial_ml.engine.scoring import explain_partitioned, score_partitioned
from denial_ml.engine.world import generate_partitioned
from denial_ml.explain.explainer import Explainer
from denial_ml.jobs.report import write_report
from denial_ml.modeling.scoring_io import load_claim_batch

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]

CLAIMS, SEED, PARTS = 1500, 13, 3


@pytest.fixture(scope="module")
def world(client, tmp_path_factory):
    out = tmp_path_factory.mktemp("partitioned") / "world"
    summary = generate_partitioned(client, CLAIMS, SEED, PARTS, out)
    return out, summary


@pytest.fixture(scope="module")
def damaged(world, tmp_path_factory):
    """The world with a claim of an unknown payer in part 1 and a claim without lines in part 2."""
    folder = tmp_path_factory.mktemp("damaged") / "world"
    shutil.copytree(world[0], folder)
    claims_file = folder / "claims" / "part-00001.parquet"
    claims = pd.read_parquet(claims_file)
    claims.loc[5, "payer_id"] = "NOPE01"
    claims.to_parquet(claims_file, index=False)
    lines_file = folder / "claim_lines" / "part-00002.parquet"
    lines = pd.read_parquet(lines_file)
    lonely = pd.read_parquet(folder / "claims" / "part-00002.parquet")["claim_id"].iloc[7]
    lines[lines["claim_id"] != lonely].to_parquet(lines_file, index=False)
    return folder


def test_generate_writes_the_parts_the_pure_generator_makes(world):
    out, summary = world
    assert summary["claims"] == CLAIMS and summary["parts"] == PARTS
    assert sorted(p.name for p in (out / "claims").iterdir()) == [f"part-0000{i}.parquet" for i in range(PARTS)]
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]
    expected = generate_part(CLAIMS, SEED, PARTS, 1)
    written = pd.read_parquet(out / "claims" / "part-00001.parquet")
    assert written["claim_id"].tolist() == expected["claims"]["claim_id"].tolist()
    assert written["total_charge"].tolist() == expected["claims"]["total_charge"].tolist()
    tables = read_tables(out, validate=True)
    assert len(tables["claims"]) == CLAIMS and tables["claims"]["claim_id"].is_unique
    assert summary["denied"] > 0 and summary["adjudicated"] <= CLAIMS


def test_score_on_the_cluster_equals_the_single_process_scores(client, trained, damaged, tmp_path):
    result, scorer = trained
    batch = load_claim_batch(damaged, None, set(scorer.builder.categories_["payer_id"]))
    single = scorer.score(batch.claims, batch.lines)

    parts = score_partitioned(client, result.bundle, damaged, tmp_path / "scored")

    assert [p.name for p in parts.files] == [f"part-0000{i}.parquet" for i in range(PARTS)]
    scored = pd.concat([pd.read_parquet(p) for p in parts.files], ignore_index=True)
    assert parts.written == len(single) == CLAIMS - 2
    pd.testing.assert_frame_equal(scored, single, check_exact=True)
    columns = ["table", "claim_id", "row", "column", "problem"]
    expected = batch.rejected.sort_values(["row", "column"]).reset_index(drop=True)[columns]
    assert parts.rejected.sort_values(["row", "column"]).reset_index(drop=True)[columns].equals(expected)
    assert sorted(parts.rejected["problem"]) == ["claim has no lines", "unknown payer 'NOPE01'"]


def test_explain_on_the_cluster_equals_the_single_process_explanations(client, trained, world, tmp_path):
    result, scorer = trained
    batch = load_claim_batch(world[0], None, set(scorer.builder.categories_["payer_id"]))
    single = [json.loads(json.dumps(r)) for r in Explainer(scorer, top_k=2).explain(batch.claims, batch.lines)]

    parts = explain_partitioned(client, result.bundle, world[0], tmp_path / "explained", top=2)

    rows = [json.loads(line) for path in parts.files for line in path.read_text().splitlines()]
    assert parts.written == len(rows) == CLAIMS
    assert [r["claim_id"] for r in rows] == [r["claim_id"] for r in single]
    assert [r["denial_risk"] for r in rows] == [r["denial_risk"] for r in single]
    assert [r["factors"] for r in rows] == [r["factors"] for r in single]
    assert rows == single


def assert_same_numbers(left, right, path="report"):
    """Equal structure and text; numbers equal to 1e-9 (relative, or absolute near zero)."""
    if isinstance(left, dict):
        assert list(left) == list(right), path
        for key in left:
            assert_same_numbers(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), path
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same_numbers(a, b, f"{path}[{i}]")
    elif isinstance(left, float) and isinstance(right, float):
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {left} != {right}"
    else:
        assert left == right, f"{path}: {left!r} != {right!r}"


def test_report_on_the_cluster_has_the_single_process_numbers(client, world, tmp_path):
    single, _, json_path = write_report(world[0], tmp_path / "single.html")

    on_cluster = report_partitioned(client, world[0])

    assert_same_numbers(json.loads(json.dumps(on_cluster)), json.loads(json_path.read_text()))
    assert on_cluster["totals"]["claims"] == CLAIMS
    assert on_cluster["reconciliation"]["ok"]
    assert len(on_cluster["slices"]["payer"]) == len(single["slices"]["payer"]) > 1


def test_report_on_the_cluster_reads_a_world_given_as_a_file_url(client, world, tmp_path):
    _, _, json_path = write_report(world[0], tmp_path / "single.html")

    by_url = report_partitioned(client, f"file://{world[0]}")

    assert_same_numbers(json.loads(json.dumps(by_url)), json.loads(json_path.read_text()))
    assert by_url["totals"]["claims"] == CLAIMS


def test_report_cli_refuses_a_url_without_the_dask_engine(tmp_path):
    import typer
    from typer.testing import CliRunner

    from denial_ml.cli import report

    app = typer.Typer()
    app.callback()(lambda: None)  # a group, so that `report` is a subcommand as in `denial-ml`
    report.register(app)
    result = CliRunner().invoke(app, ["report", "--data", "s3://bucket/world", "--out", str(tmp_path / "r.html")])

    assert result.exit_code == 2
    assert "is a URL: the workers read URLs, add --engine dask" in result.output
    assert not (tmp_path / "r.html").exists()


def test_report_on_the_cluster_keeps_a_given_date(client, world, tmp_path):
    day = pd.Timestamp("2025-06-30")
    _, _, json_path = write_report(world[0], tmp_path / "single.html", as_of=day)

    on_cluster = report_partitioned(client, world[0], day)

    assert on_cluster["as_of"] == "2025-06-30"
    assert_same_numbers(json.loads(json.dumps(on_cluster)), json.loads(json_path.read_text()))
