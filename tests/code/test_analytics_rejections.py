"""Front-end rejections in the report: a 277CA rejection read from X12 shows in the figures and the page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_analytics_world import hand_world
from tests.code.x12_frontend_texts import ack_277ca
from tests.code.x12_texts import write

from denial_ml.analytics.render import render_html
from denial_ml.analytics.report import build_report
from denial_ml.ingest.files import read_x12_file


def _events(tmp_path: Path) -> pd.DataFrame:
    """C1 rejected (member id) on 2024-01-05 and accepted on 2024-01-10; C5 rejected (birth date), never
    accepted; C99, a claim the tables do not hold, rejected."""
    first = ack_277ca(1, [("C1", "A7:164:IL", 100.0), ("C5", "A6:158:QC", 120.0)], date="20240105")
    second = ack_277ca(2, [("C1", "A2:20", 100.0), ("C99", "A3:116", 10.0)], date="20240110")
    frames = [
        read_x12_file(write(tmp_path, f"{n}.277", t)).tables["claim_events"] for n, t in enumerate((first, second))
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    events = _events(tmp_path_factory.mktemp("rejections"))
    return build_report(hand_world()), build_report({**hand_world(), "claim_events": events})


def test_a_277ca_rejection_shows_in_the_report_figures(reports: tuple[dict, dict]) -> None:
    before, after = (r["totals"] for r in reports)
    assert (before["rejected"], before["rejection_rate"]) == (0, 0.0)
    assert after["rejected"] == 2 and after["rejection_rate"] == pytest.approx(2 / 12, abs=1e-6)
    assert after["rejections_open"] == 1  # C5: rejected, never accepted, not adjudicated
    assert after["avg_days_lost_to_rejection"] == 5.0  # C1: rejected 01-05, accepted 01-10


def test_a_rejected_claim_resubmitted_and_paid_is_not_clean(reports: tuple[dict, dict]) -> None:
    before, after = (r["totals"] for r in reports)
    assert before["clean_claims"] == 2 and after["clean_claims"] == 1  # C1 was clean before its rejection counted
    assert after["first_pass_rate"] == pytest.approx(before["first_pass_rate"] - 0.1)  # 1 of 10 adjudicated originals
    assert after["denial_rate"] == before["denial_rate"]  # a rejection is not a denial
    payers = {row["key"]: row for row in reports[1]["slices"]["payer"]}
    assert payers["P1"]["rejected"] == 2 and payers["P2"]["rejected"] == 0


def test_rejections_by_reason_and_code(reports: tuple[dict, dict]) -> None:
    summary = reports[1]["rejections"]
    assert (summary["events"], summary["claims"], summary["unknown_claims"]) == (3, 3, 1)
    assert summary["by_reason"] == [
        {"key": "demographic", "rejections": 1, "claims": 1, "charges": 120.0},
        {"key": "eligibility", "rejections": 1, "claims": 1, "charges": 100.0},
        {"key": "payer", "rejections": 1, "claims": 1, "charges": 0.0},
    ]
    assert [row["key"] for row in summary["by_code"]] == ["A3:116", "A6:158", "A7:164"]


def test_rejections_after_the_report_date_are_not_known_yet() -> None:
    events = pd.DataFrame(
        {
            "claim_id": ["C1"],
            "event_kind": ["rejection"],
            "status_category": ["A7"],
            "status_code": ["164"],
            "status_date": [pd.Timestamp("2024-07-01")],
            "response_date": [pd.Timestamp("2024-07-01")],
        }
    )
    report = build_report({**hand_world(), "claim_events": events}, as_of="2024-06-21")
    assert report["totals"]["rejected"] == 0 and report["rejections"]["events"] == 0


def test_the_page_shows_the_rejection_rate_and_reasons(reports: tuple[dict, dict]) -> None:
    html = render_html(reports[1])
    assert '16.7%</div><div class="k">rejection rate (2 claims rejected before adjudication)' in html
    assert "<td>eligibility</td><td>1</td><td>1</td><td>$100.00</td>" in html
    assert "No rejections" in render_html(reports[0])


def test_a_277ca_ingested_into_a_store_shows_in_the_written_report(tmp_path: Path) -> None:
    from denial_ml.jobs.ingest import run_ingest
    from denial_ml.jobs.report import write_report
    from denial_ml.jobs.world import build_world

    store = tmp_path / "store"
    build_world(300, seed=3, out=store, store=True)
    before, _, _ = write_report(store, tmp_path / "before.html")
    events = pd.read_parquet(next((store / "tables" / "claim_events").glob("*.parquet")))
    clean = sorted(set(events["claim_id"]) - set(events.loc[events["event_kind"] == "rejection", "claim_id"]))[0]
    run_ingest([write(tmp_path, "r.277", ack_277ca(990, [(clean, "A7:158:QC", 10.0)], date="20240101"))], store)
    after, html, _ = write_report(store, tmp_path / "after.html")
    assert after["totals"]["rejected"] == before["totals"]["rejected"] + 1
    assert after["totals"]["clean_claims"] <= before["totals"]["clean_claims"]
    demographic = {r["key"]: r["claims"] for r in after["rejections"]["by_reason"]}["demographic"]
    assert demographic == {r["key"]: r["claims"] for r in before["rejections"]["by_reason"]}.get("demographic", 0) + 1
    assert "rejection rate" in html.read_text()
