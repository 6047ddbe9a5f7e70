"""The demo's last step: a biller key, the docs URL and a curl that scores a claim of the demo world."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from denial_ml.api.app import create_app
from denial_ml.api.testing import make_services
from denial_ml.cli import serve as serve_cli
from denial_ml.config import Settings, get_settings
from denial_ml.store import WorklistStore

pytestmark = pytest.mark.xdist_group("model")


def test_serve_demo_prints_a_working_curl(trained, small_world, tmp_path, capsys, monkeypatch):
    result, scorer = trained
    data = tmp_path / "world"
    data.mkdir()
    small_world["claims"].to_parquet(data / "claims.parquet")
    small_world["claim_lines"].to_parquet(data / "claim_lines.parquet")
    url = f"sqlite:///{tmp_path / 'worklist.db'}"
    settings = Settings(worklist_url=url, api_port=8123, _env_file=None)
    started = []
    monkeypatch.setattr(serve_cli, "run_service", lambda *args: started.append(args))
    monkeypatch.setenv("DENIAL_ML_API_BUNDLE_DIR", "unset")  # serve_demo points it at the bundle; restored after
    serve_cli.serve_demo(settings, data, result.bundle)
    get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "API docs: http://127.0.0.1:8123/docs" in out
    assert started == [("127.0.0.1", 8123, 1, "info")]
    token = re.search(r"demo API key \(role biller.*\): (\S+)", out).group(1)
    curl = next(line for line in out.splitlines() if line.startswith("curl "))
    assert f"-H 'X-API-Key: {token}'" in curl and "http://127.0.0.1:8123/v1/claims/score" in curl
    body = json.loads(re.search(r"-d '(.+)'$", curl).group(1))
    latest = small_world["claims"].sort_values(["submission_date", "claim_id"]).iloc[-1]
    assert [c["claim_id"] for c in body["claims"]] == [latest["claim_id"]]
    store = WorklistStore(url)
    assert store.authenticate(token) == ("demo", "biller")
    client = TestClient(create_app(services=make_services(store, result.bundle, scorer)))
    response = client.post("/v1/claims/score", json=body, headers={"X-API-Key": token})
    store.close()
    assert response.status_code == 200 and len(response.json()["scored"]) == 1
