"""X12 tokenising, envelope checks, bad input, matching, the ingest commands and the CSV import."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import ingest as ingest_cli
from denial_ml.data.io import read_tables
from denial_ml.ingest.csv_import import CsvMappingError, read_mapped_csv
from denial_ml.ingest.envelope import read_envelope
from denial_ml.ingest.errors import X12Error
from denial_ml.ingest.files import ingest_x12, read_x12_file

ROOT = Path(__file__).resolve().parents[2]
ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *250301*1200*^*00501*000000001*0*P*:~"
CLAIM_837 = (
    "ST*837*0001*005010X222A1~BHT*0019*00*1*20250305*1200*CH~HL*1**20*1~NM1*85*2*CLINIC*****XX*1234567893~"
    "HL*2*1*22*0~SBR*P*18*******CI~NM1*IL*1*DOE*JANE****MI*M123~DMG*D8*19800101*F~NM1*PR*2*PAYER*****PI*P1~"
    "CLM*C1*150***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~SV1*HC:99213:25*100*UN*1***1~DTP*472*D8*20250301~REF*6R*L1~"
    "LX*2~SV1*HC:83036*50*UN*1***1~DTP*472*D8*20250301~REF*6R*L2~SE*{n}*0001~"
)
REMIT_835 = (
    "ST*835*0001*005010X221A1~BPR*I*0*C*NON************20250320~TRN*1*1*1~DTM*405*20250318~N1*PR*PAYER*XV*P1~"
    "N1*PE*CLINIC*XX*1234567893~LX*1~"
    "CLP*C1*4*150*0**12*PCN1~SVC*HC:83036*50*0**1~DTM*472*20250301~CAS*CO*197*50~REF*6R*L2~"
    "SVC*HC:99213:25*100*0**1~DTM*472*20250301~CAS*CO*197*100~"
    "CLP*OTHER*4*100*0**12*PCN2~SVC*HC:99213:25*100*0**1~DTM*472*20250301~CAS*CO*16*100~REF*6R*L1~"
    "CLP*NOBODY*1*20*20**12*PCN3~SE*{n}*0001~"
)


def _set(body: str) -> str:
    """Fill SE01 with the true segment count of a one-set body."""
    return body.replace("{n}", str(body.count("~")))


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_delimiters_from_isa_with_bom_and_crlf(tmp_path):
    text = ISA + "GS*HC*S*R*20250301*1200*1*X*005010X222A1~" + _set(CLAIM_837) + "GE*1*1~IEA*1*000000001~"
    plain = read_x12_file(_write(tmp_path, "a.837", text)).tables
    crlf = "\ufeff" + text.replace("~", "~\r\n")
    other = read_x12_file(_write(tmp_path, "b.837", crlf.encode("utf-8"))).tables
    pd.testing.assert_frame_equal(plain["claim_lines"], other["claim_lines"])
    assert plain["claims"]["claim_id"].tolist() == ["C1"]
    lines = plain["claim_lines"]
    assert lines["procedure_code"].tolist() == ["99213", "83036"]
    assert lines["line_control_number"].tolist() == ["L1", "L2"]
    assert lines["modifier_1"].iloc[0] == "25" and pd.isna(lines["modifier_1"].iloc[1])


def test_not_x12_names_file_and_segment(tmp_path):
    path = _write(tmp_path, "notes.txt", "claim_id,amount\nC1,100\n")
    with pytest.raises(X12Error, match=r"notes.txt: segment 1: not an X12 file"):
        read_x12_file(path)


def test_truncated_interchange_is_reported(tmp_path):
    text = ISA + "GS*HP*S*R*20250301*1200*1*X*005010X221A1~" + _set(REMIT_835)
    cut = text[: text.index("CLP*OTHER")]
    envelope = read_envelope(cut.encode(), "cut.835")
    problems = [str(i) for i in envelope.issues]
    assert envelope.sets == []
    assert any("cut.835: segment 3: truncated transaction set" in p for p in problems)
    assert any("without IEA" in p for p in problems)
    with pytest.raises(X12Error, match="cut.835.*truncated transaction set"):
        read_x12_file(_write(tmp_path, "cut.835", cut))


def test_wrong_se_count_and_unknown_version(tmp_path):
    good = _set(REMIT_835)
    bad_count = good.replace(f"SE*{good.count('~')}*", "SE*7*")
    text = ISA + "GS*HP*S*R*20250301*1200*1*X*005010X221A1~" + bad_count + "GE*1*1~IEA*1*000000001~"
    with pytest.raises(
        X12Error,
        match=r"segment 24: nothing usable in the file: SE01 says '7' segments, transaction set 0001 has 22",
    ):
        read_x12_file(_write(tmp_path, "count.835", text), strict_counts=True)
    newer = ISA.replace("*00501*", "*00601*") + "GS*HP*S*R*20250301*1200*1*X*006020X221~" + good
    with pytest.raises(
        X12Error, match=r"segment 1: nothing usable in the file: unknown interchange version ISA12 '00601'"
    ):
        read_x12_file(_write(tmp_path, "newer.835", newer + "GE*1*1~IEA*1*000000001~"))


def test_one_bad_set_does_not_stop_the_good_ones(tmp_path):
    good = _set(REMIT_835)
    second = good.replace("ST*835*0001", "ST*835*0002").replace("*0001~", "*0002~")
    broken = second.replace(f"SE*{second.count('~')}*", "SE*3*")
    text = ISA + "GS*HP*S*R*20250301*1200*1*X*005010X221A1~" + good + broken + "GE*2*1~IEA*1*000000001~"
    result = read_x12_file(_write(tmp_path, "two.835", text), strict_counts=True)
    assert result.tables["remittances"]["remit_id"].str.startswith("two/0001/").all()
    assert len(result.tables["remittances"]) == 3
    assert [i.segment for i in result.issues if i.rejected == "set"] == [46]


def test_matching_by_claim_id_line_control_and_values(tmp_path):
    claims = ISA + "GS*HC*S*R*20250301*1200*1*X*005010X222A1~" + _set(CLAIM_837) + "GE*1*1~IEA*1*000000001~"
    # Another interchange (ISA13 2): a store takes each sender + ISA13 once.
    isa2 = ISA.replace("*000000001*", "*000000002*")
    remits = isa2 + "GS*HP*S*R*20250301*1200*2*X*005010X221A1~" + _set(REMIT_835) + "GE*1*2~IEA*1*000000002~"
    result = ingest_x12([_write(tmp_path, "c.837", claims), _write(tmp_path, "r.835", remits)])
    matches = result.tables["remittance_matches"].set_index("claim_id")
    assert matches.loc["C1", "method"] == "claim_id"
    assert matches.loc["OTHER", ["matched_claim_id", "method"]].tolist() == ["C1", "line_control_number"]
    assert matches.loc["NOBODY", "method"] == "unmatched" and pd.isna(matches.loc["NOBODY", "matched_claim_id"])
    lines = result.tables["remittance_lines"]
    c1 = lines[lines["claim_id"] == "C1"]
    # SVC 1 (83036) matched by REF*6R L2, SVC 2 (99213, no REF*6R) by procedure + date + charge.
    assert c1["claim_line_number"].tolist() == [2, 1]


def _app() -> typer.Typer:
    app = typer.Typer()
    ingest_cli.register(app)
    return app


def test_cli_ingest_writes_good_files_and_nothing_of_a_failed_one(tmp_path):
    remits = ISA + "GS*HP*S*R*20250301*1200*1*X*005010X221A1~" + _set(REMIT_835) + "GE*1*1~IEA*1*000000001~"
    good = _write(tmp_path, "r.835", remits)
    junk = _write(tmp_path, "junk.835", "hello")
    out = tmp_path / "out"
    result = CliRunner().invoke(_app(), ["ingest", str(good), str(junk), "--out", str(out)])
    assert result.exit_code == 3  # partial: one file taken, one refused
    assert "junk.835: segment 1: not an X12 file" in result.output
    remittances = read_tables(out, ["remittances"])["remittances"]
    assert sorted(remittances["claim_id"]) == ["C1", "NOBODY", "OTHER"]
    assert len(read_tables(out, ["remittance_matches"])["remittance_matches"]) == 3
    assert not list(out.rglob(".pending*"))


def test_csv_import_with_example_mapping(tmp_path):
    header = (
        "Claim Number,Patient Account,Member ID,Payer ID,Billing NPI,Rendering NPI,Form,Frequency,POS,"
        "From Date,To Date,Submitted,Claim Charge,Diagnoses,Auth Number,Line,Line Control,CPT,Mod 1,"
        "Mod 2,Units,"
        "Line Charge,Dx Pointers\n"
    )
    row = (
        "C100,PA1,M1,PAYER1,1234567893,,HCFA,1,11,03/01/2025,03/01/2025,03/03/2025,190.00,E119,,"
        "{n},C100-{n},{cpt},,,1,{c},1\n"
    )
    csv = _write(
        tmp_path,
        "export.csv",
        header + row.format(n=1, cpt="99214", c=150) + row.format(n=2, cpt="83036", c=40),
    )
    tables = read_mapped_csv(csv, ROOT / "examples" / "csv_mapping.yaml")
    assert len(tables["claims"]) == 1 and tables["claims"]["claim_type"].tolist() == ["837P"]
    assert tables["claim_lines"]["procedure_code"].tolist() == ["99214", "83036"]
    assert tables["claims"]["service_date_from"].dt.strftime("%Y-%m-%d").tolist() == ["2025-03-01"]
    bad = _write(
        tmp_path,
        "bad.csv",
        header + row.format(n=1, cpt="99214", c=150).replace("03/01/2025", "2025-03-01", 1),
    )
    with pytest.raises(CsvMappingError, match=r"row 2 column 'From Date': '2025-03-01' does not match"):
        read_mapped_csv(bad, ROOT / "examples" / "csv_mapping.yaml")
