"""The drift watch on generated worlds: the injected payer rule is flagged after it starts, a control world is quiet.

The small world (30,000 claims) has about one affected claim a day, so the alarm comes 4-16 weeks after the
rule's start there (seeds 11-15 measured 28-109 days); the 30-day figure is measured on the 200,000-claim
demo world by `bench/bench_drift.py`. The test holds the alarm to the 120 days before the practice learns.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import drift as drift_cli
from denial_ml.data.io import write_tables
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.world import generate_world
from denial_ml.monitoring.drift_report import build_drift_report, format_drift_report, report_to_json
from denial_ml.monitoring.rule_changes import cell_observations, detect_rule_changes, first_alarm
from denial_ml.monitoring.window import outcomes

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]
TIMELINE = WorldTimeline()
START = pd.Timestamp(TIMELINE.rule_change_start)
SINCE = "2025-01-01"


@pytest.fixture(scope="module")
def observed(small_world) -> pd.DataFrame:
    return cell_observations(outcomes(small_world), small_world["claim_lines"])


def test_the_rule_change_is_flagged_after_its_start_and_before_the_practice_learns(observed) -> None:
    report = detect_rule_changes(observed, since=SINCE)
    alarm = first_alarm(report, TIMELINE.rule_change_payer, "97110")
    assert alarm is not None, report.flags
    assert START < alarm <= START + pd.Timedelta(days=TIMELINE.practice_learns_after_days)
    flag = report.flags.set_index("procedure_code").loc["97110"]
    assert flag["payer_id"] == "COM01" and flag["main_category"] == "authorization"
    assert flag["jump_low"] > 0.15 and flag["p_rate_rose"] > 0.999
    assert set(report.flags["payer_id"]) == {"COM01"}
    assert set(report.flags["procedure_code"]) <= set(TIMELINE.rule_change_codes)
    # Run as of the day before the alarm, the watch has seen nothing.
    assert detect_rule_changes(observed, since=SINCE, as_of=alarm - pd.Timedelta(days=1)).flags.empty


def test_a_world_without_the_rule_change_flags_nothing() -> None:
    control = generate_world(30_000, seed=11, timeline=WorldTimeline(rule_change_codes=()))
    obs = cell_observations(outcomes(control), control["claim_lines"])
    for since in ("2024-09-01", SINCE):
        report = detect_rule_changes(obs, since=since)
        assert report.flags.empty, report.flags
        assert report.explained.empty


def test_drift_report_of_the_trained_model(trained, small_world) -> None:
    scorer = trained[1]
    report = build_drift_report(small_world, scorer, SINCE, n_features=5, reference_ece=0.01)
    assert len(report.features) == 5 and report.features["psi"].ge(0).all()
    assert report.counts["recent_adjudicated"] > 1000
    table = report.payer_category
    assert table["claims"].groupby(table["payer_id"]).first().sum() == report.counts["recent_adjudicated"]
    assert table["observed"].sum() == pytest.approx(table["observed_rate"].mul(table["claims"]).sum())
    assert table["z"].abs().is_monotonic_decreasing
    assert report.calibration["reference_ece"] == 0.01 and 0 <= report.calibration["ece"] < 0.2
    text = format_drift_report(report)
    assert "COM01  97110" in text and "Population stability" in text
    body = json.loads(json.dumps(report_to_json(report)))
    assert body["rule_changes"]["flags"][0]["payer_id"] == "COM01"


def test_drift_cli_writes_text_and_json(trained, small_world, tmp_path) -> None:
    data = tmp_path / "world"
    write_tables(small_world, data, validate=False)
    app = typer.Typer()
    drift_cli.register(app)
    app.command("unused")(lambda: None)  # two commands keep typer's sub-command form
    out = tmp_path / "drift.json"
    args = ["drift", "--since", SINCE, "--data", str(data), "--model", str(trained[0].bundle), "--out", str(out)]
    refused = CliRunner().invoke(app, args)  # SINCE lies in the model's training period: in-sample
    assert refused.exit_code == 2 and "overlaps the training period" in refused.output
    result = CliRunner().invoke(app, [*args, "--allow-overlap"])
    assert result.exit_code == 0, result.output
    assert "Payer rule changes" in result.output and "COM01" in result.output
    assert json.loads(out.read_text())["since"] == SINCE
    bad = CliRunner().invoke(app, ["drift", "--since", "2030-01-01", "--data", str(data), "--model", str(data)])
    assert bad.exit_code == 2 and "is not a model bundle" in bad.output
