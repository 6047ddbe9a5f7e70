"""The front-end readers: 999, 277CA, 277 and 271 files into their tables, bad input, and the claims store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.code.x12_frontend_texts import ack_277ca, ack_999, eligibility_271, status_277
from tests.code.x12_texts import write

from denial_ml.data.claims_store import read_current
from denial_ml.ingest.files import ingest_x12, read_x12_file
from denial_ml.ingest.validate import validate_x12
from denial_ml.jobs.ingest import read_rejections, run_ingest


def _one(tmp_path: Path, name: str, text: str, table: str) -> pd.DataFrame:
    return read_x12_file(write(tmp_path, name, text)).tables[table]


def test_999_gives_one_row_per_acknowledged_set_with_the_segment_in_error(tmp_path: Path) -> None:
    acks = _one(tmp_path, "a.999", ack_999(101, 17, [("0001", "A"), ("0002", "R")]), "acknowledgements")
    assert acks["set_control"].tolist() == ["0001", "0002"]
    assert acks["accepted"].tolist() == [True, False]
    rejected = acks.iloc[1]
    assert (rejected["set_status"], rejected["set_codes"], rejected["errors"]) == ("R", "5", 1)
    assert (rejected["error_segment"], rejected["error_position"], rejected["error_loop"]) == ("NM1", 19, "2010")
    assert (rejected["error_element"], rejected["element_error_code"]) == ("9", "7")
    assert acks["group_status"].tolist() == ["P", "P"] and acks["group_control"].tolist() == ["17", "17"]
    assert acks["sets_accepted"].tolist() == [1, 1]


def test_277ca_rejection_is_its_own_event_with_category_code_and_entity(tmp_path: Path) -> None:
    text = ack_277ca(102, [("C1", "A2:20", 100.0), ("C2", "A7:164:IL", 150.0)])
    events = _one(tmp_path, "b.277", text, "claim_events").set_index("claim_id")
    assert events["transaction"].tolist() == ["277CA", "277CA"]
    assert events.loc["C1", "event_kind"] == "acceptance" and events.loc["C2", "event_kind"] == "rejection"
    c2 = events.loc["C2"]
    assert (c2["status_category"], c2["status_code"], c2["entity_code"], c2["action_code"]) == ("A7", "164", "IL", "U")
    assert c2["total_charge"] == 150.0 and c2["status_date"] == pd.Timestamp("2025-03-02")
    assert c2["payer_claim_id"] == "PAYER-C2" and c2["payer_id"] == "P1"
    assert c2["service_date"] == pd.Timestamp("2025-03-01")


def test_277_status_gives_pending_and_finalized_events(tmp_path: Path) -> None:
    text = status_277(103, [("C1", "F1:65", 100.0, 80.0), ("C3", "P1:20", 50.0, 0.0)])
    events = _one(tmp_path, "c.277", text, "claim_events").set_index("claim_id")
    assert events["event_kind"].tolist() == ["status", "status"]
    assert events["status_category"].tolist() == ["F1", "P1"]
    assert events.loc["C1", "paid_amount"] == 80.0 and events.loc["C1", "transaction"] == "277"
    assert events.loc["C3", "service_date"] == pd.Timestamp("2025-03-01")


def test_271_reads_coverage_per_service_type_plan_dates_and_trace(tmp_path: Path) -> None:
    text = eligibility_271(104, "M123", ["1*IND*30^98**PLAN A", "6**1"], trace="T-9")
    row = _one(tmp_path, "d.271", text, "eligibility_responses").iloc[0]
    assert (row["coverage_status"], row["active_service_types"], row["inactive_service_types"]) == (
        "active",
        "30 98",
        "1",
    )
    assert (row["member_id"], row["payer_id"], row["provider_npi"], row["trace_number"]) == (
        "M123",
        "P1",
        "1234567893",
        "T-9",
    )
    assert row["coverage_begin"] == pd.Timestamp("2025-01-01") and row["coverage_end"] == pd.Timestamp("2025-12-31")
    assert row["response_date"] == pd.Timestamp("2025-02-25") and row["birth_date"] == pd.Timestamp("1980-01-01")


def test_271_inactive_plan_ended_coverage_and_member_not_found(tmp_path: Path) -> None:
    ended = eligibility_271(105, "M1", ["6*IND*30"], dates="DTP*291*RD8*20240101-20250131~")
    row = _one(tmp_path, "e.271", ended, "eligibility_responses").iloc[0]
    assert row["coverage_status"] == "inactive" and row["coverage_end"] == pd.Timestamp("2025-01-31")
    missing = eligibility_271(106, "M2", [], dates="", extra="AAA*Y**75*C~")
    row = _one(tmp_path, "f.271", missing, "eligibility_responses").iloc[0]
    assert (row["coverage_status"], row["reject_codes"]) == ("not_found", "75")


def test_dependent_takes_the_subscriber_member_id(tmp_path: Path) -> None:
    text = (
        eligibility_271(107, "M7", ["1**30"])
        .replace("HL*3*2*22*0~", "HL*3*2*22*1~", 1)
        .replace("SE*", "HL*4*3*23*0~NM1*03*1*DOE*JIM~EB*6**30~SE*", 1)
    )
    text = text.replace("SE*17*", "SE*20*")  # three more segments
    rows = _one(tmp_path, "g.271", text, "eligibility_responses")
    assert rows["relationship"].tolist() == ["subscriber", "dependent"]
    assert rows["member_id"].tolist() == ["M7", "M7"]
    assert rows["coverage_status"].tolist() == ["active", "inactive"]


@pytest.mark.parametrize(
    "text",
    [
        ack_999(101, 17, [("0001", "A"), ("0002", "R")]),
        ack_277ca(102, [("C1", "A2:20", 100.0), ("C2", "A7:164:IL", 150.0), ("C3", "A6:158:QC", 80.0)]),
    ],
    ids=["999", "277CA"],
)
def test_hand_written_files_validate_with_pyx12(tmp_path: Path, text: str) -> None:
    assert validate_x12(write(tmp_path, "f.x12", text)) == []


def test_999_without_its_verdict_is_refused_naming_the_segment(tmp_path: Path) -> None:
    text = ack_999(101, 17, [("0001", "A")]).replace("AK9*A*1*1*1~", "AK9*Q*1*1*1~")
    run = ingest_x12([write(tmp_path, "bad.999", text)])
    assert run.tables["acknowledgements"].empty
    assert [str(i) for i in run.issues if i.is_error] == [
        f"{tmp_path / 'bad.999'}: segment 7: AK901 'Q' is not a known acknowledgement code (A/E/M/P/R/W/X); "
        "999 set left out"
    ]
    assert run.files[0].status == "failed"


def test_bad_claim_is_left_out_and_the_others_kept(tmp_path: Path) -> None:
    text = ack_277ca(102, [("C1", "A2:20", 100.0), ("C2", "A7:164:IL", 150.0)]).replace(
        "STC*A7:164:IL*20250302", "STC*A7:164:IL*20251399"
    )
    run = ingest_x12([write(tmp_path, "b.277", text)])
    assert run.tables["claim_events"]["claim_id"].tolist() == ["C1"]
    (issue,) = [i for i in run.issues if i.is_error]
    assert (issue.claim_id, issue.rejected, issue.segment) == ("C2", "claim", 35)
    assert "STC02 '20251399' is not a CCYYMMDD date" in issue.problem


def test_271_with_a_bad_date_leaves_the_member_out(tmp_path: Path) -> None:
    text = eligibility_271(104, "M1", ["1**30"], dates="DTP*346*D8*20250231~")
    run = ingest_x12([write(tmp_path, "d.271", text)])
    assert run.tables["eligibility_responses"].empty
    assert [i.problem for i in run.issues if i.is_error] == [
        "DTP03 (346) '20250231' is not a CCYYMMDD date; eligibility response left out"
    ]


def test_store_takes_front_end_files_once_and_records_refused_items(tmp_path: Path) -> None:
    store = tmp_path / "store"
    good = write(tmp_path, "a.999", ack_999(101, 17, [("0001", "R")]))
    bad = write(
        tmp_path,
        "b.277",
        ack_277ca(102, [("C1", "A2:20", 100.0), ("C2", "A7:164:IL", 150.0)]).replace("STC*A7:164:IL", "STC*A7"),
    )
    first = run_ingest([good, bad], store)
    assert first.added == {"acknowledgements": 1, "claim_events": 1, "rejections": 1}
    assert [f.status for f in first.files] == ["taken", "partial"]
    second = run_ingest([good], store)
    assert [f.status for f in second.files] == ["skipped"] and "acknowledgements" not in second.added
    tables = read_current(store, ["acknowledgements", "claim_events"])
    assert len(tables["acknowledgements"]) == 1 and tables["claim_events"]["claim_id"].tolist() == ["C1"]
    rejections = read_rejections(store)
    assert rejections["claim_id"].tolist() == ["C2"]
    assert "STC01 'A7' lacks a status category and code" in rejections["reason"].iloc[0]
