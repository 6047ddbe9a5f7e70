"""World folders as fsspec URLs (`engine.paths`): tables found and read as in a folder, in one file or in parts;
plain paths keep the local readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from denial_ml.data.io import WorldIOError
from denial_ml.engine.paths import as_world, is_table_dir, is_url, read_world_tables, table_files

fsspec = pytest.importorskip("fsspec")

PAYERS = pd.DataFrame({"payer_id": ["P1", "P2"]})


@pytest.fixture
def memory_world():
    """A world in fsspec's in-process memory filesystem: payers in one file, claims in two parts."""
    fs = fsspec.filesystem("memory")
    root = "memory://test-world"
    if fs.exists("/test-world"):
        fs.rm("/test-world", recursive=True)
    pd.DataFrame({"a": [2]}).to_parquet(f"{root}/claims/part-00001.parquet")
    pd.DataFrame({"a": [1]}).to_parquet(f"{root}/claims/part-00000.parquet")
    yield root
    fs.rm("/test-world", recursive=True)


def test_urls_are_told_from_paths_and_kept_as_text():
    assert is_url("s3://bucket/world") and is_url("file:///tmp/w") and not is_url("/tmp/w")
    assert not is_url(Path("s3://bucket/world"))  # a Path has folded the URL already: the CLI keeps text
    assert as_world("s3://bucket/world") == "s3://bucket/world" and as_world("data/w") == Path("data/w")


def test_a_url_world_lists_a_tables_file_or_its_parts_in_order(memory_world):
    assert table_files(memory_world, "claims") == [
        "memory:///test-world/claims/part-00000.parquet",
        "memory:///test-world/claims/part-00001.parquet",
    ]
    assert table_files(memory_world, "remarks") == []
    assert is_table_dir(memory_world, "claims") and not is_table_dir(memory_world, "payers")
    parts = [pd.read_parquet(f)["a"].tolist() for f in table_files(memory_world, "claims")]
    assert parts == [[1], [2]]


def test_a_missing_table_of_a_url_world_is_named(memory_world):
    with pytest.raises(WorldIOError, match=r"table 'payers' is missing: no file 'memory://test-world/payers.parquet'"):
        read_world_tables(memory_world, ["payers"])


def test_a_file_url_reads_the_tables_a_folder_gives(tmp_path):
    from denial_ml.data.io import read_tables, write_tables
    from denial_ml.data.synthetic.world import generate_world

    write_tables({k: v for k, v in generate_world(200, seed=3).items() if k in ("payers", "claims")}, tmp_path)
    by_url = read_world_tables(f"file://{tmp_path}", ["payers", "claims"])
    local = read_tables(tmp_path, ["payers", "claims"])
    for name in local:
        pd.testing.assert_frame_equal(by_url[name], local[name])


def test_an_unknown_protocol_is_a_world_error():
    with pytest.raises(WorldIOError, match="cannot open 'nosuchfs://x'"):
        table_files("nosuchfs://x", "claims")
