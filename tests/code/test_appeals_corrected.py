"""Corrected claims for the resubmit route: frequency 7, the payer's claim number, the fix from facts on file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from denial_ml.appeals.claim_records import NEEDED, OPTIONAL, RecordsIndex
from denial_ml.appeals.corrected import ClaimRecords, correct_claim, render_837
from denial_ml.ingest.files import read_x12_file

SENT = dt.date(2026, 12, 7)


def claim(**changes: object) -> dict:
    row = {
        "claim_id": "C1", "patient_id": "P1", "member_id": "M123", "payer_id": "MCR01",
        "billing_provider_npi": "1111111112", "rendering_provider_npi": "2222222227", "claim_type": "837P",
        "claim_frequency_code": "1", "place_of_service": "11", "service_date_from": pd.Timestamp("2024-05-02"),
        "service_date_to": pd.Timestamp("2024-05-02"), "submission_date": pd.Timestamp("2024-05-04"),
        "total_charge": 300.0, "diagnosis_codes": "M545", "prior_auth_number": None, "original_claim_id": None,
        "eligibility_checked": True, "eligibility_check_date": pd.Timestamp("2024-05-01"),
        "eligibility_status": "active",
    }  # fmt: skip
    return row | changes


def line(number: int, code: str, *mods: str, pointers: str | None = "1") -> dict:
    slots = [*mods, None, None, None, None][:4]
    return {
        "claim_id": "C1", "line_number": number, "line_control_number": f"C1-{number}", "procedure_code": code,
        "modifier_1": slots[0], "modifier_2": slots[1], "modifier_3": slots[2], "modifier_4": slots[3],
        "units": 1, "line_charge": 150.0, "diagnosis_pointers": pointers,
        "service_date": pd.Timestamp("2024-05-02"), "revenue_code": None,
    }  # fmt: skip


def records(
    claim_row: dict, lines: list[dict], carc: str, *, rarc: str | None = None, at_line: int | None = None, **extra
) -> ClaimRecords:
    providers = {
        npi: {"provider_npi": npi, "provider_name": f"Dr {npi[:3]}", "entity_type": "1", "taxonomy_code": "207Q00000X"}
        for npi in ("1111111112", "2222222227")
    }  # fmt: skip
    return ClaimRecords(
        claim=claim_row,
        lines=lines,
        patient={"patient_id": "P1", "birth_date": pd.Timestamp("1950-03-04"), "sex": "F", "state": "PA"},
        payer={"payer_id": "MCR01", "payer_name": "Medicare Part B", "payer_type": "medicare"},
        providers=providers,
        remittances=[{"remit_id": "R1", "adjudication_date": pd.Timestamp("2024-05-20"), "payer_claim_id": "PCN77"}],
        adjustments=[{"remit_id": "R1", "line_number": at_line, "group_code": "CO", "carc": carc, "amount": 150.0}],
        remarks=[{"remit_id": "R1", "line_number": at_line, "rarc": rarc}] if rarc else [],
        **extra,
    )


def shape(row: dict, institutional: bool = False) -> tuple:
    """A line's modifiers and diagnosis pointers (an 837I line carries none), missing as empty."""
    mods = tuple(str(row[f"modifier_{k}"]) for k in range(1, 5) if isinstance(row[f"modifier_{k}"], str))
    return mods, "" if institutional else row["diagnosis_pointers"] or ""


def records_of(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def read_back(tmp_path: Path, text: str) -> tuple[dict, pd.DataFrame]:
    path = tmp_path / "corrected.837"
    path.write_text(text, encoding="ascii")
    tables = read_x12_file(path).tables
    return tables["claims"].iloc[0].to_dict(), tables["claim_lines"].sort_values("line_number")


def test_the_authorization_on_file_goes_on_the_replacement_claim(tmp_path: Path) -> None:
    auths = [
        {"auth_number": "AUTH9", "payer_id": "MCR01", "patient_id": "P1", "procedure_codes": "72148 97110",
         "start_date": pd.Timestamp("2024-04-01"), "end_date": pd.Timestamp("2024-06-30"), "units_authorized": 1},
        {"auth_number": "AUTH8", "payer_id": "MCR01", "patient_id": "P1", "procedure_codes": "72148",
         "start_date": pd.Timestamp("2023-01-01"), "end_date": pd.Timestamp("2023-03-31"), "units_authorized": 1},
    ]  # fmt: skip
    rec = records(claim(), [line(1, "72148")], "197", authorizations=auths)
    correction = correct_claim(rec)
    assert correction.ready
    assert correction.fixes == [
        "Authorization number AUTH9: on file for 72148 from 2024-04-01 to 2024-06-30, covering 2024-05-02."
    ]
    got, _ = read_back(tmp_path, render_837(correction, rec, SENT))
    assert (got["claim_frequency_code"], got["original_claim_id"], got["prior_auth_number"]) == ("7", "PCN77", "AUTH9")
    assert got["claim_id"] == "C1" and got["total_charge"] == 300.0


def test_no_authorization_on_file_gives_no_corrected_claim_and_says_why() -> None:
    auths = [
        {"auth_number": "AUTH8", "payer_id": "MCR01", "patient_id": "P1", "procedure_codes": "72148",
         "start_date": pd.Timestamp("2023-01-01"), "end_date": pd.Timestamp("2023-03-31"), "units_authorized": 1},
    ]  # fmt: skip
    correction = correct_claim(records(claim(), [line(1, "72148")], "197", authorizations=auths))
    assert not correction.ready
    assert correction.unfixed == ["no authorization on file covers the billed codes on the date of service"]
    assert correction.claim["prior_auth_number"] is None  # nothing invented


def test_coding_denial_gets_the_missing_modifier_on_the_denied_line_only(tmp_path: Path) -> None:
    lines = [line(1, "97110"), line(2, "97140", "GP")]
    rec = records(claim(), lines, "4", at_line=1)
    correction = correct_claim(rec)
    assert correction.fixes == ["Line 1 (97110): modifier GP added."]
    _, got_lines = read_back(tmp_path, render_837(correction, rec, SENT))
    assert got_lines["modifier_1"].tolist() == ["GP", "GP"]


def test_a_modifier_the_code_does_not_accept_is_removed() -> None:
    correction = correct_claim(records(claim(payer_id="MCR01"), [line(1, "99214", "TC")], "4", at_line=1))
    assert correction.fixes == ["Line 1 (99214): modifier TC removed (not valid with 99214)."]
    assert correction.lines[0]["modifier_1"] is None


def test_missing_pointer_is_fixed_only_when_the_claim_has_one_diagnosis() -> None:
    one = correct_claim(records(claim(), [line(1, "99213", pointers=None)], "16", rarc="M76", at_line=1))
    assert one.fixes == ["Line 1: diagnosis pointer 1 (M545, the claim's only diagnosis)."]
    assert one.lines[0]["diagnosis_pointers"] == "1"
    several = correct_claim(
        records(claim(diagnosis_codes="M545 I10"), [line(1, "99213", pointers=None)], "16", rarc="M76", at_line=1)
    )
    assert not several.ready and several.lines[0]["diagnosis_pointers"] is None
    assert several.unfixed == ["a line lacks its diagnosis pointer and the claim has several diagnoses: choose which"]


def test_missing_rendering_npi_is_not_invented() -> None:
    rec = records(claim(rendering_provider_npi=None), [line(1, "99213")], "16", rarc="N290")
    correction = correct_claim(rec)
    assert not correction.ready and correction.claim["rendering_provider_npi"] is None
    assert correction.unfixed == ["the rendering provider's NPI is missing and not on file: enter it before sending"]


def test_member_id_comes_from_the_coverage_on_file() -> None:
    covers = [{"patient_id": "P1", "payer_id": "MCR01", "member_id": "M999", "coverage_start": pd.Timestamp("2020"),
               "coverage_end": None, "coverage_priority": "P"}]  # fmt: skip
    correction = correct_claim(records(claim(), [line(1, "99213")], "31", coverages=covers))
    assert correction.ready and correction.claim["member_id"] == "M999"


@pytest.fixture(scope="module")
def world_corrections(small_world) -> list[tuple[ClaimRecords, object]]:
    adjustments = small_world["adjustments"]
    denied = adjustments[(adjustments["group_code"] != "PR") & (adjustments["carc"] != "45")]
    ids = sorted(set(denied["claim_id"]))
    index = RecordsIndex({n: small_world[n] for n in (*NEEDED, *OPTIONAL)}, ids)
    return [(rec, correct_claim(rec)) for rec in (index.get(i) for i in ids) if rec is not None]


def test_world_corrections_read_back_with_frequency_7_the_payer_number_and_the_fix(
    world_corrections, small_world, tmp_path: Path
) -> None:
    """Corrected claims of the 30k world, up to 12 of each kind of fix, written and read back by our own reader."""
    ready = [(rec, c) for rec, c in world_corrections if c.ready]
    by_kind: dict[str, list] = {}
    for rec, c in ready:
        by_kind.setdefault(c.fixes[0].split(" ")[0] + c.fixes[0].split(" ")[-2], []).append((rec, c))
    sample = [pair for pairs in by_kind.values() for pair in pairs[:12]]
    auths = set(small_world["authorizations"]["auth_number"])
    members = set(small_world["coverages"]["member_id"])
    assert len(ready) >= 300 and len(world_corrections) >= 3000
    assert len(by_kind) >= 5 and len(sample) >= 60
    for n, (rec, correction) in enumerate(sample):
        path = tmp_path / f"c{n}.837"
        path.write_text(render_837(correction, rec, SENT), encoding="ascii")
        tables = read_x12_file(path).tables
        got = records_of(tables["claims"])[0]
        assert (got["claim_frequency_code"], got["original_claim_id"]) == ("7", rec.remittances[-1]["payer_claim_id"])
        if got["prior_auth_number"] != rec.claim["prior_auth_number"]:
            assert got["prior_auth_number"] in auths  # an authorization on file, never a made-up one
        if got["member_id"] != rec.claim["member_id"]:
            assert got["member_id"] in members
        got_lines = records_of(tables["claim_lines"].sort_values("line_number"))
        inst = rec.claim["claim_type"] == "837I"
        assert [shape(ln, inst) for ln in got_lines] == [shape(ln, inst) for ln in correction.lines]  # as fixed
        header = ("prior_auth_number", "member_id")
        assert [got[h] for h in header] != [rec.claim[h] for h in header] or [shape(ln) for ln in got_lines] != [
            shape(ln) for ln in rec.lines
        ], rec.claim["claim_id"]  # something changed: a replacement is never the same claim again


def test_world_corrections_say_why_when_nothing_is_on_file(world_corrections) -> None:
    unready = [c for _, c in world_corrections if not c.ready]
    assert unready and all(c.unfixed for c in unready)
    npi = [c for rec, c in world_corrections if any(r["rarc"] == "N290" for r in rec.remarks)]
    assert npi and all(c.claim["rendering_provider_npi"] is None for c in npi)


@pytest.mark.slow  # starts pyx12 in a process of its own
def test_a_corrected_claim_validates_with_pyx12(world_corrections, tmp_path: Path) -> None:
    pytest.importorskip("pyx12")
    from denial_ml.ingest.validate import validate_x12

    kinds: dict[str, tuple[ClaimRecords, object]] = {}
    for rec, c in world_corrections:
        if c.ready:
            kinds.setdefault(c.fixes[0].split(" ")[0], (rec, c))
    assert len(kinds) >= 3  # authorization, line modifier, member id / pointer
    for n, (rec, c) in enumerate(kinds.values()):
        path = tmp_path / f"v{n}.837"
        path.write_text(render_837(c, rec, SENT), encoding="ascii")
        assert validate_x12(path) == [], c.fixes


def test_appeals_draft_writes_the_corrected_claim_of_a_resubmit_item(tmp_path: Path) -> None:
    from test_web_worklist import write_world
    from typer.testing import CliRunner

    from denial_ml.cli import appeals as appeals_cli
    from denial_ml.cli import worklist as worklist_cli
    from denial_ml.store import WorklistStore
    from denial_ml.store.testing import migrated_database, sample_items
    from denial_ml.triage.detail import claim_details

    auth = {"auth_number": "AUTH9", "payer_id": "MCR01", "patient_id": "P1", "procedure_codes": "72148",
            "start_date": pd.Timestamp("2024-04-01"), "end_date": pd.Timestamp("2024-06-30")}  # fmt: skip
    rec = records(claim(), [line(1, "72148")], "197", authorizations=[auth])
    write_world(tmp_path / "w", rec)
    tables = {n: pd.read_parquet(tmp_path / "w" / f"{n}.parquet") for n in ("claims", "claim_lines", "remittances",
                                                                            "adjustments", "remarks")}  # fmt: skip
    app = typer_app(appeals_cli, worklist_cli)
    with migrated_database("sqlite", tmp_path) as url:
        store = WorklistStore(url)
        items = sample_items(2, seed=1).assign(claim_id=["C1", "C2"], route="resubmit")
        items["claim_detail"] = [{**claim_details(tables, ["C1"])[0], "appeal_cost": 57.23}, None]
        store.upsert_items(items)
        store.close()
        args = ["appeals", "draft", "--out", str(tmp_path / "out"), "--route", "resubmit", "--db", url]
        result = CliRunner().invoke(app, [*args, "--data", str(tmp_path / "w")])
    assert result.exit_code == 0, result.output
    assert "1 corrected claim(s) (837, frequency 7) written to" in result.output
    assert "no corrected claim for claim C2: claim C2 is not in the claims on file" in result.output
    got, _ = read_back(tmp_path, (tmp_path / "out" / "C1.837").read_text())
    assert (got["claim_frequency_code"], got["original_claim_id"], got["prior_auth_number"]) == ("7", "PCN77", "AUTH9")


def typer_app(*modules):
    import typer

    app = typer.Typer()
    for module in modules:
        module.register(app)
    return app
