"""`denial-ml serve` as a real uvicorn process on loopback: ready, scores a claim over HTTP, logs no private data."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from denial_ml.service.testing import free_port, private_values, world_claims
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


def _wait_ready(url: str, process: subprocess.Popen, seconds: float = 90) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited with code {process.returncode} before it was ready")
        try:
            response = httpx.get(f"{url}/health/ready", timeout=2)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the service was not ready within {seconds} s")


def test_serve_scores_a_claim_over_http(trained, small_world, tmp_path):
    result, scorer = trained
    with migrated_database("sqlite", tmp_path) as url:
        store = WorklistStore(url)
        token = store.create_key("http-test", "biller").token
        store.close()
        port, log_path = free_port(), tmp_path / "service.log"
        env = {**os.environ, "DENIAL_ML_WORKLIST_URL": url, "DENIAL_ML_API_LOG_LEVEL": "debug"}
        command = [sys.executable, "-m", "denial_ml.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [*command, "--model", str(result.bundle)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        try:
            assert _wait_ready(base, process).json()["model_version"] == scorer.version
            payload = world_claims(small_world, 2, seed=21)
            response = httpx.post(
                f"{base}/v1/claims/score",
                json={"claims": payload},
                headers={"X-API-Key": token, "X-Request-ID": "over-http-1"},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            assert [s["claim_id"] for s in response.json()["scored"]] == [p["claim_id"] for p in payload]
            assert 0 <= response.json()["scored"][0]["denial_risk"] <= 1
            assert response.headers["x-request-id"] == "over-http-1"
            metrics = httpx.get(f"{base}/metrics", timeout=5).text
            assert "denial_ml_claims_scored_total 2" in metrics
        finally:
            process.terminate()
            process.wait(timeout=30)
    log = log_path.read_text()
    assert "[over-http-1] POST /v1/claims/score 200" in log
    assert [v for v in private_values(small_world, payload) if v in log] == []
