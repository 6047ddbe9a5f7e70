"""`denial-ml train --engine`: the engine is checked before any data is read."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from denial_ml.cli import model as model_cli


def _train(*args: str):
    app = typer.Typer()
    model_cli.register(app)
    return CliRunner().invoke(app, ["train", *args])


def test_train_refuses_an_unknown_engine_by_name(tmp_path):
    result = _train("--data", str(tmp_path / "missing"), "--no-mlflow", "--engine", "spark")
    assert result.exit_code == 2
    assert "error: engine: expected one of local, dask, got 'spark'" in result.output


def test_train_with_the_dask_engine_names_a_missing_world_folder(tmp_path):
    result = _train("--data", str(tmp_path / "missing"), "--no-mlflow", "--engine", "dask")
    assert result.exit_code == 2
    assert f"table 'claims' is missing: no file '{tmp_path / 'missing' / 'claims.parquet'}'" in result.output
