"""Routing, deadline exclusion, urgency and the top-20 % metric of the triage worklist, on hand-made rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.triage.denials import days_left
from denial_ml.triage.evaluate import recovered_at, top_count, weighted_auc
from denial_ml.triage.routing import BELOW_COST, priority, route_denials, summarize_routes


def test_deadline_passed_leaves_the_appeal_list_with_its_reason() -> None:
    frame = pd.DataFrame({"appeal_deadline": pd.to_datetime(["2025-03-01", "2025-03-10", "2025-02-27"])})
    left = days_left(frame, pd.Timestamp("2025-03-01"))
    assert left.tolist() == [0.0, 9.0, -2.0]
    route, reason = route_denials(pd.Series(["coding"] * 3), pd.Series(["4"] * 3), pd.Series([False] * 3), left)
    assert route.tolist() == ["appeal", "appeal", "write_off"]
    assert reason.tolist() == ["", "", "appeal deadline passed"]


def test_routes_of_non_appealable_and_resubmit_denials() -> None:
    category = pd.Series(["duplicate", "missing_information", "authorization", "eligibility", "medical_necessity"])
    carc = pd.Series(["18", "252", "16", "27", "50"])
    # The third row is categorised authorization but carries CARC 16 + MA130: unprocessable, resubmit.
    ma130 = pd.Series([False, False, True, False, False])
    route, reason = route_denials(category, carc, ma130, np.full(5, 30.0))
    assert route.tolist() == ["write_off", "resubmit", "resubmit", "resubmit", "appeal"]
    assert reason[0].startswith("duplicate")
    assert reason[2].startswith("unprocessable")
    assert reason[3].startswith("eligibility")
    # CARC 16 without MA130 stays on the appeal list.
    route, _ = route_denials(pd.Series(["authorization"]), pd.Series(["16"]), pd.Series([False]), np.array([5.0]))
    assert route.tolist() == ["appeal"]


def test_an_appeal_worth_less_than_its_cost_is_written_off_with_that_reason() -> None:
    # Expected recoveries (P x payment - cost): positive, zero, negative; then a negative one already past its
    # deadline and a negative resubmission, whose own routes and reasons win.
    category = pd.Series(["coding", "coding", "authorization", "coding", "missing_information"])
    left = np.array([30.0, 30.0, 30.0, -1.0, 30.0])
    recovery = np.array([12.5, 0.0, -23.6, -5.0, -40.0])
    route, reason = route_denials(category, pd.Series(["4"] * 5), pd.Series([False] * 5), left, recovery)
    assert route.tolist() == ["appeal", "write_off", "write_off", "write_off", "resubmit"]
    assert reason.tolist() == ["", BELOW_COST, BELOW_COST, "appeal deadline passed", reason[4]]
    assert reason[4].startswith("unprocessable")


def test_route_summary_counts_each_route_by_its_reasons() -> None:
    route = pd.Series(["write_off", "appeal", "write_off", "resubmit", "write_off", "appeal"] + ["appeal"] * 1000)
    reason = pd.Series(
        ["appeal deadline passed", "", BELOW_COST, "eligibility: bill the payer that covered the patient"]
        + ["appeal deadline passed", None]
        + [""] * 1000
    )
    assert summarize_routes(route, reason) == (
        "appeal 1,002, resubmit 1 (eligibility 1), write_off 3 (appeal deadline passed 2, not worth an appeal 1)"
    )
    assert summarize_routes(pd.Series([], dtype=object), pd.Series([], dtype=object)) == "none (no denials)"


def test_urgency_raises_priority_near_the_deadline_and_write_offs_get_zero() -> None:
    recovery = np.array([100.0, 100.0, 100.0, 100.0, -20.0])
    payment = np.array([400.0] * 5)
    route = np.array(["appeal", "appeal", "appeal", "write_off", "appeal"], dtype=object)
    left = np.array([90.0, 15.0, 0.0, 10.0, 0.0])
    got = priority(recovery, payment, route, left)
    assert got.tolist() == pytest.approx([100.0, 125.0, 150.0, 0.0, -20.0])


def test_recovered_at_20pct_by_hand() -> None:
    # 10 denials; the top 20 % is 2 items. Values: what working each brings back.
    value = np.array([50.0, 10.0, 300.0, 0.0, 120.0, 80.0, 5.0, 200.0, 60.0, 1.0])
    truth = recovered_at(value, value)  # 300 + 200
    model = np.array([0.1, 0.2, 0.9, 0.3, 0.8, 0.0, 0.0, 0.1, 0.0, 0.0])  # picks items 2 and 4: 300 + 120
    billed = np.array([9.0, 8.0, 1.0, 7.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # picks items 0 and 1: 50 + 10
    assert truth == 500.0
    assert recovered_at(model, value) == 420.0
    assert recovered_at(billed, value) == 60.0
    # 11 items: 20 % is 2.2, rounded up to 3.
    assert top_count(11, 0.2) == 3
    assert recovered_at(np.append(value, 1000.0), np.append(value, 1000.0)) == 1500.0


def test_recovered_at_rejects_mismatched_inputs_and_bad_fraction() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        recovered_at(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="fraction"):
        recovered_at(np.ones(3), np.ones(3), fraction=0.0)


def test_weighted_auc_by_hand() -> None:
    # Item b (p=1) outranks a (p=0): every positive-negative pair ordered right.
    assert weighted_auc(np.array([0.1, 0.9]), np.array([0.0, 1.0])) == 1.0
    assert weighted_auc(np.array([0.9, 0.1]), np.array([0.0, 1.0])) == 0.0
    assert weighted_auc(np.array([0.5, 0.5]), np.array([0.0, 1.0])) == 0.5
