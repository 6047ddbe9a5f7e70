"""Claim check, what-if, batch check and denial tracking pages with a trained bundle (TestClient)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from test_web_auth import csrf, sign_in

from denial_ml.analytics.facts import REQUIRED_COLUMNS
from denial_ml.analytics.report import build_report
from denial_ml.ingest.x12_write import render_x12
from denial_ml.server.testing import model_site
from denial_ml.service.testing import world_claims
from denial_ml.web.batch import flat_csv
from denial_ml.web.formats import pct

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]
RISK = re.compile(r'data-testid="risk" data-risk="([^"]+)"')


@pytest.fixture(scope="module")
def site(trained, small_world, tmp_path_factory):
    result, scorer = trained
    with model_site(tmp_path_factory.mktemp("web"), small_world, result.bundle, scorer, items=50) as site:
        yield site


@pytest.fixture
def biller(site):
    client = TestClient(site.app)
    sign_in(client, site.keys["biller"])
    return client


def check_json(client: TestClient, claim: dict) -> object:
    page = client.get("/ui/claims/check")
    return client.post(
        "/ui/claims/check", data={"csrf_token": csrf(page.text), "mode": "json", "claim_json_text": json.dumps(claim)}
    )


def test_claim_check_shows_what_the_api_says(site, biller, small_world):
    for claim in world_claims(small_world, 3, seed=5):
        page = check_json(biller, claim)
        assert page.status_code == 200
        api = TestClient(site.app).post(
            "/v1/claims/score", json={"claims": [claim]}, headers={"X-API-Key": site.keys["biller"]}
        )
        scored = api.json()["scored"][0]
        assert float(RISK.search(page.text).group(1)) == pytest.approx(scored["denial_risk"], abs=1e-12)
        assert f'data-testid="likely-category">{scored["likely_category"].replace("_", " ")}<' in page.text
        shown = html.unescape(page.text)
        for factor in scored["factors"]:
            assert factor["sentence"] in shown and (factor["fix"] or "") in shown
        # The checked claim is shown in the form, ready to edit.
        assert f'name="claim_id" type="text" value="{claim["claim_id"]}"' in page.text


def test_claim_form_errors_name_the_fields(biller, small_world):
    claim = world_claims(small_world, 1, seed=6)[0]
    page = biller.get("/ui/claims/check")
    form = {"csrf_token": csrf(page.text), "claim_id": claim["claim_id"], "payer_id": "NOPE", "patient_id": "P1"}
    form |= {"lines-0-procedure_code": "97110", "lines-0-units": "x", "lines-0-line_charge": "10"}
    response = biller.post("/ui/claims/check", data=form)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Line 1 units: must be a whole number" in text
    assert "Billing NPI: is required" in text
    assert 'id="f-lines-0-units" name="lines-0-units" type="text" size="3" value="x" aria-invalid="true"' in text
    bad_json = biller.post(
        "/ui/claims/check", data={"csrf_token": csrf(page.text), "mode": "json", "claim_json_text": "{nope"}
    )
    assert bad_json.status_code == 422 and "The pasted text is not JSON (line 1, column 2" in bad_json.text
    unknown = check_json(biller, {**claim, "payer_id": "NOPE"})
    assert unknown.status_code == 422 and "Payer: payer unknown to the model" in unknown.text
    assert '<option value="">choose a payer</option>' in unknown.text


def test_what_if_agrees_with_the_api_and_works_without_javascript(site, biller, small_world):
    claim = world_claims(small_world, 1, seed=7)[0]
    page = check_json(biller, claim)
    claim_json = html.unescape(re.search(r'name="claim_json" value="([^"]+)"', page.text).group(1))
    form = {"csrf_token": csrf(page.text), "claim_json": claim_json, "submit_today": "on"}
    fragment = biller.post("/ui/claims/what-if", data=form, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    after = float(re.search(r'data-testid="risk-after" data-risk="([^"]+)"', fragment.text).group(1))
    api = TestClient(site.app).post(
        "/v1/claims/what-if",
        json={"claim": claim, "edits": {"submission_date": dt.date.today().isoformat()}},
        headers={"X-API-Key": site.keys["biller"]},
    )
    assert after == pytest.approx(api.json()["after"]["denial_risk"], abs=1e-12)
    full = biller.post("/ui/claims/what-if", data=form)
    assert "<html" in full.text and 'data-testid="risk-after"' in full.text and RISK.search(full.text)
    nothing = biller.post("/ui/claims/what-if", data={"csrf_token": form["csrf_token"], "claim_json": claim_json})
    assert "Choose a change above to see how the risk moves." in nothing.text


def test_batch_csv_is_scored_by_risk_with_a_results_csv(biller, small_world):
    claims = small_world["claims"].head(40).copy()
    claims.loc[claims.index[3], "payer_id"] = "NOPE"
    lines = small_world["claim_lines"][small_world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    page = biller.get("/ui/claims/batch")
    response = biller.post(
        "/ui/claims/batch",
        data={"csrf_token": csrf(page.text)},
        files={"file": ("claims.csv", flat_csv(claims, lines).encode(), "text/csv")},
    )
    assert response.status_code == 200
    rows = re.findall(r'<tr data-claim="([^"]+)" data-risk="([^"]+)">', response.text)
    risks = [float(r) for _, r in rows]
    assert len(rows) == 39 and risks == sorted(risks, reverse=True)
    bad = claims["claim_id"].iloc[3]
    assert f"<td>{bad}</td><td>claims row 5, column payer_id</td><td>unknown payer &#39;NOPE&#39;</td>" in response.text
    url = re.search(r'href="data:text/csv;base64,([^"]+)" download="denial-risk-results.csv"', response.text)
    results = pd.read_csv(io.BytesIO(base64.b64decode(url.group(1))), dtype={"claim_id": str})
    assert list(results["claim_id"][:39]) == [c for c, _ in rows]
    assert results["denial_risk"][:39].tolist() == pytest.approx([round(r, 4) for r in risks])
    assert results["error"].iloc[39] == "claims row 5, column payer_id: unknown payer 'NOPE'"


def test_batch_837_upload(biller, small_world):
    claims = small_world["claims"][small_world["claims"]["claim_type"] == "837P"].head(30)
    lines = small_world["claim_lines"][small_world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    no_remits = {t: small_world[t].iloc[:0] for t in ("remittances", "remittance_lines", "adjustments", "remarks")}
    files = render_x12({**small_world, "claims": claims, "claim_lines": lines, **no_remits})
    [name] = files
    page = biller.get("/ui/claims/batch")
    response = biller.post(
        "/ui/claims/batch",
        data={"csrf_token": csrf(page.text)},
        files={"file": (name, files[name].encode(), "text/plain")},
    )
    assert response.status_code == 200
    shown = re.findall(r'<tr data-claim="([^"]+)"', response.text)
    assert sorted(shown) == sorted(claims["claim_id"])
    broken = biller.post(
        "/ui/claims/batch",
        data={"csrf_token": csrf(page.text)},
        files={"file": ("x.x12", b"ISA*00*garbage~", "text/plain")},
    )
    assert broken.status_code == 422 and "x.x12: " in broken.text


def test_example_csv_is_a_valid_upload(biller):
    example = biller.get("/ui/claims/batch/example.csv")
    assert example.headers["content-type"].startswith("text/csv")
    page = biller.get("/ui/claims/batch")
    response = biller.post(
        "/ui/claims/batch", data={"csrf_token": csrf(page.text)}, files={"file": ("e.csv", example.content, "text/csv")}
    )
    assert re.findall(r'<tr data-claim="([^"]+)"', response.text) == ["CLM-2026-000123"]


def test_tracking_page_shows_the_reports_measures(site, small_world):
    client = TestClient(site.app)
    sign_in(client, site.keys["appeals"])
    report = build_report({k: small_world[k] for k in REQUIRED_COLUMNS})
    page = client.get("/ui/tracking")
    assert page.status_code == 200
    assert (
        f'<div class="value">{pct(report["totals"]["denial_rate"])}</div><div class="label">denial rate (claims)'
        in (page.text)
    )
    assert page.text.count("<svg") == 4
    months = re.findall(r'<tr><th scope="row">([^<]+)</th>', page.text)
    assert months == [row["label"] for row in report["slices"]["month"]]
    by_payer = client.get("/ui/tracking?by=payer").text
    assert re.findall(r'<tr><th scope="row">([^<]+)</th>', by_payer) == [r["label"] for r in report["slices"]["payer"]]
