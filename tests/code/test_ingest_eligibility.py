"""A claim's eligibility from 271 responses: the latest on or before submission (no later response leaks in),
in the store, and in the pre-submission checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.code.x12_frontend_texts import eligibility_271
from tests.code.x12_texts import claim, claims_837, write

from denial_ml.data.claims_store import read_current
from denial_ml.data.synthetic.world import generate_world
from denial_ml.explain.checks import run_checks
from denial_ml.explain.context import claim_views
from denial_ml.features.build import FeatureBuilder
from denial_ml.ingest.eligibility import eligibility_from_responses, latest_responses
from denial_ml.ingest.files import read_x12_file
from denial_ml.jobs.ingest import run_ingest

ENDED = "DTP*346*D8*20240101~DTP*347*D8*20250228~"  # the plan ends the day before the 2025-03-01 service


def _claims(**overrides: object) -> pd.DataFrame:
    row = {
        "claim_id": "C1",
        "payer_id": "P1",
        "member_id": "M123",
        "service_date_from": pd.Timestamp("2025-03-01"),
        "submission_date": pd.Timestamp("2025-03-05"),
        "eligibility_checked": False,
        "eligibility_check_date": pd.NaT,
        "eligibility_status": "unknown",
    }
    return pd.DataFrame([row | overrides])


def _responses(*rows: tuple[str, str, str, str | None]) -> pd.DataFrame:
    """(response date, member id, status, coverage end) per response, payer P1."""
    return pd.DataFrame(
        {
            "payer_id": "P1",
            "member_id": [r[1] for r in rows],
            "response_date": pd.to_datetime([r[0] for r in rows]),
            "coverage_status": [r[2] for r in rows],
            "coverage_begin": pd.Timestamp("2024-01-01"),
            "coverage_end": pd.to_datetime([r[3] for r in rows]),
        }
    )


def test_the_latest_response_on_or_before_submission_is_taken_and_later_ones_never() -> None:
    responses = _responses(
        ("2025-02-01", "M123", "inactive", None),
        ("2025-02-25", "M123", "active", None),
        ("2025-03-06", "M123", "inactive", None),  # after submission: not known when the claim left
        ("2025-03-04", "M999", "inactive", None),  # another member
    )
    found = latest_responses(_claims(), responses).iloc[0]
    assert found["response_date"] == pd.Timestamp("2025-02-25") and found["coverage_status"] == "active"
    filled = eligibility_from_responses(_claims(), responses).iloc[0]
    assert (filled["eligibility_checked"], filled["eligibility_status"]) == (True, "active")
    assert filled["eligibility_check_date"] == pd.Timestamp("2025-02-25")


def test_coverage_ending_before_the_service_date_makes_the_claim_inactive() -> None:
    responses = _responses(("2025-02-20", "M123", "active", "2025-02-28"))
    assert eligibility_from_responses(_claims(), responses)["eligibility_status"].tolist() == ["inactive"]
    late_only = _responses(("2025-03-06", "M123", "inactive", None))
    unchanged = eligibility_from_responses(_claims(), late_only).iloc[0]
    assert (unchanged["eligibility_checked"], unchanged["eligibility_status"]) == (False, "unknown")


@pytest.mark.parametrize(
    ("day", "status", "checked_on"), [("20250225", "inactive", "2025-02-25"), ("20250310", "unknown", None)]
)
def test_store_sets_a_claims_eligibility_from_the_271s_before_it(
    tmp_path: Path, day: str, status: str, checked_on
) -> None:
    store = tmp_path / "store"
    run_ingest([write(tmp_path, "e.271", eligibility_271(7, "M123", ["1*IND*30"], dates=ENDED, date=day))], store)
    run_ingest([write(tmp_path, "c.837", claims_837(8, [claim("C1", [("99213", 100.0)])]))], store)
    row = read_current(store, ["claims"])["claims"].iloc[0]
    assert row["eligibility_status"] == status
    if checked_on:
        assert row["eligibility_check_date"] == pd.Timestamp(checked_on)
    else:
        assert pd.isna(row["eligibility_check_date"])  # the only 271 came after submission
    assert bool(row["eligibility_checked"]) is (checked_on is not None)


@pytest.fixture(scope="module")
def world_and_builder():
    world = generate_world(1500, seed=5)
    return world, FeatureBuilder().fit(world)


def test_a_271_changes_a_claims_eligibility_findings(world_and_builder, tmp_path: Path) -> None:
    world, builder = world_and_builder
    claims, lines = world["claims"], world["claim_lines"]
    one = claims[claims["eligibility_status"] == "active"].iloc[[0]].reset_index(drop=True)
    one = one.assign(eligibility_checked=False, eligibility_check_date=pd.NaT, eligibility_status="unknown")
    own = lines[lines["claim_id"] == one["claim_id"].iloc[0]]
    service = one["service_date_from"].iloc[0]
    before_service = (service - pd.Timedelta(days=45)).strftime("%Y%m%d")
    ended = f"DTP*346*D8*20230101~DTP*347*D8*{(service - pd.Timedelta(days=1)).strftime('%Y%m%d')}~"
    text = eligibility_271(9, one["member_id"].iloc[0], ["1*IND*30"], dates=ended, date=before_service)
    text = text.replace("NM1*PR*2*PAYER*****PI*P1~", f"NM1*PR*2*PAYER*****PI*{one['payer_id'].iloc[0]}~")
    responses = read_x12_file(write(tmp_path, "r.271", text)).tables["eligibility_responses"]

    def findings(frame: pd.DataFrame) -> dict[str, str]:
        X = builder.transform_array(frame, own)
        return {
            f.code: f.message for f in run_checks(claim_views(frame, own, X, builder)[0]) if f.category == "eligibility"
        }

    assert "ELIGIBILITY_NOT_VERIFIED" in findings(one)
    after = findings(eligibility_from_responses(one, responses))
    assert "ELIGIBILITY_NOT_VERIFIED" not in after
    assert after["ELIGIBILITY_INACTIVE"].startswith("The eligibility check (verified 45 days before service)")
    active = text.replace(ended, "DTP*346*D8*20230101~")
    stale = findings(
        eligibility_from_responses(one, read_x12_file(write(tmp_path, "s.271", active)).tables["eligibility_responses"])
    )
    assert stale == {"ELIGIBILITY_STALE": f"Eligibility was verified 45 days before the service date {service.date()}."}
