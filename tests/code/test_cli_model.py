"""`denial-ml score`: good rows are scored, bad rows are named with row, column and problem."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


def run(*args):
    return subprocess.run([sys.executable, "-m", "denial_ml.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def files(small_world, tmp_path):
    claims = small_world["claims"].tail(50).copy()
    lines = small_world["claim_lines"][small_world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    claims_csv, lines_csv = tmp_path / "claims.csv", tmp_path / "lines.csv"
    lines.to_csv(lines_csv, index=False)
    return claims, claims_csv, lines_csv


def test_score_with_bad_rows_scores_the_rest(trained, files, tmp_path):
    result, _ = trained
    claims, claims_csv, lines_csv = files
    claims = claims.astype({"submission_date": str})
    claims.iloc[3, claims.columns.get_loc("submission_date")] = "2025-13-45"
    claims.iloc[7, claims.columns.get_loc("payer_id")] = "NOPE1"
    claims.to_csv(claims_csv, index=False)
    out = tmp_path / "scores.csv"
    proc = run(
        "score",
        "--model",
        str(result.bundle),
        "--claims",
        str(claims_csv),
        "--lines",
        str(lines_csv),
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "row 3" in proc.stderr and "'submission_date'" in proc.stderr and "malformed date" in proc.stderr
    assert "row 7" in proc.stderr and "unknown payer 'NOPE1'" in proc.stderr
    scored = pd.read_csv(out)
    assert len(scored) == 48
    assert scored["denial_risk"].between(0, 1).all()
    assert {"p_authorization", "likely_category", "model_version"} <= set(scored.columns)


def test_missing_required_column_is_named(trained, files):
    result, _ = trained
    claims, claims_csv, lines_csv = files
    claims.drop(columns=["payer_id"]).to_csv(claims_csv, index=False)
    proc = run(
        "score",
        "--model",
        str(result.bundle),
        "--claims",
        str(claims_csv),
        "--lines",
        str(lines_csv),
        "--out",
        str(claims_csv.with_name("o.csv")),
    )
    assert proc.returncode != 0
    assert "missing required column(s): payer_id" in proc.stderr
