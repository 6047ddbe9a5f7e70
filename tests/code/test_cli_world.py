"""`denial-ml generate`: output, and one-line errors that leave nothing half-written."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from denial_ml.schemas import TABLES

pytestmark = pytest.mark.slow


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "denial_ml.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_generate_writes_every_table_and_prints_summary(tmp_path):
    out = tmp_path / "w"
    result = run("generate", "--claims", "500", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "denial rate" in result.stdout and "appeal rate" in result.stdout
    written = {p.stem for p in out.glob("*.parquet")}
    assert written == set(TABLES) | {"eligibility_responses", "claim_events", "payer_contacts"}
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["generate", "--claims", "0"], "--claims must be a positive number"),
        (["generate", "--claims", "-5"], "--claims must be a positive number"),
        (["generate", "--bogus"], "No such option: --bogus"),
        (["generate", "--claims", "ten"], "Invalid value for '--claims'"),
    ],
)
def test_bad_input_exits_nonzero_with_one_line(tmp_path, args, needle):
    result = run(*args, "--out", str(tmp_path / "w")) if "--bogus" not in args else run(*args)
    assert result.returncode != 0
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists()


def test_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("generate", "--claims", "50", "--out", str(blocker / "w"))
    assert result.returncode != 0
    assert "cannot write to folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert blocker.read_text() == "not a folder"


def test_policies_file_changes_the_world_and_a_bad_one_writes_nothing(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "extends: default\nrules:\n  - id: no-ecg\n    kind: place_of_service\n    codes: ['93000']\n"
        "    allowed_pos: ['99']\n    strength: 0.9\n    carc: '58'\n"
    )
    out = tmp_path / "w"
    result = run("generate", "--claims", "2000", "--seed", "3", "--out", str(out), "--policies", str(rules))
    assert result.returncode == 0, result.stderr
    truth = pd.read_parquet(out / "truth.parquet")
    assert (truth["policy_rule"] == "no-ecg").sum() > 20
    assert set(truth["denial_rule"]) == {"", "no-ecg"}
    rules.write_text("rules:\n  - id: no-ecg\n    kind: place_of_service\n    codes: ['93000']\n")
    result = run("generate", "--claims", "50", "--out", str(tmp_path / "w2"), "--policies", str(rules))
    assert result.returncode != 0
    assert "rule 'no-ecg' (#1) rule: Value error, give exactly one of denied_pos or allowed_pos" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w2").exists()
