"""Ingesting into a claims store that already holds tables: 837s then 835s in two runs (either order) give the
current view one run gives, remittances match the store's claims, unmatched ones are kept, and a failed write
leaves the store (and, for `write_ingested`, a plain folder) as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import ingest as ingest_cli
from denial_ml.data.claims_store import StoreError, load_manifest
from denial_ml.data.io import WorldIOError, read_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.files import ingest_x12, write_ingested
from denial_ml.ingest.output import read_existing
from denial_ml.ingest.x12_write import write_x12
from denial_ml.jobs.ingest import run_ingest

pytestmark = pytest.mark.slow

SHARED_835 = Path(__file__).resolve().parents[3] / "shared" / "data" / "x12" / "835" / "pyx12__835_mult_loops.txt"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    folder = tmp_path_factory.mktemp("x12")
    paths = write_x12(generate_world(300, seed=4), folder)
    claims = [p for p in paths if p.name.startswith("837")]
    remits = [p for p in paths if p.name.startswith("835")]
    # The payer answers one claim under its own number: it can only be matched by the REF*6R line ids.
    first = remits[0]
    text = first.read_text()
    clp01 = re.search(r"CLP\*([^*]+)\*", text).group(1)
    first.write_text(text.replace(f"CLP*{clp01}*", "CLP*PAYER-OWN-NUMBER*", 1))
    if SHARED_835.exists():
        remits.append(SHARED_835)  # claims of another practice: matches nothing
    return {"837": claims, "835": remits}


def _ingest(out: Path, paths: list[Path]) -> str:
    app = typer.Typer()
    ingest_cli.register(app)
    result = CliRunner().invoke(app, ["ingest", *map(str, paths), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.stdout


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The store's current view of every table it holds but the rejections."""
    names = [t for t in load_manifest(folder).tables() if t != "rejections"]
    assert {"claims", "remittances", "remittance_matches"} <= set(names)
    return read_tables(folder, names)


def _assert_same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert sorted(left) == sorted(right)
    for table in left:
        pd.testing.assert_frame_equal(left[table], right[table], obj=table)


@pytest.mark.parametrize("first", ["837", "835"])
def test_two_runs_give_the_tables_of_one(files: dict, tmp_path: Path, first: str) -> None:
    second = "835" if first == "837" else "837"
    _ingest(tmp_path / "one", files["837"] + files["835"])
    _ingest(tmp_path / "two", files[first])
    _ingest(tmp_path / "two", files[second])
    _assert_same(_tables(tmp_path / "one"), _tables(tmp_path / "two"))


def test_remittances_match_the_folders_claims_and_unmatched_are_kept(files: dict, tmp_path: Path) -> None:
    _ingest(tmp_path, files["837"])
    said = _ingest(tmp_path, files["835"])
    view = read_tables(tmp_path, ["remittance_matches", "remittances", "remittance_lines"])
    matches, remittances = view["remittance_matches"], view["remittances"]
    assert len(matches) == len(remittances) and set(matches["remit_id"]) == set(remittances["remit_id"])
    methods = matches["method"].value_counts()
    assert methods["claim_id"] > 250
    own = matches[matches["claim_id"] == "PAYER-OWN-NUMBER"]
    assert own["method"].tolist() == ["line_control_number"] and own["matched_claim_id"].str.startswith("CLM").all()
    lines = view["remittance_lines"]
    matched_lines = lines[lines["remit_id"].isin(matches.loc[matches["method"] != "unmatched", "remit_id"])]
    assert matched_lines["claim_line_number"].notna().all()
    if SHARED_835.exists():
        unmatched = int(methods["unmatched"])
        assert unmatched == 1  # the one CLP loop of the other practice's file
        assert f"{unmatched} remittances matched no claim of the store" in said
        assert matches.loc[matches["method"] == "unmatched", "matched_claim_id"].isna().all()


def test_an_835_only_run_keeps_the_claims(files: dict, tmp_path: Path) -> None:
    _ingest(tmp_path, files["837"])
    claims = read_tables(tmp_path, ["claims", "claim_lines"])
    _ingest(tmp_path, files["835"])
    after = read_tables(tmp_path, ["claims", "claim_lines"])
    for table in claims:
        pd.testing.assert_frame_equal(after[table], claims[table])


def _failing_to_parquet(monkeypatch, on_call: int) -> None:
    calls = []
    real = pd.DataFrame.to_parquet

    def failing(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == on_call:  # some tables are already written
            raise OSError(28, "No space left on device")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)


def test_a_failed_write_leaves_the_store_as_it_was(files: dict, tmp_path: Path, monkeypatch) -> None:
    _ingest(tmp_path, files["837"])
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    _failing_to_parquet(monkeypatch, 3)
    with pytest.raises(StoreError, match="No space left on device"):
        run_ingest(files["835"], tmp_path)
    assert {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_a_failed_plain_write_leaves_the_folder_as_it_was(files: dict, tmp_path: Path, monkeypatch) -> None:
    write_ingested(ingest_x12(files["837"]).tables, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = ingest_x12(files["835"], existing=read_existing(tmp_path))
    _failing_to_parquet(monkeypatch, 3)
    with pytest.raises(WorldIOError, match="No space left on device"):
        write_ingested(result.tables, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_unreadable_part_of_the_store_is_an_error(files: dict, tmp_path: Path) -> None:
    _ingest(tmp_path, files["837"])
    (part,) = (tmp_path / "tables" / "claims").glob("part-*.parquet")
    part.write_text("not parquet")
    manifest = (tmp_path / "manifest.json").read_bytes()
    app = typer.Typer()
    ingest_cli.register(app)
    result = CliRunner().invoke(app, ["ingest", *map(str, files["835"]), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot read store part" in result.output and part.name in result.output
    assert (tmp_path / "manifest.json").read_bytes() == manifest
