"""What the notebooks in `notebooks/` call so that they define nothing themselves: settings, the world, tables.

A notebook's cell tagged `parameters` (papermill's convention) holds its knobs; a parameter left at None
keeps the project setting (`DENIAL_ML_*` environment variables, `.env`, then the defaults of `config.py`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd

from denial_ml.config import Settings, get_settings
from denial_ml.data.io import WorldIOError, read_tables, write_tables
from denial_ml.engine.threads import set_passive_waiting

PROJECT_MARKER = 'name = "denial-ml"'  # in the project's pyproject.toml
METRIC_COLUMNS = ("roc_auc", "pr_auc", "recall_at_95_precision", "brier", "ece")


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` (default: the working folder) holding this project's pyproject.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and PROJECT_MARKER in pyproject.read_text(errors="ignore"):
            return folder
    return None


def notebook_settings(
    data_dir: str | Path | None = None,
    models_dir: str | Path | None = None,
    tracking_uri: str | None = None,
    start: Path | None = None,
) -> Settings:
    """The project settings with a notebook's parameters applied (None keeps a setting).

    Jupyter starts a kernel in the notebook's folder (`notebooks/`). Inside the project, this first changes
    to the project root, so that relative paths in the settings, `.env` and MLflow's default artifact folder
    mean what they mean for `denial-ml` commands run there. Outside it (e.g. a test's temporary folder) the
    working folder is left as it is. It also sets LightGBM's threads to wait passively
    (`engine.threads.set_passive_waiting`) unless the kernel imported LightGBM already.

    Args:
        data_dir: World folder.
        models_dir: Folder for model bundles.
        tracking_uri: MLflow tracking store (also the model registry), e.g. `sqlite:///mlflow.db`.
        start: Where to look for the project root (default: the working folder).
    """
    if "lightgbm" not in sys.modules:  # its OpenMP runtime reads the policy once, when loaded
        set_passive_waiting()
    root = project_root(start)
    if root is not None and root != Path.cwd().resolve():
        os.chdir(root)
        get_settings.cache_clear()  # relative `.env` and paths are read again from the root
    updates = {"data_dir": data_dir, "models_dir": models_dir, "tracking_uri": tracking_uri}
    given = {name: value for name, value in updates.items() if value is not None}
    return Settings.model_validate({**get_settings().model_dump(), **given})


def load_world(settings: Settings, claims: int | None = None, seed: int | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the world in `settings.data_dir`, generated there first when the folder has no claims.

    Args:
        settings: From `notebook_settings`.
        claims: Size of the synthetic world to generate when none is there; None: do not generate.
        seed: Seed of a generated world (default `settings.demo_seed`).

    Raises:
        WorldIOError: when there is no world and `claims` is None.
    """
    folder = Path(settings.data_dir)
    if not (folder / "claims.parquet").is_file():
        if claims is None:
            raise WorldIOError(
                f"no world in {str(folder)!r}: run `make demo` or `denial-ml generate --out {folder}`, "
                "or set the notebook's `claims` parameter to generate one"
            )
        from denial_ml.data.synthetic.world import generate_world

        write_tables(generate_world(claims, settings.demo_seed if seed is None else seed), folder)
    return read_tables(folder)


def claim_and_lines(tables: dict[str, pd.DataFrame], claim_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One claim's row and its service lines, as the scorer and explainer take them.

    Raises:
        KeyError: when the claim is not in the tables.
    """
    claim = tables["claims"][tables["claims"]["claim_id"] == claim_id].reset_index(drop=True)
    if claim.empty:
        raise KeyError(f"claim_id {claim_id!r} is not in the claims table")
    lines = tables["claim_lines"][tables["claim_lines"]["claim_id"] == claim_id].reset_index(drop=True)
    return claim, lines


def read_json(path: Path | str) -> dict:
    """A JSON file (a bundle's metrics.json, explain/global.json) as a dict."""
    return json.loads(Path(path).read_text())


def metrics_table(metrics: dict) -> pd.DataFrame:
    """The test-period table of a denial bundle's metrics.json: the model, then each baseline and the truth.

    Returns:
        One row per model (`lightgbm` first) and the columns of `METRIC_COLUMNS`.
    """
    test = metrics["test"]
    rows = {"lightgbm": test, **test.get("baselines", {})}
    return pd.DataFrame({name: {c: row.get(c) for c in METRIC_COLUMNS} for name, row in rows.items()}).T


def explanation_factors(explanation: dict) -> pd.DataFrame:
    """The factors of one claim's explanation (`Explainer.explain` item) as a table, largest contribution first."""
    columns = ["label", "category", "contribution", "sentence", "fix"]
    return pd.DataFrame(explanation["factors"], columns=columns)


def png_files(folder: Path | str) -> list[Path]:
    """The PNG plots of a bundle folder (e.g. `plots/`, `explain/`), by name."""
    return sorted(Path(folder).glob("*.png"))
