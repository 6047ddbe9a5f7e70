"""`denial_ml.notebook`: settings with a notebook's parameters, the project root, the world, tables."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from denial_ml.config import get_settings
from denial_ml.data.io import WorldIOError, read_tables
from denial_ml.notebook import (
    METRIC_COLUMNS,
    claim_and_lines,
    explanation_factors,
    load_world,
    metrics_table,
    notebook_settings,
    project_root,
)


@pytest.fixture
def clean_settings(monkeypatch):
    """No DENIAL_ML_* variables from the caller; the settings cache emptied before and after."""
    for key in [k for k in os.environ if k.startswith("DENIAL_ML_")]:
        monkeypatch.delenv(key)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def fake_project(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "denial-ml"\n')
    return root


def test_project_root_is_found_from_a_subfolder_and_only_for_this_project(tmp_path: Path) -> None:
    project = fake_project(tmp_path / "repo")
    assert project_root(project / "notebooks") == project.resolve()
    other = tmp_path / "other"
    (other / "sub").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    assert project_root(other / "sub") is None


def test_parameters_override_settings_and_none_keeps_the_environment(clean_settings, tmp_path: Path) -> None:
    clean_settings.chdir(tmp_path)
    clean_settings.setenv("DENIAL_ML_MODELS_DIR", "/srv/models")
    clean_settings.setenv("DENIAL_ML_TRACKING_URI", "sqlite:////srv/mlflow.db")
    settings = notebook_settings(data_dir="worlds/small", tracking_uri=None)
    assert settings.data_dir == Path("worlds/small")  # a string parameter becomes a Path
    assert settings.models_dir == Path("/srv/models")
    assert settings.tracking_uri == "sqlite:////srv/mlflow.db"
    assert Path.cwd() == tmp_path  # outside the project the working folder stays


def test_inside_the_project_the_kernel_moves_to_its_root(clean_settings, tmp_path: Path) -> None:
    project = fake_project(tmp_path / "repo")
    (project / ".env").write_text("DENIAL_ML_DATA_DIR=data/from-dotenv\n")
    clean_settings.chdir(project / "notebooks")  # where Jupyter starts a notebook's kernel
    settings = notebook_settings()
    assert Path.cwd() == project.resolve()
    assert settings.data_dir == Path("data/from-dotenv")  # the root's .env was read


def test_load_world_without_a_world_names_the_folder_and_the_fix(clean_settings, tmp_path: Path) -> None:
    settings = notebook_settings(data_dir=tmp_path / "missing", start=tmp_path)
    with pytest.raises(WorldIOError, match=r"no world in '.*missing': run `make demo`"):
        load_world(settings)


def test_load_world_generates_a_missing_world_once(clean_settings, tmp_path: Path) -> None:
    settings = notebook_settings(data_dir=tmp_path / "world", start=tmp_path)
    tables = load_world(settings, claims=400, seed=3)
    assert len(tables["claims"]) == 400 and "truth" in tables
    stamp = (tmp_path / "world" / "claims.parquet").stat().st_mtime_ns
    again = load_world(settings, claims=999)  # a world is there: read, not generated again
    assert len(again["claims"]) == 400
    assert (tmp_path / "world" / "claims.parquet").stat().st_mtime_ns == stamp
    pd.testing.assert_frame_equal(again["claims"], read_tables(tmp_path / "world", ["claims"])["claims"])


def test_claim_and_lines_picks_one_claim_and_refuses_an_unknown_one() -> None:
    tables = {
        "claims": pd.DataFrame({"claim_id": ["A", "B"], "total_charge": [1.0, 2.0]}),
        "claim_lines": pd.DataFrame({"claim_id": ["A", "B", "B"], "line_number": [1, 1, 2]}),
    }
    claim, lines = claim_and_lines(tables, "B")
    assert claim["total_charge"].tolist() == [2.0] and lines["line_number"].tolist() == [1, 2]
    with pytest.raises(KeyError, match="claim_id 'C' is not in the claims table"):
        claim_and_lines(tables, "C")


def test_metrics_table_lists_the_model_first_then_baselines_and_truth() -> None:
    row = dict(zip(METRIC_COLUMNS, (0.8, 0.6, 0.05, 0.07, 0.02), strict=True))
    metrics = {"test": {**row, "baselines": {"logistic_regression": row, "truth": {**row, "roc_auc": 0.9}}}}
    table = metrics_table(metrics)
    assert list(table.index) == ["lightgbm", "logistic_regression", "truth"]
    assert list(table.columns) == list(METRIC_COLUMNS)
    assert table.loc["truth", "roc_auc"] == 0.9 and table.loc["lightgbm", "ece"] == 0.02


def test_explanation_factors_keeps_the_reading_columns_even_when_empty() -> None:
    empty = explanation_factors({"factors": []})
    assert empty.empty and list(empty.columns) == ["label", "category", "contribution", "sentence", "fix"]
    factor = {"factor": "auth", "label": "Prior authorization", "category": "authorization", "contribution": 1.2}
    table = explanation_factors({"factors": [{**factor, "sentence": "s", "fix": "f"}]})
    assert table.loc[0, "label"] == "Prior authorization" and table.loc[0, "contribution"] == 1.2
