"""`--engine` on generate, score, explain and report: options that cannot go together are refused, with the
reason, before any cluster starts."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import explain as explain_cli
from denial_ml.cli import model as model_cli
from denial_ml.cli import report as report_cli
from denial_ml.cli import world as world_cli


def invoke(*args: str):
    app = typer.Typer()
    for module in (world_cli, model_cli, explain_cli, report_cli):
        module.register(app)
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["generate", "--claims", "100", "--partitions", "3"], "--partitions needs --engine dask"),
        (["generate", "--engine", "spark"], "engine: expected one of local, dask, got 'spark'"),
        (["generate", "--engine", "dask", "--x12"], "--x12, --store and --end-date make a single-process world"),
        (["generate", "--engine", "dask", "--end-date", "today"], "--end-date make a single-process world"),
        (["generate", "--engine", "dask", "--claims", "3", "--partitions", "5"], "5 parts for 3 claims"),
        (["report", "--engine", "ray"], "engine: expected one of local, dask, got 'ray'"),
    ],
)
def test_generate_and_report_refuse_impossible_engine_options(tmp_path, args, needle):
    result = invoke(*args, "--out", str(tmp_path / ("r.html" if args[0] == "report" else "w")))
    assert result.exit_code != 0
    assert needle in result.output
    assert not (tmp_path / "w").exists()


def test_score_on_the_cluster_writes_a_folder_of_a_world_folder(tmp_path):
    world = tmp_path / "world"
    world.mkdir()
    to_file = invoke("score", "--engine", "dask", "--model", "m", "--claims", str(world), "--out", "s.parquet")
    assert "--out must name a folder, got 's.parquet'" in to_file.output
    with_lines = invoke(
        "score", "--engine", "dask", "--model", "m", "--claims", "c.csv", "--lines", "l.csv", "--out", "s"
    )
    assert "--engine dask scores a world folder" in with_lines.output


def test_explain_on_the_cluster_explains_whole_folders(tmp_path):
    one = invoke("explain", "--engine", "dask", "--model", "m", "--claims", str(tmp_path), "--claim-id", "C1")
    assert "no --lines or --claim-id" in one.output
    no_out = invoke("explain", "--engine", "dask", "--model", "m", "--claims", str(tmp_path))
    assert "--out must name a folder" in no_out.output
