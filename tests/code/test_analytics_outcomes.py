"""Appeal outcomes with dollars in the tracking report: the payers' decisions on file and the worklist's (#21)."""

from __future__ import annotations

import pandas as pd
import pytest

from denial_ml.analytics.outcomes import worklist_outcomes


def recorded() -> pd.DataFrame:
    """Five decided worklist items: two payers, two categories; one overturn paid in part."""
    return pd.DataFrame(
        {
            "claim_id": ["C1", "C2", "C3", "C4", "C5"],
            "payer_id": ["P1", "P1", "P1", "P2", "P2"],
            "payer_name": ["Payer One", "Payer One", "Payer One", "Payer Two", "Payer Two"],
            "category": ["authorization", "authorization", "coding", "coding", "coding"],
            "outcome": ["overturned", "overturned", "upheld", "overturned", "upheld"],
            "denied_amount": [200.0, 300.0, 150.0, 100.0, 50.0],
            "recovered_amount": [200.0, 120.0, 0.0, 100.0, None],
        }
    )


def test_worklist_outcomes_count_decisions_overturns_and_dollars() -> None:
    out = worklist_outcomes(recorded())
    assert out["totals"] == {
        "appeals_decided": 5, "overturned": 2, "partially_paid": 1, "upheld": 2, "overturn_rate": pytest.approx(0.6),
        "denied_dollars": 800.0, "recovered_dollars": 420.0, "recovered_share": pytest.approx(420 / 800),
    }  # fmt: skip
    payer = {row["key"]: row for row in out["payer"]}
    assert [row["key"] for row in out["payer"]] == ["P1", "P2"]  # most recovered first
    assert payer["P1"]["label"] == "Payer One" and payer["P1"]["recovered_dollars"] == 320.0
    assert (payer["P1"]["appeals_decided"], payer["P1"]["overturn_rate"]) == (3, pytest.approx(2 / 3))
    category = {row["key"]: row for row in out["category"]}
    coding = category["coding"]
    assert (coding["overturned"], coding["upheld"], coding["recovered_dollars"]) == (1, 2, 100.0)
    assert category["authorization"]["partially_paid"] == 1


def test_no_recorded_outcome_gives_none() -> None:
    assert worklist_outcomes(None) is None
    assert worklist_outcomes(recorded().iloc[:0]) is None


@pytest.fixture(scope="module")
def world():
    from denial_ml.data.synthetic.world import generate_world

    return generate_world(3_000, seed=4)


def test_the_report_shows_the_payer_decisions_by_payer_and_category_and_the_worklist_outcomes(world) -> None:
    from denial_ml.analytics.render import render_html
    from denial_ml.analytics.report import build_report

    report = build_report(world, recorded=recorded())
    decisions = report["appeal_outcomes"]["payer_decisions"]
    appeals = world["appeals"]
    decided = appeals[appeals["outcome"].isin(["overturned", "upheld"])]
    assert decisions["totals"]["appeals_decided"] == len(decided) > 50
    assert decisions["totals"]["overturn_rate"] == pytest.approx((decided["outcome"] == "overturned").mean(), abs=1e-6)
    assert decisions["totals"]["recovered_dollars"] == pytest.approx(appeals["recovered_amount"].sum(), abs=0.01)
    by_payer = appeals.merge(world["claims"][["claim_id", "payer_id"]], on="claim_id").groupby("payer_id")
    for row in decisions["payer"]:
        assert row["recovered_dollars"] == pytest.approx(by_payer["recovered_amount"].sum()[row["key"]], abs=0.01)
    assert sum(r["appeals"] for r in decisions["category"]) == len(appeals)
    assert report["appeal_outcomes"]["worklist"]["totals"]["recovered_dollars"] == 420.0
    html = " ".join(render_html(report).split())
    assert "Recorded in the worklist: 5 appeals decided (2 overturned in full, 1 partially paid, 2 upheld)" in html
    assert "overturn rate 60.0%, $420.00 recovered of $800.00 denied." in html
    assert f"Payer decisions on file: {len(decided):,} appeals decided" in html


def test_report_command_adds_the_outcomes_recorded_in_a_worklist(world, tmp_path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from denial_ml.cli import report as report_cli
    from denial_ml.data.io import write_tables
    from denial_ml.store import WorklistStore
    from denial_ml.store.testing import migrated_database, sample_items

    write_tables(world, tmp_path / "world", validate=False)
    app = typer.Typer()
    report_cli.register(app)
    app.command("noop")(lambda: None)  # a group, so that `report` is a subcommand
    with migrated_database("sqlite", tmp_path) as url:
        store = WorklistStore(url)
        store.upsert_items(sample_items(1, seed=2).assign(route="appeal", denied_amount=180.0))
        (item,) = store.list_items(view="all", limit=1).items
        moved = store.update_item(item.id, item.version, "appeals-user", status="in_progress")
        store.update_item(item.id, moved.version, "appeals-user", status="appealed")
        store.record_outcome(item.claim_id, "overturned", 135.5, "appeals-user")
        store.close()
        out = tmp_path / "r" / "report.html"
        args = ["report", "--data", str(tmp_path / "world"), "--out", str(out), "--worklist-db", url]
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "worklist outcomes: 1 appeals decided, $135.50 recovered" in result.output
    totals = json.loads(out.with_suffix(".json").read_text())["appeal_outcomes"]["worklist"]["totals"]
    assert (totals["partially_paid"], totals["recovered_dollars"], totals["denied_dollars"]) == (1, 135.5, 180.0)
