"""`denial-ml explain`: JSON lines per claim, a readable view of one claim, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


def run(*args):
    return subprocess.run([sys.executable, "-m", "denial_ml.cli", *args], capture_output=True, text=True, timeout=300)


def explain(bundle, claims_file, lines_file, *extra):
    """`denial-ml explain` on the fixture's files with `extra` options."""
    args = ["--model", str(bundle), "--claims", str(claims_file), "--lines", str(lines_file)]
    return run("explain", *args, *extra)


@pytest.fixture
def files(small_world, tmp_path):
    claims = small_world["claims"].tail(40).copy()
    lines = small_world["claim_lines"][small_world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    claims = claims.assign(prior_auth_number=None)  # some of these now lack a required authorization
    claims.to_parquet(tmp_path / "claims.parquet", index=False)
    lines.to_parquet(tmp_path / "lines.parquet", index=False)
    return claims, tmp_path / "claims.parquet", tmp_path / "lines.parquet"


def test_explain_writes_one_json_line_per_claim(trained, files, tmp_path):
    result, _ = trained
    claims, claims_file, lines_file = files
    out = tmp_path / "explained.jsonl"
    proc = explain(result.bundle, claims_file, lines_file, "--out", str(out), "--top", "2")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["claim_id"] for r in rows] == claims["claim_id"].tolist()
    assert all(len(r["factors"]) <= 2 for r in rows)
    assert all({"sentence", "fix", "category", "contribution"} <= set(f) for r in rows for f in r["factors"])
    assert any(f["code"] == "AUTH_MISSING" for r in rows for f in r["findings"])
    assert f"explained {len(claims)} claims" in proc.stdout


def test_explain_one_claim_prints_a_readable_view(trained, files):
    result, _ = trained
    claims, claims_file, lines_file = files
    claim_id = claims["claim_id"].iloc[5]
    proc = explain(result.bundle, claims_file, lines_file, "--claim-id", claim_id)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"claim {claim_id}: denial risk ")
    assert "checks:" in proc.stdout and ("why:" in proc.stdout)


def test_explain_errors_name_the_problem(trained, files):
    result, _ = trained
    _, claims_file, lines_file = files
    unknown = explain(result.bundle, claims_file, lines_file, "--claim-id", "NOPE")
    assert unknown.returncode == 2 and "claim_id 'NOPE' is not among the valid claims" in unknown.stderr
    many = explain(result.bundle, claims_file, lines_file)
    assert many.returncode == 2 and "--out is required" in many.stderr
    missing = run("explain", "--model", "/nonexistent/bundle", "--claims", str(claims_file))
    assert missing.returncode == 2 and "has no metadata.json" in missing.stderr
