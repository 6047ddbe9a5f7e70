"""On a generated demo world the report's measures equal the generator's own summary."""

from __future__ import annotations

import pytest

world = pytest.importorskip(
    "denial_ml.data.synthetic.world",
    reason="the synthetic generator (data/synthetic/world.py) is not present",
)
summary_mod = pytest.importorskip("denial_ml.data.synthetic.summary", reason="summarize_world is not present")

from denial_ml.analytics.report import build_report  # noqa: E402

TOL = 5.1e-5  # half a unit in the 4th decimal, plus float noise


@pytest.fixture(scope="module")
def demo() -> tuple[dict, dict]:
    tables = world.generate_world(5_000, seed=11)
    return build_report(tables), summary_mod.summarize_world(tables)


def test_report_matches_the_generator_summary(demo: tuple[dict, dict]) -> None:
    report, summary = demo
    totals = report["totals"]
    assert summary["denied"] > 0 and summary["appeals"] > 0  # a world where the comparison means something
    assert (totals["claims"], totals["adjudicated"], totals["pending"]) == (
        summary["claims"],
        summary["adjudicated"],
        summary["pending"],
    )
    assert totals["denied"] == summary["denied"]
    # The summary rounds rates to 4 places; the report to 6.
    assert totals["denial_rate"] == pytest.approx(summary["denial_rate"], abs=TOL)
    assert totals["appeals"] == summary["appeals"]
    assert totals["overturn_rate"] == pytest.approx(summary["overturn_rate"], abs=TOL)
    assert totals["recovered_dollars"] == pytest.approx(summary["recovered_amount"], abs=0.01)


def test_payer_type_rates_match_and_report_reconciles(demo: tuple[dict, dict]) -> None:
    report, summary = demo
    by_type = {row["key"]: row["denial_rate"] for row in report["slices"]["payer_type"]}
    assert by_type == pytest.approx(summary["denial_rate_by_payer_type"], abs=TOL)
    mix = {row["key"]: row["share_of_denials"] for row in report["slices"]["category"]}
    assert mix == pytest.approx(summary["denial_mix"], abs=TOL)
    assert report["reconciliation"]["ok"], [c for c in report["reconciliation"]["checks"] if not c["ok"]]
