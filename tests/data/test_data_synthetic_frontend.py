"""The synthetic front end: rates, point in time, its own random stream, and its X12 read back (pyx12-clean).

Round trip: `claim_events` and `eligibility_responses` written as 277CA / 277 / 271 and read back give the
same rows on the columns X12 carries (ids, files and set ids are the reader's own).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from denial_ml.data.synthetic.frontend import generate_front_end
from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.files import ingest_x12
from denial_ml.ingest.validate import validate_x12
from denial_ml.ingest.x12_write import write_x12

pytestmark = pytest.mark.slow

N_CLAIMS = 2_000  # the rates' world
ROUND_TRIP_CLAIMS = 700  # the X12 round trip: every kind of front-end file (seed 11: 277s too), at a third of the cost
EVENT_COLUMNS = [
    "claim_id",
    "transaction",
    "event_kind",
    "payer_id",
    "status_category",
    "status_code",
    "entity_code",
    "status_date",
    "total_charge",
    "service_date",
]
RESPONSE_COLUMNS = [
    "trace_number",
    "response_date",
    "payer_id",
    "provider_npi",
    "member_id",
    "birth_date",
    "coverage_status",
    "coverage_begin",
    "coverage_end",
    "service_date",
]


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    tables = generate_world(N_CLAIMS, seed=11)
    return tables | generate_front_end(tables, seed=11)


@pytest.fixture(scope="module")
def round_trip_world() -> dict[str, pd.DataFrame]:
    tables = generate_world(ROUND_TRIP_CLAIMS, seed=11)
    return tables | generate_front_end(tables, seed=11)


@pytest.fixture(scope="module")
def read_back(round_trip_world: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict]:
    paths = write_x12(round_trip_world, tmp_path_factory.mktemp("x12"))
    result = ingest_x12(sorted(paths))
    assert [i for i in result.issues if i.is_error] == []
    return paths, result.tables


def test_rejections_are_2_to_5_percent_and_mostly_demographic_or_eligibility(world: dict) -> None:
    events = world["claim_events"]
    rejections = events[events["event_kind"] == "rejection"]
    rate = rejections["claim_id"].nunique() / len(world["claims"])
    assert 0.02 <= rate <= 0.05
    demographic_or_eligibility = rejections["status_code"].isin(["158", "157", "156", "164", "33", "109"]).mean()
    assert demographic_or_eligibility > 0.6
    # Every claim is accepted once, after its last rejection; pending claims have a 277 status.
    accepted = events[events["event_kind"] == "acceptance"].set_index("claim_id")["status_date"]
    assert accepted.index.is_unique and len(accepted) == len(world["claims"])
    assert (rejections["status_date"].to_numpy() < accepted.reindex(rejections["claim_id"]).to_numpy()).all()
    claims = world["claims"].set_index("claim_id")
    assert (
        rejections["status_date"].to_numpy() > claims.loc[rejections["claim_id"], "service_date_to"].to_numpy()
    ).all()
    pending = set(claims.index) - set(world["remittances"]["claim_id"])
    assert set(events.loc[events["transaction"] == "277", "claim_id"]) == pending


def test_eligibility_responses_follow_the_claims_checks(world: dict) -> None:
    responses = world["eligibility_responses"].assign(claim_id=lambda f: f["trace_number"].str[1:])
    claims = world["claims"].set_index("claim_id")
    checked = claims[claims["eligibility_checked"]]
    before = responses[responses["claim_id"].isin(checked.index)].set_index("claim_id")
    assert len(before) == len(checked)
    assert (before["response_date"] == checked["eligibility_check_date"].reindex(before.index)).all()
    assert (before["coverage_status"] == checked["eligibility_status"].reindex(before.index)).all()
    inactive = before[before["coverage_status"] == "inactive"]
    assert len(inactive) and (inactive["coverage_end"] < inactive["service_date"]).all()  # coverage ended
    late = responses[~responses["claim_id"].isin(checked.index)]
    assert len(late) and (late["response_date"] > claims.loc[late["claim_id"], "submission_date"].to_numpy()).all()


def test_front_end_has_its_own_random_stream(world: dict) -> None:
    again = generate_world(N_CLAIMS, seed=11)
    for name, frame in again.items():
        pd.testing.assert_frame_equal(frame, world[name], check_like=False)
    other = generate_front_end(again, seed=12)["claim_events"]
    assert not other["status_date"].equals(world["claim_events"]["status_date"])


def test_front_end_x12_reads_back_the_same_rows(round_trip_world: dict, read_back: tuple) -> None:
    _, tables = read_back
    world = round_trip_world
    assert {"rejection", "acceptance"} <= set(world["claim_events"]["event_kind"])  # both kinds are read back
    assert set(world["claim_events"]["transaction"]) == {"277CA", "277"}
    for name, columns in (("claim_events", EVENT_COLUMNS), ("eligibility_responses", RESPONSE_COLUMNS)):
        keys = columns[:3]
        expected = world[name][columns].sort_values(keys, ignore_index=True).astype(object)
        got = tables[name][columns].sort_values(keys, ignore_index=True).astype(object)
        pd.testing.assert_frame_equal(got.where(got.notna(), None), expected.where(expected.notna(), None))
    acks = tables["acknowledgements"]
    assert acks["accepted"].all() and set(acks["set_kind"]) == {"837"}


def test_generated_999_and_277ca_validate_with_pyx12(read_back: tuple) -> None:
    paths, _ = read_back
    checked = [p for p in paths if p.name.startswith(("999_", "277CA_0001"))]
    assert len(checked) >= 2
    for path in checked:
        assert validate_x12(path) == [], path.name
