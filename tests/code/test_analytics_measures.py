"""Each denial measure on the hand-written world (see test_analytics_world.py for the claims and dates)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_analytics_world import AS_OF, DR_A, DR_B, hand_world

from denial_ml.analytics.facts import build_claim_facts
from denial_ml.analytics.measures import (
    clean_claim_rate,
    denial_rate,
    dollar_denial_rate,
    first_pass_rate,
    measure_table,
    overturn_rate,
    slice_table,
)
from denial_ml.analytics.preventable import PREVENTION_STEP, preventable_denials, preventable_trend
from denial_ml.domain.denials import CATEGORIES
from denial_ml.labels import label_claims


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    tables = hand_world()
    labels = label_claims(tables["remittances"], tables["remittance_lines"], tables["adjustments"])
    return build_claim_facts(tables, labels, AS_OF)


def test_overall_counts_and_dollars(facts: pd.DataFrame) -> None:
    row = measure_table(facts).iloc[0]
    assert (row["claims"], row["adjudicated"], row["pending"], row["denied"]) == (12, 11, 1, 7)
    # Charges: 100+200+300+150+120+80+80+250+90+60+40+500 = 1970; without pending C5 (120): 1850.
    assert row["submitted_charges"] == 1970.0
    assert row["adjudicated_charges"] == 1850.0
    # Denied: C2 200 + C3 200 (line 2 only) + C6 80 + C8 250 + C9 90 + C11 40 + C12 500 = 1360.
    assert row["denied_dollars"] == 1360.0
    assert (row["appeals"], row["appeals_decided"], row["overturned"], row["upheld"]) == (4, 3, 1, 2)
    assert row["appeals_pending"] == 1
    assert row["recovered_dollars"] == 150.0
    # Write-off: C2 200-150 + C3 200 + C8 250 + C9 90 + C11 40 = 630 (C6 corrected, C12 appeal pending).
    assert row["write_off_dollars"] == 630.0
    assert (row["missed_appeal_deadline"], row["missed_appeal_deadline_dollars"]) == (2, 340.0)
    assert row["late_appeals"] == 1


def test_overall_rates(facts: pd.DataFrame) -> None:
    assert denial_rate(facts).iloc[0] == pytest.approx(7 / 11)  # pending C5 not in the denominator
    assert dollar_denial_rate(facts).iloc[0] == pytest.approx(1360 / 1850)
    # 10 adjudicated originals (C7 is a replacement); clean C1, C10; first-pass paid C1, C4.
    assert clean_claim_rate(facts).iloc[0] == pytest.approx(2 / 10)
    assert first_pass_rate(facts).iloc[0] == pytest.approx(2 / 10)
    assert overturn_rate(facts).iloc[0] == pytest.approx(1 / 3)  # A4 pending: not decided
    row = measure_table(facts).iloc[0]
    # Days to adjudication: 20+20+30+20+20+20+10+20+10+10+20 = 200 over 11 adjudicated claims.
    assert row["avg_days_to_adjudication"] == pytest.approx(200 / 11)
    # Days to decision: A1 30, A2 60, A3 20.
    assert row["avg_days_to_appeal_decision"] == pytest.approx(110 / 3)


def test_by_payer_and_payer_type(facts: pd.DataFrame) -> None:
    rates = denial_rate(facts, "payer_id")
    # P1: C1,C2,C4,C6,C7,C8,C9,C10 adjudicated (C5 pending), denied C2,C6,C8,C9. P2: C3,C11,C12 all denied.
    assert rates.to_dict() == pytest.approx({"P1": 4 / 8, "P2": 1.0})
    table = slice_table(facts, "payer_type")
    assert list(table.index) == ["medicare", "commercial"]  # ordered by denied dollars: 740 then 620
    assert table["denied_dollars"].tolist() == [740.0, 620.0]
    assert table.loc["commercial", "overturn_rate"] == 0.5  # P1: A1 overturned, A3 upheld
    assert table.loc["commercial", "appeals_decided"] == 2


def test_by_provider_procedure_and_month(facts: pd.DataFrame) -> None:
    by_provider = measure_table(facts, "provider_npi")
    assert by_provider.loc[DR_A, "denied"] == 3  # C2, C6, C9 of 6 adjudicated
    assert by_provider.loc[DR_A, "denial_rate"] == pytest.approx(0.5)
    assert by_provider.loc[DR_B, "denial_rate"] == pytest.approx(3 / 4)  # C3, C8, C11 of C3,C4,C8,C11
    procedure = measure_table(facts, "procedure_code").loc["72148"]
    assert (procedure["claims"], procedure["denied"], procedure["denied_dollars"]) == (2, 2, 700.0)
    months = slice_table(facts, "month")
    assert list(months.index) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert months["denied"].tolist() == [3, 1, 2, 1]
    assert months["denial_rate"].tolist() == pytest.approx([3 / 4, 1 / 3, 2 / 3, 1.0])  # Feb: C5 pending


def test_category_and_carc_slices_hold_denials_only(facts: pd.DataFrame) -> None:
    categories = slice_table(facts, "category")
    assert categories["denied_dollars"].to_dict() == {
        "authorization": 700.0,
        "eligibility": 250.0,
        "medical_necessity": 200.0,
        "non_covered": 90.0,
        "missing_information": 80.0,
        "duplicate": 40.0,
    }
    assert "denial_rate" not in categories.columns
    assert categories.loc["authorization", "share_of_denials"] == pytest.approx(2 / 7)
    assert categories.loc["authorization", "appeals_pending"] == 1
    carcs = slice_table(facts, "carc")
    assert carcs.loc["50", "upheld"] == 1 and carcs.loc["197", "recovered_dollars"] == 150.0
    assert carcs["denied"].sum() == 7


def test_empty_group_rate_is_nan_not_zero(facts: pd.DataFrame) -> None:
    pending_only = facts[facts["claim_id"] == "C5"]
    assert pd.isna(denial_rate(pending_only).iloc[0])
    assert pd.isna(overturn_rate(pending_only).iloc[0])


def test_unknown_slice_is_named() -> None:
    with pytest.raises(KeyError, match="unknown slice 'zip'"):
        slice_table(pd.DataFrame(), "zip")


def test_preventable_report_ordered_by_dollars(facts: pd.DataFrame) -> None:
    table = preventable_denials(facts)
    assert list(table.index) == [
        "prior authorization",  # C2 200 + C12 500
        "coding and documentation",  # C3 200 (medical necessity) + C6 80 (missing information)
        "registration / eligibility",  # C8 250
        "benefits check",  # C9 90
        "claim status check",  # C11 40
    ]
    assert table["denied_dollars"].tolist() == [700.0, 280.0, 250.0, 90.0, 40.0]
    assert table["denied"].tolist() == [2, 2, 1, 1, 1]
    assert table.loc["coding and documentation", "categories"] == "coding, missing_information, medical_necessity"
    assert table["share_of_dollars"].sum() == pytest.approx(1.0)
    assert table.loc["prior authorization", "recovered_dollars"] == 150.0


def test_preventable_trend_by_month(facts: pd.DataFrame) -> None:
    dollars = preventable_trend(facts)
    assert list(dollars.index) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert dollars.columns[0] == "prior authorization"
    assert dollars.loc["2024-01", "prior authorization"] == 200.0  # C2
    assert dollars.loc["2024-04", "prior authorization"] == 500.0  # C12
    assert dollars.loc["2024-02", "coding and documentation"] == 80.0  # C6
    assert dollars.to_numpy().sum() == 1360.0
    counts = preventable_trend(facts, "denied")
    assert counts.loc["2024-01"].sum() == 3


def test_every_category_has_a_prevention_step() -> None:
    assert set(PREVENTION_STEP) == set(CATEGORIES)
    assert PREVENTION_STEP["timely_filing"] == "timely filing"
