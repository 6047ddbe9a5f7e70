"""The demo's last step: a biller key, the docs URL and a curl that scores a claim of the demo world."""

from __future__ import annotations

import json
import os
import re
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from denial_ml.cli import serve as serve_cli
from denial_ml.config import Settings, get_settings
from denial_ml.server.app import create_app
from denial_ml.service.testing import make_services
from denial_ml.store import WorklistStore

pytestmark = pytest.mark.xdist_group("model")


@pytest.mark.slow
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
    # serve_demo points the service's settings at the bundle through the environment; restored after the test
    monkeypatch.setenv("DENIAL_ML_API_BUNDLE_DIR", "unset")
    monkeypatch.setenv("DENIAL_ML_API_MODEL_SOURCE", "bundle")
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


def _cli():
    import typer

    app = typer.Typer()
    app.command("serve")(serve_cli.serve)
    app.command("other")(lambda: None)  # two commands, so `serve` is a subcommand as in `denial-ml`
    return app


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "/no/such/bundle"], "error: --model '/no/such/bundle' is not a folder"),
        (["--port", "70000"], "error: --port must be between 1 and 65535, got 70000"),
    ],
)
def test_serve_refuses_bad_options_in_one_line(args, message, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.setattr(serve_cli, "run_service", lambda *a: pytest.fail("must not start"))
    result = CliRunner().invoke(_cli(), ["serve", *args])
    assert result.exit_code == 2 and result.output.strip() == message


def test_serve_passes_options_to_uvicorn(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    started = []
    monkeypatch.setattr(serve_cli, "run_service", lambda *a: started.append(a))
    monkeypatch.setenv("DENIAL_ML_API_BUNDLE_DIR", "unset")
    monkeypatch.setenv("DENIAL_ML_API_MODEL_SOURCE", "bundle")
    monkeypatch.setenv("DENIAL_ML_API_LOG_LEVEL", "warning")
    get_settings.cache_clear()
    result = CliRunner().invoke(
        _cli(), ["serve", "--host", "0.0.0.0", "--port", "9001", "--workers", "2", "--model", str(tmp_path)]
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert started == [("0.0.0.0", 9001, 2, "warning")]
    assert os.environ["DENIAL_ML_API_BUNDLE_DIR"] == str(tmp_path)


@pytest.mark.slow
def test_demo_worklist_builds_the_store_and_prints_the_top_10_with_reasons(small_world, tmp_path, capsys):
    from denial_ml.data.io import write_tables
    from denial_ml.jobs.triage import demo_worklist

    data = tmp_path / "world"
    write_tables(small_world, data, validate=False)
    url = f"sqlite:///{tmp_path / 'worklist.db'}"
    settings = Settings(worklist_url=url, models_dir=tmp_path / "models", _env_file=None)
    total = demo_worklist(settings, data, print)
    out = capsys.readouterr().out
    store = WorklistStore(url)
    top = store.list_items(limit=10)
    store.close()
    assert total == top.total > 10
    assert (tmp_path / "models" / "triage" / "metadata.json").is_file()
    assert "denials scored and explained in" in out and f"{total:,} new, 0 rescored" in out
    assert f"worklist top 10 of {total:,} by expected recovery" in out
    lines = out.splitlines()
    rows = [n for n, line in enumerate(lines) if re.match(r"\s*\d+  CLM", line)]
    assert [lines[n].split()[1] for n in rows] == [item.claim_id for item in top.items]
    for n, item in zip(rows, top.items, strict=True):
        # Under each item: its two largest factors, signed by the way they move P(overturn).
        signs = {"raises": "+", "lowers": "-"}
        expected = [f"{signs[f['direction']]} {f['sentence']}" for f in item.factors[:2]]
        assert expected and [line.strip() for line in lines[n + 1 : n + 1 + len(expected)]] == expected


def test_demo_builds_the_worklist_before_serving(monkeypatch, tmp_path):
    from denial_ml.cli import world
    from denial_ml.jobs import demo, report, training, triage
    from denial_ml.jobs import world as world_job

    steps = []
    settings = Settings(data_dir=tmp_path / "world", models_dir=tmp_path / "models", _env_file=None)
    monkeypatch.setattr(world, "get_settings", lambda: settings)
    monkeypatch.setattr(world_job, "build_world", lambda *a, **k: steps.append("world") or {})
    monkeypatch.setattr(demo, "format_summary", lambda s: "")
    trained = SimpleNamespace(bundle=tmp_path / "bundle", metrics={})
    monkeypatch.setattr(training, "train_and_log", lambda *a, **k: steps.append("model") or (trained, "run"))
    monkeypatch.setattr(demo, "format_metrics", lambda m: "")
    monkeypatch.setattr(report, "write_report", lambda *a, **k: steps.append("report"))
    monkeypatch.setattr(triage, "demo_worklist", lambda s, d, echo: steps.append(("worklist", s, d)) or 5)
    monkeypatch.setattr(serve_cli, "serve_demo", lambda *a: steps.append(("serve", a[2])))
    world.demo()
    assert steps == [
        "world",
        "model",
        "report",
        ("worklist", settings, settings.data_dir),
        ("serve", tmp_path / "bundle"),
    ]
