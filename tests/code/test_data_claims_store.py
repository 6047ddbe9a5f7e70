"""The claims store `denial-ml ingest` adds to: runs append, repeats are skipped, claims keep their versions,
remittances accumulate, a killed run changes nothing, and `--list` says what was taken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner
from x12_texts import claim, claims_837, remits_835, remittance, write

from denial_ml.cli import ingest as ingest_cli
from denial_ml.data.claims_store import load_manifest
from denial_ml.data.io import read_tables
from denial_ml.jobs.ingest import run_ingest

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> tuple[int, str]:
    app = typer.Typer()
    ingest_cli.register(app)
    result = CliRunner().invoke(app, ["ingest", *args])
    return result.exit_code, result.output


def _monday(folder: Path) -> Path:
    loops = [remittance(f"C{k}", "1", 100, 80, [("99213", 100, 80)]) for k in range(1, 6)]
    return write(folder, "monday.835", remits_835(101, loops))


def _tuesday(folder: Path) -> Path:
    loops = [remittance(f"C{k}", "1", 100, 100, [("99213", 100, 100)]) for k in range(6, 9)]
    return write(folder, "tuesday.835", remits_835(102, loops, date="20250321"))


def test_a_second_run_adds_to_the_first(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_ingest([_monday(tmp_path)], store).exit_code == 0
    assert run_ingest([_tuesday(tmp_path)], store).exit_code == 0
    remits = read_tables(store, ["remittances"])["remittances"]
    assert sorted(remits["claim_id"]) == [f"C{k}" for k in range(1, 9)]
    # The parts stay readable by pandas directly: one part per run.
    parts = sorted((store / "tables" / "remittances").glob("part-*.parquet"))
    assert len(parts) == 2 and len(pd.read_parquet(store / "tables" / "remittances")) == 8


def test_the_same_file_twice_is_skipped_and_counts_do_not_change(tmp_path: Path) -> None:
    store, monday = tmp_path / "store", _monday(tmp_path)
    run_ingest([monday], store)
    before = read_tables(store, ["remittances", "adjustments"])
    again = run_ingest([monday, monday], store)
    assert again.exit_code == 0 and [f.status for f in again.files] == ["skipped", "skipped"]
    after = read_tables(store, ["remittances", "adjustments"])
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table])
    assert read_tables(store, ["remittances"])["remittances"]["paid_amount"].sum() == 400


def test_the_same_file_twice_in_one_call_is_taken_once(tmp_path: Path) -> None:
    monday = _monday(tmp_path)
    copy = write(tmp_path, "monday-copy.835", monday.read_bytes())
    outcome = run_ingest([monday, copy], tmp_path / "store")
    assert [f.status for f in outcome.files] == ["taken", "skipped"]
    assert len(read_tables(tmp_path / "store", ["remittances"])["remittances"]) == 5


def test_an_interchange_repeated_in_a_file_or_in_another_file_is_taken_once(tmp_path: Path) -> None:
    text = _monday(tmp_path).read_text()
    twice = write(tmp_path, "twice.835", text + text)
    bundle = write(tmp_path, "bundle.835", text + _tuesday(tmp_path).read_text())
    store = tmp_path / "store"
    first = run_ingest([twice], store)
    assert first.exit_code == 0 and [i["taken"] for i in first.files[0].interchanges] == [True, False]
    second = run_ingest([bundle], store)
    assert [i["taken"] for i in second.files[0].interchanges] == [False, True]
    remits = read_tables(store, ["remittances"])["remittances"]
    assert len(remits) == 8 and remits["paid_amount"].sum() == 400 + 300
    listing = load_manifest(store).batches[0].files[0].interchanges[0]
    assert (listing["sender"], listing["control"], listing["groups"], listing["sets"]) == (
        "PAYER",
        "000000101",
        ["101"],
        ["0001"],
    )


def test_a_replacement_after_its_original_is_the_current_claim(tmp_path: Path) -> None:
    store = tmp_path / "store"
    original = claims_837(1, [claim("C1", [("99213", 100), ("83036", 50)]), claim("C2", [("99214", 120)])])
    replacement = claims_837(2, [claim("C1", [("99215", 600)], frequency="7")])
    run_ingest([write(tmp_path, "mon.837", original)], store)
    run_ingest([write(tmp_path, "tue.837", replacement)], store)
    t = read_tables(store, ["claims", "claim_lines"])
    c1 = t["claims"].set_index("claim_id").loc["C1"]
    assert c1["total_charge"] == 600 and c1["claim_frequency_code"] == "7"
    lines = t["claim_lines"][t["claim_lines"]["claim_id"] == "C1"]
    assert lines["procedure_code"].tolist() == ["99215"] and lines["line_charge"].sum() == 600
    assert sorted(t["claims"]["claim_id"]) == ["C1", "C2"]
    # The original stays in the parts.
    every = pd.read_parquet(store / "tables" / "claims")
    assert every.loc[every["claim_id"] == "C1", "total_charge"].tolist() == [150, 600]


def test_an_original_and_its_replacement_in_one_file(tmp_path: Path) -> None:
    both = claims_837(1, [claim("C1", [("99213", 300)]), claim("C1", [("99213", 300), ("99214", 300)], "7")])
    run_ingest([write(tmp_path, "both.837", both)], tmp_path / "store")
    t = read_tables(tmp_path / "store", ["claims", "claim_lines"])
    assert t["claims"]["total_charge"].tolist() == [600]
    assert t["claim_lines"]["line_charge"].sum() == 600 and len(t["claim_lines"]) == 2


def test_a_void_removes_the_claim_from_the_view_and_keeps_it_in_the_parts(tmp_path: Path) -> None:
    store = tmp_path / "store"
    run_ingest(
        [write(tmp_path, "a.837", claims_837(1, [claim("C1", [("99213", 100)]), claim("C2", [("99214", 90)])]))], store
    )
    run_ingest([write(tmp_path, "void.837", claims_837(2, [claim("C1", [("99213", 100)], frequency="8")]))], store)
    t = read_tables(store, ["claims", "claim_lines"])
    assert t["claims"]["claim_id"].tolist() == ["C2"] and set(t["claim_lines"]["claim_id"]) == {"C2"}
    every = pd.read_parquet(store / "tables" / "claims")
    assert every.loc[every["claim_id"] == "C1", "claim_frequency_code"].tolist() == ["1", "8"]


def test_payment_reversal_correction_and_later_payment_accumulate(tmp_path: Path) -> None:
    store = tmp_path / "store"
    run_ingest([write(tmp_path, "c.837", claims_837(1, [claim("C1", [("99213", 100)])]))], store)
    paid = remittance("C1", "1", 100, 80, [("99213", 100, 80)])
    run_ingest([write(tmp_path, "p.835", remits_835(10, [paid]))], store)
    reversal = remittance("C1", "22", -100, -80, [("99213", -100, -80)])
    correction = remittance("C1", "1", 100, 90, [("99213", 100, 90)])
    run_ingest([write(tmp_path, "r.835", remits_835(11, [reversal, correction], date="20250401"))], store)
    later = remittance("C1", "1", 100, 10, [("99213", 100, 10)])
    run_ingest([write(tmp_path, "l.835", remits_835(12, [later], date="20250415"))], store)
    t = read_tables(store, ["remittances", "remittance_lines"])
    remits = t["remittances"]
    assert remits["claim_status_code"].tolist() == ["1", "22", "1", "1"]
    assert remits["paid_amount"].tolist() == [80, -80, 90, 10]
    assert remits["remit_sequence"].tolist() == [1, 2, 3, 4]
    assert len(set(remits["remit_id"])) == 4
    lines = t["remittance_lines"]
    assert len(lines) == 4 and lines.loc[lines["line_charge"] > 0, "claim_line_number"].tolist() == [1, 1, 1]
    matches = read_tables(store, ["remittance_matches"])["remittance_matches"]
    assert (matches["matched_claim_id"] == "C1").all()


def test_claims_after_their_remittances_rematch_them(tmp_path: Path) -> None:
    store = tmp_path / "store"
    run_ingest(
        [write(tmp_path, "p.835", remits_835(10, [remittance("C1", "1", 100, 80, [("99213", 100, 80)])]))], store
    )
    before = read_tables(store, ["remittance_matches"])["remittance_matches"]
    assert before["method"].tolist() == ["unmatched"]
    run_ingest([write(tmp_path, "c.837", claims_837(1, [claim("C1", [("99213", 100)])]))], store)
    t = read_tables(store, ["remittance_matches", "remittance_lines"])
    assert t["remittance_matches"]["method"].tolist() == ["claim_id"]
    assert t["remittance_lines"]["claim_line_number"].tolist() == [1]


def test_list_shows_every_file_with_status_hash_and_control_numbers(tmp_path: Path) -> None:
    store, monday = tmp_path / "store", _monday(tmp_path)
    _cli(str(monday), "--out", str(store))
    _cli(str(monday), str(_tuesday(tmp_path)), "--out", str(store))
    code, output = _cli("--list", "--out", str(store))
    assert code == 0
    lines = output.splitlines()
    assert lines[0].startswith("batch 1 ") and "remittances 5" in lines[0]
    assert f"taken    {monday}" in lines[1] and "ISA PAYER/000000101" in lines[1] and "remittances 5" in lines[1]
    assert any(line.startswith("  skipped") and "same content" in line for line in lines)
    assert any("tuesday.835" in line and "ISA PAYER/000000102" in line for line in lines)


def test_a_plain_world_folder_is_refused_and_still_read(tmp_path: Path) -> None:
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "claims.parquet")
    code, output = _cli(str(_monday(tmp_path)), "--out", str(tmp_path))
    assert code == 2 and "holds plain tables" in output and not (tmp_path / "manifest.json").exists()


def _kill_during(tmp_path: Path, store: Path, phase: str) -> None:
    """Start an ingest that pauses at `phase`, wait until it is there, kill it with SIGKILL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DENIAL_ML_STORE_TEST_PAUSE": f"{phase}:60"}
    command = [sys.executable, "-m", "denial_ml.cli", "ingest", str(_tuesday(tmp_path)), "--out", str(store)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == f"paused at {phase}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)


def _snapshot(store: Path) -> dict[str, bytes]:
    """Every table of the current view and every committed part, as Parquet bytes."""
    out = {}
    for name, frame in read_tables(store, ["remittances", "remittance_lines", "adjustments"]).items():
        out[name] = frame.to_parquet(index=False)
    for table in ("remittances", "adjustments"):
        out[f"raw {table}"] = pd.read_parquet(store / "tables" / table).to_parquet(index=False)
    return out


@pytest.mark.slow
def test_a_run_killed_before_its_commit_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "store"
    run_ingest([_monday(tmp_path)], store)
    before, manifest = _snapshot(store), (store / "manifest.json").read_bytes()
    _kill_during(tmp_path, store, "before-commit")
    assert list((store / "tables" / "remittances").glob(".pending-*"))  # it had written its parts
    assert (store / "manifest.json").read_bytes() == manifest and _snapshot(store) == before
    # The next run clears what the killed one left and takes the file.
    time.sleep(0.1)
    assert run_ingest([_tuesday(tmp_path)], store).exit_code == 0
    assert not list((store / "tables").glob("*/.pending-*"))
    assert len(read_tables(store, ["remittances"])["remittances"]) == 8


@pytest.mark.slow
def test_a_run_killed_after_its_commit_is_whole(tmp_path: Path) -> None:
    store = tmp_path / "store"
    run_ingest([_monday(tmp_path)], store)
    _kill_during(tmp_path, store, "after-commit")
    assert len(read_tables(store, ["remittances"])["remittances"]) == 8  # read from the pending parts
    assert run_ingest([_tuesday(tmp_path)], store).files[0].status == "skipped"
    assert len(pd.read_parquet(store / "tables" / "remittances")) == 8  # parts renamed by the next run


def test_generate_writes_the_store_layout_that_ingest_adds_to(tmp_path: Path) -> None:
    from denial_ml.jobs.world import build_world

    build_world(200, 3, tmp_path / "plain")
    build_world(200, 3, tmp_path / "store", store=True)
    assert (tmp_path / "store" / "manifest.json").exists() and not list((tmp_path / "store").glob("*.parquet"))
    plain, store = read_tables(tmp_path / "plain"), read_tables(tmp_path / "store")
    assert sorted(plain) == sorted(store)
    for table in plain:
        pd.testing.assert_frame_equal(store[table], plain[table], obj=table)
    assert run_ingest([_monday(tmp_path)], tmp_path / "store").exit_code == 0
    after = read_tables(tmp_path / "store", ["remittances", "claims"])
    assert len(after["remittances"]) == len(plain["remittances"]) + 5
    pd.testing.assert_frame_equal(after["claims"], plain["claims"])


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    from denial_ml.data.claims_store import StoreError, start_batch

    store = tmp_path / "store"
    with start_batch(store), pytest.raises(StoreError, match="another run is writing"):
        run_ingest([_monday(tmp_path)], store)
    assert run_ingest([_monday(tmp_path)], store).exit_code == 0


def test_list_of_a_folder_that_is_no_store_is_an_error(tmp_path: Path) -> None:
    code, output = _cli("--list", "--out", str(tmp_path))
    assert code == 2 and "is not a claims store" in output


def test_a_daily_file_with_the_same_name_keeps_remit_ids_unique(tmp_path: Path) -> None:
    (tmp_path / "mon").mkdir()
    (tmp_path / "tue").mkdir()
    store = tmp_path / "store"
    run_ingest([write(tmp_path / "mon", "remit.835", _monday(tmp_path).read_bytes())], store)
    run_ingest([write(tmp_path / "tue", "remit.835", _tuesday(tmp_path).read_bytes())], store)
    remits = read_tables(store, ["remittances"], validate=True)["remittances"]
    assert len(remits) == 8 and remits["remit_id"].is_unique
    assert remits["remit_id"].str.startswith("remit+/").sum() == 3
