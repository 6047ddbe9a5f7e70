"""`denial-ml ingest` says honestly what it did: exit 0 only when every claim of every file was taken, 3 for a
partial run, 1 when nothing was taken; every refused item is in the rejections table, not only the first 50."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner
from x12_texts import claim, claims_837, remits_835, remittance, write

from denial_ml.cli import ingest as ingest_cli
from denial_ml.data.io import read_tables
from denial_ml.jobs.ingest import read_rejections


def _ingest(*args: str):
    app = typer.Typer()
    ingest_cli.register(app)
    return CliRunner().invoke(app, ["ingest", *args])


def _good_837(folder: Path) -> Path:
    return write(folder, "good.837", claims_837(1, [claim("C1", [("99213", 100)]), claim("C2", [("99214", 80)])]))


def _bad_claims(folder: Path, n: int, control: int = 2) -> Path:
    """An 837 whose `n` claims all carry a 3-character procedure code (each refused)."""
    return write(folder, "bad.837", claims_837(control, [claim(f"B{k}", [("ABC", 10)]) for k in range(n)]))


def test_exit_0_when_every_claim_is_taken(tmp_path: Path) -> None:
    result = _ingest(str(_good_837(tmp_path)), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert "batch 1 added" in result.stdout and "claims 2" in result.stdout
    assert read_rejections(tmp_path / "s").empty


def test_exit_3_for_a_partial_run_with_counts_and_every_rejection_recorded(tmp_path: Path) -> None:
    store = tmp_path / "s"
    mixed = claims_837(3, [claim("C1", [("99213", 100)])] + [claim(f"B{k}", [("ABC", 10)]) for k in range(60)])
    result = _ingest(str(write(tmp_path, "mixed.837", mixed)), "--out", str(store))
    assert result.exit_code == 3, result.output
    assert "refused: 60 claims in 1 of 1 files" in result.stderr and "partial run: exit 3" in result.stderr
    rejections = read_rejections(store)
    assert len(rejections) == 60  # all of them, not the first 50
    first = rejections.iloc[0]
    assert first["file"].endswith("mixed.837") and first["interchange"] == "CLINIC/000000003"
    assert first["scope"] == "claim" and first["claim_id"] == "B0" and first["segment"] > 0
    assert "procedure code 'ABC'" in first["reason"]
    assert read_tables(store, ["claims"])["claims"]["claim_id"].tolist() == ["C1"]


def test_a_truncated_file_is_a_partial_run(tmp_path: Path) -> None:
    text = claims_837(4, [claim("C1", [("99213", 100)])])
    cut = write(tmp_path, "cut.837", text[: text.index("SE*")])
    result = _ingest(str(_good_837(tmp_path)), str(cut), "--out", str(tmp_path / "s"))
    assert result.exit_code == 3, result.output
    assert read_rejections(tmp_path / "s")["file"].str.endswith("cut.837").all()


def test_exit_1_when_nothing_is_taken_and_the_store_keeps_its_tables(tmp_path: Path) -> None:
    store = tmp_path / "s"
    _ingest(str(_good_837(tmp_path)), "--out", str(store))
    paid = write(tmp_path, "p.835", remits_835(9, [remittance("C1", "1", 100, 100, [("99213", 100, 100)])]))
    _ingest(str(paid), "--out", str(store))
    before = read_tables(store)
    junk = write(tmp_path, "junk.835", "hello")
    result = _ingest(str(_bad_claims(tmp_path, 3)), str(junk), "--out", str(store))
    assert result.exit_code == 1, result.output
    assert "nothing taken: exit 1" in result.stderr
    after = read_tables(store)
    assert sorted(after) == sorted(before)
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
    assert len(read_rejections(store)) == 4  # three claims and the junk file


def test_a_dropped_value_keeps_its_claim_and_exit_0(tmp_path: Path) -> None:
    loop = remittance("C1", "1", 100, 100, [("99213", 100, 100)]) + "LQ*HE*NOTACODE~"
    result = _ingest(str(write(tmp_path, "r.835", remits_835(5, [loop]))), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert read_rejections(tmp_path / "s")["scope"].tolist() == ["value"]
