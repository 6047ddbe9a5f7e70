"""Champion/challenger through the MLflow registry: a worse challenger is refused, a better one moves the alias.

Two runs are logged to a temporary SQLite store: the trained small-world model (as `denial-ml train` logs it),
and a deliberately worse copy of it (its denial model cut to its first boosting round), registered as a folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import lightgbm as lgb
import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import promote as promote_cli
from denial_ml.config import Settings, get_settings
from denial_ml.data.io import write_tables
from denial_ml.modeling.bundle import DENIAL_MODEL, METADATA, write_checksums
from denial_ml.modeling.registry import (
    CHAMPION,
    RegistryError,
    champion_version,
    mlflow_client,
    register_bundle,
    resolve_champion_bundle,
    resolve_model,
    set_champion,
)
from denial_ml.modeling.tracking import log_training_run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]
PERIOD = "60"


def cripple(bundle: Path, folder: Path) -> Path:
    """A copy of `bundle` whose denial model keeps only its first boosting round (checksums rewritten)."""
    worse = folder / bundle.name
    shutil.copytree(bundle, worse)
    booster = lgb.Booster(model_file=str(bundle / DENIAL_MODEL))
    booster.save_model(str(worse / DENIAL_MODEL), num_iteration=1)
    metadata = json.loads((worse / METADATA).read_text())
    write_checksums(worse, metadata)
    return worse


@pytest.fixture(scope="session")
def promotion_store(trained, small_world, tmp_path_factory) -> dict:
    """A temporary tracking store holding a good run (v1) and a worse run (v2), built once per worker.

    Session scope: the test scheduler may interleave other modules, which would rebuild a module fixture.
    """
    import mlflow

    root = tmp_path_factory.mktemp("registry")
    settings = Settings(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", models_dir=root / "models")
    mlflow_client(settings).create_experiment("denial-risk", artifact_location=(root / "artifacts").as_uri())
    result = trained[0]
    worse = dataclasses.replace(result, bundle=cripple(result.bundle, root))
    good_run = log_training_run(result, settings.tracking_uri, registered_name=settings.registry_model_name)
    bad_run, _ = register_bundle(worse.bundle, settings)
    mlflow.set_tracking_uri(None)  # log_training_run pointed this process (and its MLFLOW_TRACKING_URI) there
    data = root / "world"
    write_tables(small_world, data, validate=False)
    return {"settings": settings, "good": good_run, "bad": bad_run, "data": data, "root": root}


@pytest.fixture
def registry(promotion_store):
    """The store, with the `DENIAL_ML_*` variables the CLI reads pointing at it during one test."""
    patch = pytest.MonkeyPatch()
    patch.setenv("DENIAL_ML_TRACKING_URI", promotion_store["settings"].tracking_uri)
    patch.setenv("DENIAL_ML_MODELS_DIR", str(promotion_store["settings"].models_dir))
    get_settings.cache_clear()
    yield promotion_store
    patch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    promote_cli.register(app)
    return app


def run(app, *args: str):
    return CliRunner().invoke(app, list(args))


def alias_version(settings) -> str | None:
    current = champion_version(settings)
    return None if current is None else str(current.version)


def clear_alias(settings) -> None:
    if champion_version(settings) is not None:
        mlflow_client(settings).delete_registered_model_alias(settings.registry_model_name, CHAMPION)


def run_tags(settings, run_id: str) -> dict:
    return mlflow_client(settings).get_run(run_id).data.tags


def test_references_resolve_to_the_same_bundle(registry) -> None:
    s = registry["settings"]
    by_run = resolve_model(registry["good"], s)
    assert by_run.version == "1"
    for ref in ("1", "v1", "models:/denial-risk/1"):
        resolved = resolve_model(ref, s)
        assert (resolved.bundle, resolved.run_id) == (by_run.bundle, registry["good"])
    assert (by_run.bundle / DENIAL_MODEL).read_bytes() != (resolve_model("2", s).bundle / DENIAL_MODEL).read_bytes()
    folder = resolve_model(str(by_run.bundle), s)
    assert folder.bundle == by_run.bundle and folder.run_id is None
    with pytest.raises(RegistryError, match="no version 9"):
        resolve_model("9", s)
    with pytest.raises(RegistryError, match="no alias 'staging'"):
        resolve_model("staging", s)


def test_registry_calls_leave_no_mlflow_uri_behind(registry, monkeypatch) -> None:
    # mlflow.set_registry_uri exports MLFLOW_REGISTRY_URI; a later run or notebook kernel would register there.
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    s = registry["settings"]
    resolve_model("1", s)
    champion_version(s)
    assert "MLFLOW_REGISTRY_URI" not in os.environ and "MLFLOW_TRACKING_URI" not in os.environ


def test_first_promotion_needs_no_comparison(registry, app) -> None:
    s = registry["settings"]
    clear_alias(s)
    with pytest.raises(RegistryError, match="no alias 'champion'"):
        resolve_champion_bundle(s)
    result = run(app, "promote", registry["bad"], "--data", str(registry["data"]))
    assert result.exit_code == 0, result.output
    assert "first champion" in result.output
    assert alias_version(s) == "2"


def test_a_worse_challenger_is_refused_and_the_refusal_recorded(registry, app) -> None:
    s = registry["settings"]
    set_champion("1", s)
    result = run(app, "promote", registry["bad"], "--data", str(registry["data"]), "--period", PERIOD)
    assert result.exit_code == 1, result.output
    assert "refused: challenger is worse on roc_auc" in result.output
    assert alias_version(s) == "1"
    assert run_tags(s, registry["bad"])["promotion.decision"] == "refused"


def test_a_better_challenger_is_promoted_and_the_service_finds_it(registry, app) -> None:
    s = registry["settings"]
    set_champion("2", s)
    result = run(app, "promote", registry["good"], "--data", str(registry["data"]), "--period", PERIOD)
    assert result.exit_code == 0, result.output
    assert "promoted: version 1" in result.output and "(was version 2)" in result.output
    assert alias_version(s) == "1"
    assert resolve_champion_bundle(s) == resolve_model(registry["good"], s).bundle
    tags = run_tags(s, registry["good"])
    assert tags["promotion.decision"] == "promoted" and tags["promotion.previous_champion"] == "2"


def test_a_forced_promotion_needs_and_records_a_reason(registry, app) -> None:
    s = registry["settings"]
    set_champion("1", s)
    refused = run(app, "promote", registry["bad"], "--force", "--data", str(registry["data"]))
    assert refused.exit_code == 2 and "--force needs --reason" in refused.output
    assert alias_version(s) == "1"
    reason = "payer contract change; retrained model validated by hand"
    forced = run(
        app,
        "promote",
        registry["bad"],
        "--force",
        "--reason",
        reason,
        "--data",
        str(registry["data"]),
        "--period",
        PERIOD,
    )
    assert forced.exit_code == 0, forced.output
    assert alias_version(s) == "2"
    tags = run_tags(s, registry["bad"])
    assert tags["promotion.decision"] == "forced" and tags["promotion.forced_reason"].startswith(reason)
    version_tags = mlflow_client(s).get_model_version(s.registry_model_name, "2").tags
    assert version_tags["promotion.forced_reason"].startswith(reason)


def test_evaluate_prints_the_table_and_writes_json(registry, app) -> None:
    s = registry["settings"]
    set_champion("1", s)
    out = registry["root"] / "evaluation.json"
    result = run(
        app, "evaluate", "--challenger", registry["bad"], "--data", str(registry["data"]), "--period", PERIOD,
        "--out", str(out), "--resamples", "100",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "denied_dollars_at_20pct" in result.output and "would be refused" in result.output
    body = json.loads(out.read_text())
    auc = body["comparison"]["metrics"]["roc_auc"]
    assert body["champion"]["version"] == "1" and body["challenger"]["version"] == "2"
    assert auc["difference"] < 0 and auc["worse"] and body["decision"]["promote"] is False
    assert body["comparison"]["resamples"] == 100
