"""build_report, its reconciliation, the HTML/JSON rendering and the `report` command on the hand world."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from test_analytics_world import hand_world
from typer.testing import CliRunner

from denial_ml.analytics.facts import ReportInputError
from denial_ml.analytics.render import render_html, render_json
from denial_ml.analytics.report import build_report
from denial_ml.cli import report as report_cli
from denial_ml.data.io import write_tables
from denial_ml.labels import label_claims


@pytest.fixture(scope="module")
def report() -> dict:
    return build_report(hand_world())


def test_denied_count_and_dollars_reconcile_with_the_labelling_rule(report: dict) -> None:
    tables = hand_world()
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    assert report["totals"]["denied"] == int(labels["denied"].sum()) == 7
    assert report["totals"]["denied_dollars"] == labels["denied_amount"].sum() == 1360.0
    assert report["totals"]["submitted_charges"] == tables["claims"]["total_charge"].sum()
    assert report["totals"]["recovered_dollars"] == tables["appeals"]["recovered_amount"].sum()
    assert report["reconciliation"]["ok"] is True
    assert len(report["reconciliation"]["checks"]) == 6 + 2 * 7  # sources + two per slice


def test_every_slice_adds_up_to_the_totals(report: dict) -> None:
    for name, rows in report["slices"].items():
        assert sum(r["denied"] for r in rows) == 7, name
        assert sum(r["denied_dollars"] for r in rows) == pytest.approx(1360.0), name
    for name in ("payer", "payer_type", "procedure", "provider", "month"):
        assert sum(r["claims"] for r in report["slices"][name]) == 12, name


def test_report_values_and_labels(report: dict) -> None:
    assert report["as_of"] == "2024-06-21"
    payers = {r["key"]: r for r in report["slices"]["payer"]}
    assert payers["P1"]["label"] == "Acme Health"
    assert payers["P1"]["denial_rate"] == 0.5
    assert [s["step"] for s in report["preventable"]["steps"]][:2] == [
        "prior authorization",
        "coding and documentation",
    ]
    trend = report["preventable"]["trend_dollars"]
    assert trend["months"] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert trend["series"]["prior authorization"] == [200.0, 0.0, 0.0, 500.0]
    assert report["definitions"]["denial_rate"].startswith("Denied claims / adjudicated claims")


def test_as_of_moves_the_deadlines() -> None:
    # On 2024-04-15 only C2's deadline (04-01) has passed, and C2 was appealed in time.
    early = build_report(hand_world(), as_of="2024-04-15")
    assert early["totals"]["missed_appeal_deadline"] == 0


def test_world_with_every_claim_pending_has_no_rates_but_renders() -> None:
    tables = hand_world()
    for name in ("remittances", "remittance_lines", "adjustments", "appeals"):
        tables[name] = tables[name].head(0)
    report = build_report(tables)
    totals = report["totals"]
    assert (totals["claims"], totals["pending"], totals["denied"]) == (12, 12, 0)
    assert totals["denial_rate"] is None and totals["overturn_rate"] is None  # no denominator, not 0 %
    assert report["preventable"]["steps"] == [] and report["reconciliation"]["ok"]
    assert "<svg" in render_html(report)
    json.loads(render_json(report))


def test_json_is_strict_and_matches_the_dict(report: dict) -> None:
    text = render_json(report)
    assert json.loads(text) == report
    assert "NaN" not in text


def test_html_is_self_contained_and_shows_the_numbers(report: dict) -> None:
    html = render_html(report)
    assert html.count("<svg") == 5
    # Nothing is fetched: no external src/href/url(), no scripts, no stylesheets links.
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)|url\(\s*[\"']?(https?:|//)", html)
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert "63.6%" in html  # denial rate 7/11
    assert "$1,360.00" in html and "$630.00" in html
    assert "prior authorization" in html and "Acme Health" in html
    assert "all checks pass" in html


def test_missing_table_and_unknown_claims_are_named() -> None:
    empty = {name: frame.head(0) for name, frame in hand_world().items()}
    with pytest.raises(ReportInputError, match="table 'claims' is empty"):
        build_report(empty, as_of="2024-01-01")
    tables = hand_world()
    del tables["appeals"]
    with pytest.raises(ReportInputError, match="needs table 'appeals'"):
        build_report(tables)
    tables = hand_world()
    tables["claims"] = tables["claims"].drop(columns=["payer_id"])
    with pytest.raises(ReportInputError, match="table 'claims' lacks column.*payer_id"):
        build_report(tables)
    tables = hand_world()
    tables["appeals"] = pd.concat([tables["appeals"], tables["appeals"].head(1).assign(claim_id="C99")])
    with pytest.raises(ReportInputError, match=r"'appeals': 1 row\(s\) name a claim_id absent.*C99"):
        build_report(tables)
    tables = hand_world()
    tables["claims"] = pd.concat([tables["claims"], tables["claims"].head(1)], ignore_index=True)
    with pytest.raises(ReportInputError, match=r"table 'claims': duplicate claim_id \['C1'\]"):
        build_report(tables)


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)  # keep `report` a sub-command even when it is the only one
    report_cli.register(app)
    return app


def test_report_command_writes_html_and_json(tmp_path: Path) -> None:
    write_tables(hand_world(), tmp_path / "world")
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(_cli(), ["report", "--data", str(tmp_path / "world"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 of 11 adjudicated claims denied (63.6%)" in result.output
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["totals"]["denied"] == 7
    assert "<svg" in out.read_text()
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html", "report.json"]  # no temp files


def test_report_command_errors_are_one_line_and_write_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "report.html"
    missing = runner.invoke(_cli(), ["report", "--data", str(tmp_path / "nope"), "--out", str(out)])
    assert missing.exit_code == 2
    assert "error: data folder" in missing.output and "does not exist" in missing.output
    tables = hand_world()
    del tables["appeals"]
    write_tables(tables, tmp_path / "partial")
    partial = runner.invoke(_cli(), ["report", "--data", str(tmp_path / "partial"), "--out", str(out)])
    assert partial.exit_code == 2 and "table 'appeals' is missing" in partial.output
    bad_date = runner.invoke(_cli(), ["report", "--data", str(tmp_path), "--out", str(out), "--as-of", "soon"])
    assert bad_date.exit_code == 2 and "--as-of must be a date" in bad_date.output
    assert not out.exists() and not out.with_suffix(".json").exists()
