"""World I/O is all-or-nothing and schema errors name the table, column, row and problem."""

from __future__ import annotations

import pandas as pd
import pytest

from denial_ml.data.io import WorldIOError, read_tables, write_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.schemas import TableValidationError, validate_table


@pytest.fixture(scope="module")
def tiny():
    return generate_world(200, seed=2)


def test_schema_error_names_table_column_row_and_problem(tiny):
    claims = tiny["claims"].copy()
    claims.loc[3, "claim_type"] = "837X"
    with pytest.raises(TableValidationError) as err:
        validate_table("claims", claims)
    message = str(err.value)
    assert "table 'claims'" in message and "'claim_type'" in message and "row 3" in message and "837X" in message


def test_missing_column_is_named(tiny):
    with pytest.raises(TableValidationError, match="submission_date"):
        validate_table("claims", tiny["claims"].drop(columns=["submission_date"]))


def test_failed_write_leaves_folder_as_it_was(tiny, tmp_path):
    write_tables({"payers": tiny["payers"]}, tmp_path)
    before = (tmp_path / "payers.parquet").read_bytes()
    bad = tiny["claims"].copy()
    bad.loc[0, "total_charge"] = -5.0
    with pytest.raises(TableValidationError):
        write_tables({"payers": tiny["payers"].iloc[:2], "claims": bad}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["payers.parquet"]
    assert (tmp_path / "payers.parquet").read_bytes() == before


def test_round_trip_and_missing_table(tiny, tmp_path):
    write_tables(tiny, tmp_path)
    back = read_tables(tmp_path, validate=True)
    pd.testing.assert_frame_equal(back["claim_lines"], validate_table("claim_lines", tiny["claim_lines"]))
    (tmp_path / "claims.parquet").unlink()
    with pytest.raises(WorldIOError, match="table 'claims' is missing"):
        read_tables(tmp_path, ["claims"])
    with pytest.raises(WorldIOError, match="does not exist"):
        read_tables(tmp_path / "nope")


def test_tables_named_validated_are_not_checked_again_the_others_are(tiny, tmp_path):
    bad = tiny["claims"].copy()
    bad.loc[0, "total_charge"] = -5.0  # breaks the schema: only a skipped check lets it through
    write_tables({"claims": bad, "payers": tiny["payers"]}, tmp_path / "a", validated={"claims"})
    assert read_tables(tmp_path / "a", ["claims"])["claims"].loc[0, "total_charge"] == -5.0
    with pytest.raises(TableValidationError, match="total_charge"):
        write_tables({"claims": bad, "payers": tiny["payers"]}, tmp_path / "b", validated={"payers"})


def test_files_written_by_the_writer_threads_are_those_one_thread_writes(tiny, tmp_path):
    write_tables(tiny, tmp_path / "threads")
    (tmp_path / "alone").mkdir()
    for name, frame in tiny.items():
        alone = tmp_path / "alone" / f"{name}.parquet"
        validate_table(name, frame).to_parquet(alone, index=False)
        assert (tmp_path / "threads" / f"{name}.parquet").read_bytes() == alone.read_bytes(), name


def test_a_writer_threads_error_leaves_the_folder_as_it_was(tiny, tmp_path, monkeypatch):
    from denial_ml.data import io

    write_tables({"payers": tiny["payers"]}, tmp_path)
    before = (tmp_path / "payers.parquet").read_bytes()
    real = io._write_parquet

    def disk_full_on_claims(frame, path):
        if path.name == "claims.parquet":
            raise OSError(28, "No space left on device")
        real(frame, path)

    monkeypatch.setattr(io, "_write_parquet", disk_full_on_claims)
    with pytest.raises(WorldIOError, match="No space left on device"):
        write_tables({"payers": tiny["payers"].iloc[:2], "claims": tiny["claims"], "truth": tiny["truth"]}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["payers.parquet"]  # no staging folder left either
    assert (tmp_path / "payers.parquet").read_bytes() == before
