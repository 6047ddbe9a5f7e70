"""`denial-ml ingest --reference DIR`: the reference data X12 does not carry, beside the ingested tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from denial_ml.cli import ingest as ingest_cli
from denial_ml.data.claims_store import load_manifest
from denial_ml.data.io import read_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.reference import (
    ReferenceError,
    apply_reference,
    extract_reference,
    read_reference,
    write_reference,
)
from denial_ml.ingest.x12_write import write_x12


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    return generate_world(200, seed=9)


@pytest.mark.slow  # runs the CLI over a generated world's X12 files (5 s)
def test_cli_ingest_with_reference_gives_the_worlds_columns(world: dict, tmp_path: Path) -> None:
    paths = write_x12(world, tmp_path / "x12")
    write_reference(extract_reference(world), tmp_path / "x12" / "reference")
    app = typer.Typer()
    ingest_cli.register(app)
    reference = str(tmp_path / "x12" / "reference")
    args = ["ingest", *map(str, paths), "--reference", reference, "--out", str(tmp_path / "i")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    read = read_tables(tmp_path / "i")
    for table in ("payers", "providers", "patients", "coverages", "authorizations"):
        pd.testing.assert_frame_equal(read[table], world[table], obj=table)
    columns = ["claim_id", "eligibility_checked", "eligibility_check_date", "eligibility_status"]
    pd.testing.assert_frame_equal(read["claims"][columns], world["claims"][columns])
    assert "eligibility_checks" not in load_manifest(tmp_path / "i").tables()


def test_x12_rows_the_reference_lacks_are_kept_after_it(world: dict) -> None:
    reference = extract_reference(world)
    ingested = {
        "claims": world["claims"].head(3).assign(eligibility_checked=False, eligibility_status="unknown"),
        "patients": pd.concat([world["patients"].head(2), world["patients"].head(1).assign(patient_id="PNEW")]),
    }
    checks = reference["eligibility_checks"]
    checks = checks[checks["claim_id"] != world["claims"]["claim_id"].iloc[0]]
    out = apply_reference(ingested, {"patients": reference["patients"], "eligibility_checks": checks})
    assert out["patients"]["patient_id"].tolist() == [*world["patients"]["patient_id"], "PNEW"]
    assert out["claims"]["eligibility_checked"].tolist()[0] is False
    assert out["claims"]["eligibility_status"].iloc[0] == "unknown"
    assert pd.isna(out["claims"]["eligibility_check_date"].iloc[0])
    expected = world["claims"].head(3).iloc[1:]
    assert out["claims"]["eligibility_status"].iloc[1:].tolist() == expected["eligibility_status"].tolist()
    assert "payers" not in out


def test_unusable_reference_folders_are_named(tmp_path: Path) -> None:
    with pytest.raises(ReferenceError, match="reference folder '.*nowhere' does not exist"):
        read_reference(tmp_path / "nowhere")
    with pytest.raises(ReferenceError, match="holds none of payers.parquet"):
        read_reference(tmp_path)
    pd.DataFrame({"payer_id": ["X"]}).to_parquet(tmp_path / "payers.parquet")
    with pytest.raises(ReferenceError, match="payers"):
        read_reference(tmp_path)
