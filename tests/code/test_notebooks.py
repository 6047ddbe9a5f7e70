"""The notebooks in notebooks/: committed without outputs, defining nothing, and running top to bottom.

The four run in order, each in a fresh kernel, on one small world (20,000 claims, seed 11), with their settings
from `DENIAL_ML_*` variables pointing at a temporary folder (world, models, SQLite MLflow store) and the kernel
working there, so nothing is written into the repository.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from denial_ml.config import Settings
from denial_ml.data.io import write_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.features.build import FeatureBuilder
from denial_ml.modeling.promotion import FIRST_CHAMPION
from denial_ml.modeling.registry import champion_version, mlflow_client, register_bundle
from denial_ml.triage.bundle import load_bundle
from denial_ml.triage.features import triage_frame
from denial_ml.triage.lift import holdout_appeal_list, lift_curves
from denial_ml.triage.train import split_periods

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("notebooks")]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("01-explore-claims", "02-train-denial-model", "03-appeal-triage", "04-compare-and-promote")
DEFINES = re.compile(r"\bdef\s|\bclass\s|\blambda\b")
SETTINGS_FROM_ENV = ("data_dir", "models_dir", "tracking_uri", "worklist_url")  # all inside the temporary folder
WORLD_CLAIMS = 20_000  # small enough for the four notebooks to run in a couple of minutes on 2 cores
CELL_TIMEOUT = 600  # seconds; a cell training on a loaded 2-core machine takes a minute or two


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def code_cells(book: nbformat.NotebookNode) -> list:
    return [cell for cell in book.cells if cell.cell_type == "code"]


def test_the_folder_holds_the_four_numbered_notebooks_and_nothing_else() -> None:
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == [f"{name}.ipynb" for name in NAMES]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs_and_defines_nothing(name: str) -> None:
    book = read(name)
    nbformat.validate(book)
    cells = code_cells(book)
    for i, cell in enumerate(cells):
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: code cell {i} has outputs"
        found = DEFINES.search(cell.source)
        assert found is None, f"{name}: code cell {i} defines something ({found.group(0).strip()!r})"
    assert "from denial_ml" in cells[0].source, f"{name}: the first code cell should import denial_ml"
    tagged = [i for i, cell in enumerate(cells) if "parameters" in cell.metadata.get("tags", [])]
    assert tagged == [1], f"{name}: one cell tagged 'parameters', right after the imports (found {tagged})"


def test_the_check_catches_a_definition() -> None:
    assert DEFINES.search("f = lambda x: x") and DEFINES.search("def f():\n    pass")
    assert DEFINES.search("class A:\n    pass") and not DEFINES.search("undefined = classes = 1")


def execute(name: str, workspace: dict, **parameters: object) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel; `parameters` go into a cell after the `parameters` cell (as papermill)."""
    book = read(name)
    if parameters:
        at = next(i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", []))
        source = "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
        book.cells.insert(at + 1, nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]}))
    client = NotebookClient(
        book, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(workspace["cwd"])}}
    )
    client.execute(env=workspace["env"])
    return book


def outputs_of(book: nbformat.NotebookNode, mime: str) -> int:
    return sum(mime in out.get("data", {}) for cell in code_cells(book) for out in cell.outputs)


@pytest.fixture(scope="module")
def world() -> dict:
    return generate_world(WORLD_CLAIMS, seed=11)


@pytest.fixture(scope="module")
def workspace(world, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("notebooks")
    write_tables(world, root / "world", validate=False)
    (root / "cwd").mkdir()
    settings = Settings(
        data_dir=root / "world",
        models_dir=root / "models",
        tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
        worklist_url=f"sqlite:///{root / 'worklist.db'}",
    )
    env = {f"DENIAL_ML_{key.upper()}": str(getattr(settings, key)) for key in SETTINGS_FROM_ENV}
    env = {**os.environ, **env, "MPLBACKEND": "Agg"}
    yield {"root": root, "cwd": root / "cwd", "settings": settings, "env": env}
    import mlflow

    mlflow.set_tracking_uri(None)  # register_bundle below pointed this process at the temporary store


@pytest.fixture(scope="module")
def trained(workspace) -> dict:
    """Notebook 02 run (registered under its own name, not the production one); then its bundle registered under
    the production name twice, as a first training and a retrain would (versions 1 and 2, the challenger)."""
    book = execute("02-train-denial-model", workspace)
    settings = workspace["settings"]
    bundle = settings.models_dir / "denial-risk-notebook"
    client = mlflow_client(settings)
    assert client.get_model_version("denial-risk-notebook", "1").run_id
    assert not client.search_model_versions(f"name='{settings.registry_model_name}'")
    first_run, _ = register_bundle(bundle, settings)
    second_run, version = register_bundle(bundle, settings)
    assert version == "2"
    return {"book": book, "bundle": bundle, "first_run": first_run, "second_run": second_run}


def test_01_explore_claims_runs_and_draws_the_charts(workspace) -> None:
    book = execute("01-explore-claims", workspace)
    # payers, categories, monthly rate, the watched payer, preventable steps and trend
    assert outputs_of(book, "image/svg+xml") == 6


def test_02_train_writes_a_bundle_with_explanations_and_registers_a_version(trained) -> None:
    bundle = trained["bundle"]
    assert (bundle / "metrics.json").is_file() and (bundle / "explain" / "global.json").is_file()
    # evaluation plots and SHAP plots, each PNG of the bundle shown once
    expected = len(list((bundle / "plots").glob("*.png"))) + len(list((bundle / "explain").glob("*.png")))
    assert outputs_of(trained["book"], "image/png") == expected >= 4
    assert trained["first_run"]


def test_03_triage_saves_its_bundle_and_the_lift_curve_matches_its_metrics(workspace, world) -> None:
    book = execute("03-appeal-triage", workspace)
    assert outputs_of(book, "image/svg+xml") == 1
    folder = workspace["settings"].models_dir / "triage-notebook"
    model = load_bundle(folder)
    # The curve at 20 % must be the figure train_triage wrote: rebuild the list from the saved bundle.
    frame = triage_frame(world, FeatureBuilder().fit(world))
    frame["period"] = split_periods(frame["adjudication_date"])
    curves = lift_curves(holdout_appeal_list(frame, model, world["truth"]))
    test = json.loads((folder / "metrics.json").read_text())["test"]
    at_20 = curves.loc[0.2]
    assert at_20["model (expected recovery)"] == pytest.approx(test["recovered_at_20pct"], rel=1e-9)
    assert at_20["billed amount"] == pytest.approx(test["baselines"]["billed_amount"]["recovered_at_20pct"], rel=1e-9)
    assert at_20["truth (ceiling)"] == pytest.approx(test["truth_recovered_at_20pct"], rel=1e-9)


def test_04_compares_and_moves_the_alias_to_a_challenger_that_is_not_worse(workspace, trained) -> None:
    settings = workspace["settings"]
    execute("04-compare-and-promote", workspace, period_days=90, resamples=100)
    assert str(champion_version(settings).version) == "2"
    client = mlflow_client(settings)
    first, second = client.get_run(trained["first_run"]).data.tags, client.get_run(trained["second_run"]).data.tags
    assert first["promotion.decision"] == "promoted" and first["promotion.reason"] == FIRST_CHAMPION
    assert second["promotion.decision"] == "promoted" and second["promotion.previous_champion"] == "1"


def test_running_the_notebooks_wrote_nothing_into_the_repository(workspace, trained) -> None:
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == [f"{name}.ipynb" for name in NAMES]
    assert (workspace["cwd"] / "mlruns").is_dir()  # MLflow's artifacts went to the kernel's temporary folder
