"""`denial-ml ingest --engine dask`: files read on the workers, the store written by the client, and the store
equal, row for row and file record for file record, to the one `--engine local` writes from the same runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from x12_texts import remits_835, remittance, write

from denial_ml.data.claims_store import load_manifest, read_all_rows
from denial_ml.data.synthetic.world import generate_world
from denial_ml.engine.ingest import ClusterReader, expected_stems
from denial_ml.ingest.files import ingest_x12
from denial_ml.ingest.stream import scan_file
from denial_ml.ingest.x12_write import write_x12
from denial_ml.jobs.ingest import run_ingest

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "x12"


def _shared_files() -> list[Path]:
    return sorted(p for kind in ("837", "835") for p in (SHARED / kind).glob("*") if p.is_file())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[list[Path]]:
    """Two runs into one store: the synthetic world's 837s with half the real files, then everything again with
    the awkward cases (the same path twice, another file of the same name, a repeated interchange, not X12)."""
    folder = tmp_path_factory.mktemp("x12")
    paths = write_x12(generate_world(300, seed=4), folder / "world")
    claims = [p for p in paths if p.name.startswith("837")]
    remits = [p for p in paths if p.name.startswith("835")]
    # Every other real file: the kinds all appear (the local ingest of every one is tested elsewhere), at half the
    # suite's time for this module.
    shared = _shared_files()[::2]
    other = folder / "other"
    other.mkdir()
    text = remits_835(901, [remittance("C1", "1", 100, 80, [("99213", 100, 80)])])
    same_name = write(other, remits[0].name, text)  # same stem as a world file: its remit ids get "+"
    repeat = write(other, "repeat.835", text + "\n")  # the interchange of `same_name` again, another hash
    junk = write(other, "notes.835", "not an X12 file")
    first = claims + shared[::2]
    second = [*remits, remits[0], same_name, *shared, repeat, junk, *claims]
    return [first, second]


def _store(out: Path, runs: list[list[Path]], client=None) -> list[int]:
    # 40 rows a batch: the two runs still spill 36 batches (the workers' chunks among them), at half the validation
    # work of 7 rows a batch (52 -> 28 CPU s for the local run).
    return [run_ingest(paths, out, client=client, batch_rows=40).exit_code for paths in runs]


def _records(out: Path) -> list[list[dict]]:
    keep = ("name", "sha256", "size", "stem", "status", "interchanges", "taken", "refused", "note")
    return [[{k: getattr(f, k) for k in keep} for f in batch.files] for batch in load_manifest(out).batches]


def test_a_dask_ingest_writes_the_store_the_local_ingest_writes(tmp_path, runs, client):
    local, dask = tmp_path / "local", tmp_path / "dask"
    codes = _store(local, runs)
    assert _store(dask, runs, client) == codes
    assert codes[1] == 3  # the junk file is refused, the rest taken: a partial run
    assert _records(dask) == _records(local)
    statuses = [f["status"] for f in _records(local)[1]]
    assert statuses.count("skipped") >= len(runs[0]) // 2 and "failed" in statuses
    tables = load_manifest(local).tables()
    assert set(load_manifest(dask).tables()) == set(tables)
    assert {"claims", "remittances", "remittance_matches", "rejections"} <= set(tables)
    for table in tables:
        expected, got = read_all_rows(local, table), read_all_rows(dask, table)
        pd.testing.assert_frame_equal(got, expected, obj=table)
    remits = read_all_rows(dask, "remittances")
    assert remits["remit_id"].str.contains(r"\+", regex=True).any()  # the second file of the same name
    assert not list(dask.glob(".spool-*"))  # the run's spool, the workers' chunks included, is gone


def test_the_client_reads_a_file_itself_when_the_run_took_its_interchange_before_it(tmp_path, runs, client):
    """The workers read with the store's interchanges only; a file repeating one taken earlier in the run is
    read again by the client, so its interchange is skipped as `--engine local` skips it."""
    paths = [p for p in runs[1] if p.parent.name == "other"][:2]  # same_name, then repeat
    scans = {p: scan_file(p) for p in paths}
    reader = ClusterReader(client, paths, scans, False, 1 << 20, 1000, {}, set(), set(), None)
    run = ingest_x12(paths, read_file=reader, scans=scans)
    reader.close()
    assert (reader.from_workers, reader.read_here) == (1, 1)
    assert [i["taken"] for f in run.files for i in f.interchanges] == [True, False]
    assert run.files[1].status == "skipped"


def test_expected_stems_number_same_names_and_leave_out_repeated_content(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    one, two, copy = write(a, "x.835", "ISA one"), write(b, "x.835", "ISA two"), write(b, "y.835", "ISA one")
    scans = {p: scan_file(p) for p in (one, two, copy)}
    assert expected_stems([one, two, copy, one], scans, {"x"}, set()) == ["x+", "x++", None, None]


def _cli(out: Path, paths: list[Path], *extra: str) -> tuple[int, str]:
    import typer
    from typer.testing import CliRunner

    from denial_ml.cli import ingest as ingest_cli

    app = typer.Typer()
    ingest_cli.register(app)
    result = CliRunner().invoke(app, ["ingest", *map(str, paths), "--out", str(out), *extra])
    return result.exit_code, result.output.replace(str(out), "STORE")


def test_the_cli_on_the_configured_cluster_says_and_exits_as_the_local_run(tmp_path, runs, client, monkeypatch):
    from denial_ml.config import get_settings

    paths = [p for p in runs[1] if p.parent.name == "other"]  # same_name, repeat, junk: a partial run
    local = _cli(tmp_path / "local", paths)
    monkeypatch.setenv("DENIAL_ML_DASK_SCHEDULER", client.scheduler.address)  # the test cluster, not a new one
    get_settings.cache_clear()
    try:
        dask = _cli(tmp_path / "dask", paths, "--engine", "dask")
    finally:
        monkeypatch.delenv("DENIAL_ML_DASK_SCHEDULER")
        get_settings.cache_clear()
    assert local[0] == 3 and "partial run: exit 3" in local[1]
    assert dask == local


def test_an_unknown_engine_is_refused_before_the_store_is_touched(tmp_path, runs):
    code, output = _cli(tmp_path / "store", runs[0][:1], "--engine", "spark")
    assert code == 2 and "engine: expected one of local, dask, got 'spark'" in output
    assert not (tmp_path / "store").exists()
