"""The quality gate and the model card of the 30,000-claim world's bundle: fit for use, intervals around the
figures, a card with every group, and the admin's model page showing it."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from denial_ml.modeling.gates import MIN_DECIDED, MIN_DENIALS, decide_gate
from denial_ml.server.app import create_app
from denial_ml.service.testing import issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database
from denial_ml.web.settings import WebSettings
from denial_ml.web.state import make_state

pytestmark = pytest.mark.xdist_group("model")
GROUPS = ("payer type", "claim type", "specialty", "patient age band", "sex")


def test_the_world_model_is_fit_for_use_with_intervals_around_its_figures(trained) -> None:
    result, _ = trained
    gate = result.metrics["gate"]
    assert gate["for_use"] is True and gate["verdict"] == "fit for use"
    test = result.metrics["test"]
    for key, figures in [("lightgbm", test), *test["baselines"].items()]:
        for metric in ("roc_auc", "pr_auc"):
            lo, hi = test["intervals"][key][metric]
            assert lo < figures[metric] < hi
    assert test["intervals"]["payer_procedure_rate"]["roc_auc_diff"][0] > 0
    metadata = json.loads((result.bundle / "metadata.json").read_text())
    assert metadata["for_use"] is True and metadata["gate"]["verdict"] == "fit for use"


def test_too_small_data_is_gated_out_with_its_counts() -> None:
    gate = decide_gate(182, 40, {})
    assert gate["for_use"] is False and gate["verdict"] == "too small"
    assert "182 decided claims / 40 denials" in gate["reason"] and str(MIN_DECIDED) in gate["reason"]
    assert decide_gate(MIN_DECIDED, MIN_DENIALS - 1, {})["verdict"] == "too small"


def test_the_bundle_has_a_model_card_with_every_group(trained) -> None:
    result, _ = trained
    card = (result.bundle / "model_card.md").read_text()
    for heading in ("Verdict", "Intended use", "Data", "Metrics on the test period", "Calibration", "Limitations"):
        assert f"## {heading}" in card
    for group in GROUPS:
        assert f"## Performance by {group}" in card
    assert "**FIT FOR USE**" in card and re.search(r"LightGBM \(calibrated\) \| 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]", card)
    assert "truth" in card and "65 and over" in card
    page = (result.bundle / "model_card.html").read_text()
    assert page.startswith("<!doctype html>") and "data:image/png;base64," in page


def test_the_admin_model_page_shows_the_card(trained, tmp_path) -> None:
    result, scorer = trained
    with migrated_database("sqlite", tmp_path) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        app = create_app(services=make_services(store, result.bundle, scorer))
        app.state.web = make_state(WebSettings(session_secret="test-secret", cookie_secure=False))
        with TestClient(app) as client:
            page = client.get("/ui/sign-in")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post("/ui/sign-in", data={"csrf_token": token, "api_key": keys["admin"], "next": ""})
            model = client.get("/ui/model")
        store.close()
    assert model.status_code == 200
    assert 'data-testid="model-card"' in model.text and "FIT FOR USE" in model.text
    assert "Performance by patient age band" in model.text
