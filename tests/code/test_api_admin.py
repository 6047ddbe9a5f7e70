"""/v1/models, reloads (a bad bundle is refused and the old model keeps serving), start-up, health, metrics."""

from __future__ import annotations

import json
import logging
import re
import shutil

import pytest
from fastapi.testclient import TestClient

from denial_ml.config import Settings
from denial_ml.modeling.bundle import METADATA, write_checksums
from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services, world_claims
from denial_ml.store.testing import sqlite_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


# SQLite only (overrides the shared two-backend fixture): these tests are about the model side of the service.
database_url = pytest.fixture(scope="module", name="database_url")(sqlite_database)


@pytest.fixture
def bundle_copy(trained, tmp_path):
    result, _ = trained
    return shutil.copytree(result.bundle, tmp_path / "bundle")


@pytest.fixture
def api(trained, store, bundle_copy):
    _, scorer = trained
    services = make_services(store, bundle_copy, scorer)
    return TestClient(create_app(services=services)), issue_keys(store), services


def key(keys: dict[str, str], role: str = "admin") -> dict[str, str]:
    return {"X-API-Key": keys[role]}


def test_models_lists_version_period_and_metrics_for_any_role(api, trained):
    client, keys, _ = api
    result, scorer = trained
    for role in ("biller", "appeals", "admin"):
        body = client.get("/v1/models", headers=key(keys, role)).json()
        (model,) = body["models"]
        assert model["version"] == scorer.version
        assert model["training_period"] == scorer.metadata["training_period"]
        assert model["test_metrics"]["roc_auc"] == pytest.approx(result.metrics["test"]["roc_auc"])
        assert set(model["payers"]) == set(scorer.builder.categories_["payer_id"])
        # The training run's quality gate, as the bundle recorded it.
        assert model["for_use"] is scorer.metadata["for_use"] is result.metrics["gate"]["for_use"]
        assert model["gate_reason"] == result.metrics["gate"]["reason"] != ""
    assert client.get("/v1/models").status_code == 401


def test_reload_swaps_in_the_configured_bundle(api, trained):
    client, keys, services = api
    before = services.models.served
    response = client.post("/v1/models/reload", headers=key(keys))
    assert response.status_code == 200, response.text
    assert response.json() == {"previous_version": before.version, "version": before.version, "changed": False}
    assert services.models.served is not before and services.models.served.loaded_at > before.loaded_at


def _corrupt_model(folder):
    with (folder / "denial_model.txt").open("a") as handle:
        handle.write("\n")


def _drop_calibration(folder):
    (folder / "calibration.json").unlink()


def _other_features(folder):
    spec_path = folder / "feature_spec.json"
    spec = json.loads(spec_path.read_text())
    spec["features"] = spec["features"][::-1]
    spec_path.write_text(json.dumps(spec))
    write_checksums(folder, json.loads((folder / METADATA).read_text()))  # checksums agree: only the spec is wrong


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_corrupt_model, "checksum of denial_model.txt does not match metadata.json"),
        (_drop_calibration, "is missing calibration.json"),
        (_other_features, "was trained on other features than this code builds"),
    ],
)
def test_bad_bundle_is_refused_and_previous_model_keeps_serving(api, bundle_copy, small_world, caplog, damage, problem):
    client, keys, services = api
    serving = services.models.served.version
    damage(bundle_copy)
    with caplog.at_level(logging.ERROR, logger="denial_ml.api"):
        response = client.post("/v1/models/reload", headers=key(keys))
    assert response.status_code == 409
    assert problem in response.json()["detail"] and response.json()["detail"].endswith(f"still serving {serving}")
    assert any(problem in r.getMessage() and "model refused" in r.getMessage() for r in caplog.records)
    scored = client.post("/v1/claims/score", json={"claims": world_claims(small_world, 1)}, headers=key(keys, "biller"))
    assert scored.status_code == 200 and scored.json()["model_version"] == serving
    assert 'denial_ml_model_reloads_total{result="refused"} 1' in client.get("/metrics").text


def test_reload_is_admin_only(api):
    client, keys, _ = api
    assert client.post("/v1/models/reload").status_code == 401
    for role in ("biller", "appeals"):
        response = client.post("/v1/models/reload", headers=key(keys, role))
        assert (response.status_code, response.json()["detail"]) == (403, f"role {role!r} may not do this; needs admin")


def test_startup_loads_model_and_store_from_settings(bundle_copy, database_url, tmp_path):
    settings = Settings(api_bundle_dir=bundle_copy, worklist_url=database_url, _env_file=None)
    with TestClient(create_app(settings)) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ready" and ready.json()["model_loaded"] is True


def test_startup_with_bad_bundle_is_live_but_not_ready(bundle_copy, database_url, caplog):
    _corrupt_model(bundle_copy)
    settings = Settings(api_bundle_dir=bundle_copy, worklist_url=database_url, _env_file=None)
    with caplog.at_level(logging.ERROR, logger="denial_ml.api"), TestClient(create_app(settings)) as client:
        assert client.get("/health/live").json() == {"status": "ok"}
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "not_ready",
            "model_version": None,
            "model_loaded": False,
            "store_reachable": True,
        }
    assert any("model refused" in r.getMessage() and "no model is served" in r.getMessage() for r in caplog.records)


def test_ready_needs_a_reachable_store(trained, bundle_copy, tmp_path):
    from denial_ml.store import WorklistStore

    _, scorer = trained
    store = WorklistStore(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'worklist.db'}")
    client = TestClient(create_app(services=make_services(store, bundle_copy, scorer)))
    ready = client.get("/health/ready")
    assert (ready.status_code, ready.json()["store_reachable"], ready.json()["model_loaded"]) == (503, False, True)


def test_registry_alias_champion_is_served(trained, tmp_path):
    import mlflow

    from denial_ml.modeling.registry import register_bundle, set_champion
    from denial_ml.service.serving import ModelLoadError, load_configured

    result, scorer = trained
    settings = Settings(
        api_model_source="registry",
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        models_dir=tmp_path / "models",
        _env_file=None,
    )
    previous = mlflow.get_tracking_uri()
    try:
        run_id, version = register_bundle(result.bundle, settings)
        set_champion(version, settings)
        served = load_configured(settings)
        with pytest.raises(ModelLoadError, match="no alias 'challenger'"):
            load_configured(settings.model_copy(update={"api_model_alias": "challenger"}))
    finally:
        mlflow.set_tracking_uri(previous)
    assert served.version == scorer.version
    assert served.source == f"registry:denial-risk@champion (version {version}, run {run_id})"


LINE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)+\})? -?[0-9.e+]+$')


def test_metrics_are_prometheus_text_by_route(api, small_world):
    client, keys, services = api
    client.get("/v1/models", headers=key(keys))
    client.get("/v1/models", headers=key(keys))
    client.post("/v1/claims/score", json={"claims": world_claims(small_world, 2)}, headers=key(keys, "biller"))
    client.get("/v1/worklist/12345", headers=key(keys, "appeals"))
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'denial_ml_http_requests_total{method="GET",route="/v1/models",status="200"} 2' in text
    assert 'denial_ml_http_requests_total{method="GET",route="/v1/worklist/{item_id}",status="404"} 1' in text
    assert 'denial_ml_http_request_duration_seconds_count{method="POST",route="/v1/claims/score"} 1' in text
    assert 'denial_ml_http_request_duration_seconds_bucket{method="GET",route="/v1/models",le="+Inf"} 2' in text
    assert "denial_ml_claims_scored_total 2" in text
    assert f'denial_ml_model_info{{version="{services.models.served.version}"}} 1' in text
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert samples and all(LINE.match(line) for line in samples), [s for s in samples if not LINE.match(s)]


def test_request_ids_are_echoed_or_made(api):
    client, _, _ = api
    assert client.get("/health/live", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = client.get("/health/live", headers={"X-Request-ID": "not valid!"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
