"""What real files need: any GS08 read by the transaction's own shape, wrong trailer counts and control numbers
kept with a warning (`--strict` refuses), and a byte-order mark in every path including `--validate`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner
from x12_texts import claim, claims_837, remits_835, remittance, write

from denial_ml.cli import ingest as ingest_cli
from denial_ml.data.io import read_tables
from denial_ml.ingest.errors import X12Error
from denial_ml.ingest.files import read_x12_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "x12"


def _ingest(*args: str):
    app = typer.Typer()
    ingest_cli.register(app)
    return CliRunner().invoke(app, ["ingest", *args])


def _837(gs08: str) -> str:
    return claims_837(1, [claim("C1", [("99213", 100)])], gs08=gs08)


@pytest.mark.parametrize("gs08", ["99999", "5010"])
def test_a_de_identified_gs08_is_read_with_a_warning(tmp_path: Path, gs08: str) -> None:
    result = read_x12_file(write(tmp_path, "deid.837", _837(gs08)))
    assert result.tables["claims"]["claim_id"].tolist() == ["C1"]
    assert result.tables["claims"]["claim_type"].tolist() == ["837P"]  # CLM05-2 "B": professional
    warnings = [str(i) for i in result.issues if not i.is_error]
    assert any(f"unknown version GS08 '{gs08}'" in w for w in warnings)
    assert not [i for i in result.issues if i.is_error]


def test_an_835_with_a_bare_gs08_is_read(tmp_path: Path) -> None:
    text = remits_835(7, [remittance("C1", "1", 100, 80, [("99213", 100, 80)])]).replace("005010X221A1", "5010")
    assert read_x12_file(write(tmp_path, "deid.835", text)).tables["remittances"]["paid_amount"].tolist() == [80]


def _wrong_se(text: str) -> str:
    count = text.split("SE*")[1].split("*")[0]
    return text.replace(f"SE*{count}*", f"SE*{int(count) + 1}*")


def test_a_wrong_se01_keeps_the_claims_with_a_warning_and_strict_refuses(tmp_path: Path) -> None:
    path = write(tmp_path, "count.837", _wrong_se(_837("005010X222A1")))
    result = _ingest(str(path), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "SE01 says" in result.stderr and "kept" in result.stderr
    assert read_tables(tmp_path / "s", ["claims"])["claims"]["claim_id"].tolist() == ["C1"]
    strict = _ingest(str(path), "--out", str(tmp_path / "strict"), "--strict")
    assert strict.exit_code == 1 and "error (file left out)" in strict.stderr and "SE01 says" in strict.stderr


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("SE*{n}*0001~", "SE*{n}*0002~", "SE02 '0002' does not match ST02"),
        ("GE*1*1~", "GE*2*1~", "GE01 says '2' transaction sets"),
        ("GE*1*1~", "GE*1*9~", "GE02 control number '9' differs from GS06 '1'"),
        ("IEA*1*000000001~", "IEA*3*000000001~", "IEA01 says '3' functional groups"),
        ("IEA*1*000000001~", "IEA*1*000000009~", "IEA02 control number '000000009' differs"),
    ],
)
def test_trailer_mismatches_are_warnings_unless_strict(tmp_path: Path, old: str, new: str, problem: str) -> None:
    text = _837("005010X222A1")
    count = text.split("SE*")[1].split("*")[0]
    path = write(tmp_path, "t.837", text.replace(old.format(n=count), new.format(n=count)))
    lenient = read_x12_file(path)
    assert lenient.tables["claims"]["claim_id"].tolist() == ["C1"]
    assert any(problem in i.problem and not i.is_error for i in lenient.issues)
    with pytest.raises(X12Error, match=re.escape(problem)):  # strict: the set, group or interchange is refused
        read_x12_file(path, strict_counts=True)


def test_the_public_820_claim_style_file_with_a_wrong_se01_is_kept(tmp_path: Path) -> None:
    many = claims_837(1, [claim(f"C{k}", [("99213", 100)]) for k in range(820)])
    result = read_x12_file(write(tmp_path, "big.837", _wrong_se(many)))
    assert len(result.tables["claims"]) == 820


@pytest.mark.slow  # starts pyx12 in a process of its own
def test_a_bom_is_read_in_ingest_and_in_validate(tmp_path: Path) -> None:
    source = SHARED / "835" / "pyx12__835_mult_loops.txt"
    if not source.exists():
        pytest.skip("shared X12 files not present")
    bom = write(tmp_path, "bom.835", b"\xef\xbb\xbf" + source.read_bytes())
    result = _ingest(str(bom), "--out", str(tmp_path / "s"), "--validate")
    assert result.exit_code == 0, result.output
    assert "pyx12: 1 of 1 files validate clean" in result.stderr
    assert "UnicodeDecodeError" not in result.stderr
    assert len(read_tables(tmp_path / "s", ["remittances"])["remittances"]) == 1
