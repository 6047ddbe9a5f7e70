"""Institutional claims in full: revenue-code-only SV2 lines, every NUBC frequency code, admission data, 835
SVC lines by revenue code, and the real 837I files of ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from denial_ml.ingest.files import ingest_x12, read_x12_file

ROOT = Path(__file__).resolve().parents[2]
SHARED_837 = ROOT.parent / "shared" / "data" / "x12" / "837"
ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250301*1200*^*00501*000000001*0*P*:~"
HEAD_837I = (
    "ST*837*0001*005010X223A2~BHT*0019*00*1*20250305*1200*CH~HL*1**20*1~NM1*85*2*HOSPITAL*****XX*1234567893~"
    "HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*M123~DMG*D8*19800101*F~NM1*PR*2*PAYER*****PI*P1~"
)
# An inpatient stay (bill type 111): room and board, pharmacy and supplies by revenue code alone, a lab line
# with its HCPCS.
STAY = (
    "CLM*H1*2450***11:A:{freq}**A*Y*Y~DTP*434*RD8*20250301-20250303~DTP*435*DT*202503010830~CL1*1*2*01~"
    "HI*ABK:I214~"
    "LX*1~SV2*0120**1800*DA*2~DTP*472*D8*20250301~REF*6R*R1~"
    "LX*2~SV2*0250**300*UN*6~DTP*472*D8*20250302~"
    "LX*3~SV2*0272**200*UN*1~"
    "LX*4~SV2*0300*HC:80053*150*UN*1~DTP*472*D8*20250301~"
)


def _interchange(body: str, gs: str = "HC", version: str = "005010X223A2") -> str:
    body = body.replace("{n}", str(body.count("~")))
    return ISA + f"GS*{gs}*S*R*20250301*1200*1*X*{version}~" + body + "GE*1*1~IEA*1*000000001~"


def _claims_file(tmp_path: Path, claims: str, name: str = "h.837") -> Path:
    path = tmp_path / name
    path.write_text(_interchange(HEAD_837I + claims + "SE*{n}*0001~"))
    return path


def test_revenue_code_only_lines_are_kept_with_their_revenue_code(tmp_path):
    result = read_x12_file(_claims_file(tmp_path, STAY.format(freq="1")))
    assert [i.problem for i in result.issues if i.is_error] == []
    lines = result.tables["claim_lines"]
    assert lines["revenue_code"].tolist() == ["0120", "0250", "0272", "0300"]
    assert lines["procedure_code"].isna().tolist() == [True, True, True, False]
    assert lines["procedure_code"].iloc[3] == "80053"
    assert lines["units"].tolist() == [2, 6, 1, 1]
    assert lines["line_charge"].tolist() == [1800.0, 300.0, 200.0, 150.0]
    # A line without DTP*472 takes the claim's first statement date.
    assert lines["service_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-03-01",
        "2025-03-02",
        "2025-03-01",
        "2025-03-01",
    ]


def test_bill_type_and_admission_are_read(tmp_path):
    claim = read_x12_file(_claims_file(tmp_path, STAY.format(freq="1"))).tables["claims"].iloc[0]
    assert claim["claim_type"] == "837I"
    assert claim["facility_type_code"] == "11" and claim["claim_frequency_code"] == "1"
    assert claim["place_of_service"] == "21"
    assert claim["admission_date"] == pd.Timestamp("2025-03-01")
    assert (claim["admission_type_code"], claim["admission_source_code"]) == ("1", "2")
    assert (claim["service_date_from"], claim["service_date_to"]) == (
        pd.Timestamp("2025-03-01"),
        pd.Timestamp("2025-03-03"),
    )


@pytest.mark.parametrize("frequency", ["0", "2", "3", "4", "5"])
def test_interim_late_charge_and_non_payment_bills_are_kept(tmp_path, frequency):
    result = read_x12_file(_claims_file(tmp_path, STAY.format(freq=frequency)))
    assert [i.problem for i in result.issues if i.is_error] == []
    claims = result.tables["claims"]
    assert claims["claim_frequency_code"].tolist() == [frequency]
    assert len(result.tables["claim_lines"]) == 4


def test_interim_bills_of_one_stay_with_their_own_claim_numbers_are_each_kept(tmp_path):
    first = STAY.format(freq="2")
    last = STAY.format(freq="4").replace("CLM*H1*", "CLM*H1B*").replace("20250301-20250303", "20250304-20250306")
    late = "CLM*H1C*40***11:A:5**A*Y*Y~DTP*434*RD8*20250301-20250306~CL1*1*2*01~HI*ABK:I214~LX*1~SV2*0250**40*UN*1~"
    result = ingest_x12([_claims_file(tmp_path, first + last + late)])
    claims = result.tables["claims"].set_index("claim_id")
    assert claims["claim_frequency_code"].to_dict() == {"H1": "2", "H1B": "4", "H1C": "5"}
    assert result.tables["claim_lines"].groupby("claim_id").size().to_dict() == {"H1": 4, "H1B": 4, "H1C": 1}


@pytest.mark.parametrize(
    ("frequency", "problem"),
    [("6", "CLM05-3 claim frequency '6' is not one of 0, 1, 2, 3, 4, 5, 7, 8"), ("", "frequency ''")],
)
def test_an_unknown_frequency_is_refused_naming_the_element(tmp_path, frequency, problem):
    result = read_x12_file(_claims_file(tmp_path, STAY.format(freq=frequency)))
    assert result.tables["claims"].empty
    assert any(problem in i.problem for i in result.issues if i.is_error)


def test_an_837p_interim_frequency_or_line_without_procedure_is_refused(tmp_path):
    body = (
        "ST*837*0001*005010X222A1~BHT*0019*00*1*20250305*1200*CH~HL*1**20*1~NM1*85*2*CLINIC*****XX*1234567893~"
        "HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*M123~DMG*D8*19800101*F~NM1*PR*2*PAYER*****PI*P1~"
        "CLM*P2*100***11:B:2*Y*A*Y*Y~HI*ABK:E119~LX*1~SV1*HC:99213*100*UN*1***1~DTP*472*D8*20250301~"
        "CLM*P3*100***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~SV1*HC*100*UN*1***1~DTP*472*D8*20250301~SE*{n}*0001~"
    )
    path = tmp_path / "p.837"
    path.write_text(_interchange(body, version="005010X222A1"))
    result = read_x12_file(path)
    assert result.tables["claims"].empty
    problems = [i.problem for i in result.issues if i.is_error]
    assert any("frequency '2' is institutional only; an 837P takes 1, 7 or 8" in p for p in problems)
    assert any("SV101 procedure code '' is not a 5-character CPT/HCPCS code" in p for p in problems)


def test_a_revenue_code_that_is_not_4_digits_is_refused(tmp_path):
    result = read_x12_file(_claims_file(tmp_path, STAY.format(freq="1").replace("SV2*0250**", "SV2*25X**")))
    assert result.tables["claims"].empty
    assert any("SV201 revenue code '25X' is not 4 digits" in i.problem for i in result.issues)


def test_835_lines_paid_by_revenue_code_are_read(tmp_path):
    remit = (
        "ST*835*0001*005010X221A1~BPR*I*900*C*ACH************20250320~TRN*1*1*1~DTM*405*20250318~"
        "N1*PR*PAYER*XV*P1~N1*PE*HOSPITAL*XX*1234567893~LX*1~"
        "CLP*H1*2*2450*900**12*PCN1~"
        "SVC*NU:0120*1800*800**2~DTM*472*20250301~CAS*CO*45*1000~REF*6R*R1~"
        "SVC*NU:0250*300*0**6~CAS*CO*96*300~"
        "SVC*HC:80053*150*100*300*1~CAS*CO*45*50~SE*{n}*0001~"  # SVC04 written without its leading 0
    )
    path = tmp_path / "r.835"
    path.write_text(_interchange(remit, gs="HP", version="005010X221A1"))
    result = read_x12_file(path)
    assert [i.problem for i in result.issues if i.is_error] == []
    lines = result.tables["remittance_lines"]
    assert lines["revenue_code"].tolist() == ["0120", "0250", "0300"]
    assert lines["procedure_code"].isna().tolist() == [True, True, False]
    assert lines["units"].tolist() == [2.0, 6.0, 1.0]


@pytest.mark.parametrize("name", sorted(p.name for p in SHARED_837.glob("*.837i")) + ["imsweb__x223-test.txt"])
def test_real_837i_files_give_their_claims_and_revenue_lines(name):
    result = read_x12_file(SHARED_837 / name)
    claims, lines = result.tables["claims"], result.tables["claim_lines"]
    assert len(claims) >= 1, [i.problem for i in result.issues]
    assert (claims["claim_type"] == "837I").all()
    assert claims["facility_type_code"].str.fullmatch(r"\d{2}").all()
    assert lines["revenue_code"].str.fullmatch(r"\d{4}").all()
    assert set(lines["claim_id"]) == set(claims["claim_id"])


def test_interim_bills_under_one_claim_number_are_versions_the_last_current(tmp_path):
    first = STAY.format(freq="2")
    last = STAY.format(freq="4").replace("20250301-20250303", "20250304-20250306").replace("*2450***", "*900***")
    result = ingest_x12([_claims_file(tmp_path, first + last)])
    versions = result.versions["claims"]
    assert versions["claim_frequency_code"].tolist() == ["2", "4"]
    assert versions["claim_version"].tolist() == [1, 2]
    current = result.tables["claims"]
    assert current["claim_frequency_code"].tolist() == ["4"] and current["total_charge"].tolist() == [900.0]
    assert [i.problem for i in result.issues] == []  # only a repeated original (frequency 1) is warned about


def test_revenue_code_only_remittance_lines_match_their_claim_lines_by_revenue_code(tmp_path):
    claims = _claims_file(tmp_path, STAY.format(freq="1"))
    # CLP01 names no claim and no REF*6R: the remittance is tied by revenue code + date + charge.
    remit = (
        "ST*835*0001*005010X221A1~BPR*I*100*C*ACH************20250320~TRN*1*1*1~DTM*405*20250318~"
        "N1*PR*PAYER*XV*P1~N1*PE*HOSPITAL*XX*1234567893~LX*1~CLP*OTHER*1*500*100**12*PCN1~"
        "SVC*NU:0272*200*40**1~DTM*472*20250301~SVC*NU:0250*300*60**6~DTM*472*20250302~SE*{n}*0001~"
    )
    path = tmp_path / "r.835"
    path.write_text(_interchange(remit, gs="HP", version="005010X221A1").replace("*000000001*", "*000000002*"))
    result = ingest_x12([claims, path])
    match = result.tables["remittance_matches"].iloc[0]
    assert (match["matched_claim_id"], match["method"]) == ("H1", "procedure_date_charge")
    assert result.tables["remittance_lines"]["claim_line_number"].tolist() == [3, 2]


def test_an_837i_without_bill_type_is_refused_naming_clm05(tmp_path):
    result = read_x12_file(_claims_file(tmp_path, STAY.format(freq="1").replace("*11:A:1*", "*:A:1*")))
    assert result.tables["claims"].empty
    assert any(
        "CLM05-1 facility type '' is not 2 digits: an 837I needs its bill type" in i.problem for i in result.issues
    )
