"""`denial-ml ingest --validate`: pyx12 as an independent structural check, findings named by file and segment."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import ingest as ingest_cli
from denial_ml.data.io import read_tables
from denial_ml.ingest.validate import Finding, validate_x12

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "x12"
CLEAN = SHARED / "835" / "pyx12__835_mult_loops.txt"
PLACEHOLDERS = SHARED / "835" / "affect__sample_835_placeholders.txt"
NO_ENVELOPE = SHARED / "835" / "affect__exhaustive_no_envelope.txt"
NEWER_ERRATA = SHARED / "837" / "lfh__demo.example1.837"

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="shared X12 files not present")


def test_a_valid_835_validates_clean() -> None:
    assert validate_x12(CLEAN) == []


def test_placeholder_codes_are_found_with_their_segments() -> None:
    findings = validate_x12(PLACEHOLDERS)
    assert all(f.file == str(PLACEHOLDERS) for f in findings)
    assert Finding(str(PLACEHOLDERS), 21, 'Mandatory data element "Provider Identifier" (TS301) is missing') in findings
    plb = [f for f in findings if f.segment == 56]
    assert any("resnCode" in f.problem and "PLB03-01" in f.problem for f in plb)
    assert len(findings) > 20
    assert str(plb[0]).startswith(f"{PLACEHOLDERS}: segment 56: ")


def test_files_pyx12_cannot_check_say_why() -> None:
    assert validate_x12(NO_ENVELOPE) == [Finding(str(NO_ENVELOPE), 0, "does not look like an X12 data file")]
    assert validate_x12(NEWER_ERRATA) == [
        Finding(str(NEWER_ERRATA), 0, "pyx12 has no map for version 005010X222A2; the file is not checked")
    ]


def test_findings_do_not_reach_the_application_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert validate_x12(PLACEHOLDERS)
    assert not [r for r in caplog.records if r.name.startswith("pyx12")]
    assert logging.getLogger("pyx12").propagate


@pytest.mark.slow  # starts pyx12 in a process per file
def test_cli_reports_findings_and_still_ingests(tmp_path: Path) -> None:
    out = tmp_path / "tables"
    app = typer.Typer()
    ingest_cli.register(app)
    args = ["ingest", str(CLEAN), str(PLACEHOLDERS), "--out", str(out), "--validate"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output  # partial: the placeholder file's two claims are refused
    lines = result.stderr.splitlines()
    missing = 'Mandatory data element "Provider Identifier" (TS301) is missing'
    assert f"pyx12: {PLACEHOLDERS}: segment 21: {missing}" in lines
    assert not [line for line in lines if line.startswith(f"pyx12: {CLEAN}")]
    assert "pyx12: 1 of 2 files validate clean" in lines
    assert len(read_tables(out, ["remittances"])["remittances"]) == 1 + 4
