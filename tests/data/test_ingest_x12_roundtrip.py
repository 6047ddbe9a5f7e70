"""Round trip: a synthetic world written as X12 (837P, 837I, 835) and read back gives the same tables.

Compared on the columns X12 carries, after sorting. `patient_id` travels as the medical record number (REF*EA);
837I place of service 19 (off-campus outpatient hospital) as bill type 13x with modifier PO on the lines.
What X12 does not carry (so is not compared; `denial-ml ingest --reference` supplies it, see
tests/model/test_ingest_training_parity.py):
- claims: `eligibility_checked`, `eligibility_check_date`, `eligibility_status` (a 270/271 matter, not in the 837).
- claim_lines of 837I claims: `diagnosis_pointers` (SV2 has no pointer element).
- providers: `specialty`.
- remittances, remittance_lines, adjustments, remarks: `remit_id` (the reader's is `<file>/<ST02>/<CLP>`);
  rows are tied by (claim_id, remit_sequence), rebuilt by the reader from adjudication dates and file order.
- payers, coverages, authorizations, appeals, truth: not X12 837/835 content at all.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from denial_ml.data.io import read_tables
from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.files import ingest_x12
from denial_ml.ingest.x12_write import X12WriteError, render_x12, write_x12
from denial_ml.labels import label_claims

pytestmark = pytest.mark.slow

N_CLAIMS = 1_500
CLAIM_COLUMNS = [
    "claim_id",
    "patient_id",
    "member_id",
    "payer_id",
    "billing_provider_npi",
    "rendering_provider_npi",
    "claim_type",
    "claim_frequency_code",
    "place_of_service",
    "service_date_from",
    "service_date_to",
    "submission_date",
    "total_charge",
    "diagnosis_codes",
    "prior_auth_number",
    "original_claim_id",
    "facility_type_code",
    "admission_date",
    "admission_type_code",
    "admission_source_code",
]
LINE_COLUMNS = [
    "claim_id",
    "line_number",
    "line_control_number",
    "procedure_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "units",
    "line_charge",
    "diagnosis_pointers",
    "service_date",
    "revenue_code",
]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, list]:
    world = generate_world(N_CLAIMS, seed=11)
    # Small files, so that the split into several files per payer is exercised too.
    paths = write_x12(world, tmp_path_factory.mktemp("x12"), max_claims=300)
    result = ingest_x12(sorted(paths))
    return world, result.tables, result.issues


def _same(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> None:
    """Equal after sorting by `keys`; missing values normalised, amounts to the cent."""

    def tidy(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.sort_values(keys, kind="stable").reset_index(drop=True).astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(tidy(left), tidy(right), check_exact=False, atol=1e-6)


def _remit_keys(world: dict, back: dict) -> pd.Series:
    """The reader's remit_id -> the world's, through (claim_id, remit_sequence)."""
    keys = ["claim_id", "remit_sequence"]
    pairs = back["remittances"][["remit_id", *keys]].merge(
        world["remittances"][["remit_id", *keys]], on=keys, suffixes=("", "_world"), validate="1:1"
    )
    assert len(pairs) == len(world["remittances"]) == len(back["remittances"])
    return pairs.set_index("remit_id")["remit_id_world"]


def test_every_file_is_read_without_a_problem(worlds: tuple) -> None:
    world, back, issues = worlds
    assert issues == []
    assert len(back["claims"]) == N_CLAIMS
    assert (back["remittance_matches"]["method"] == "claim_id").all()


def test_claims_and_lines_round_trip(worlds: tuple) -> None:
    world, back, _ = worlds
    expected = world["claims"][CLAIM_COLUMNS].copy()
    institutional = expected["claim_type"] == "837I"
    assert (expected.loc[institutional, "place_of_service"] == "19").sum() > 5  # the PO-modifier path is used
    _same(back["claims"][CLAIM_COLUMNS], expected, ["claim_id"])

    lines = world["claim_lines"][LINE_COLUMNS].copy()
    revenue_only = lines["procedure_code"].isna()
    assert revenue_only.sum() > 10 and lines.loc[revenue_only, "revenue_code"].notna().all()  # SV2 without HCPCS
    institutional_ids = world["claims"].loc[institutional, "claim_id"]
    lines.loc[lines["claim_id"].isin(institutional_ids), "diagnosis_pointers"] = None
    _same(back["claim_lines"][LINE_COLUMNS], lines, ["claim_id", "line_number"])


def test_patients_and_providers_round_trip(worlds: tuple) -> None:
    world, back, _ = worlds
    treated = world["patients"][world["patients"]["patient_id"].isin(world["claims"]["patient_id"])]
    assert (world["claims"].groupby("patient_id")["payer_id"].nunique() > 1).any()  # one id across payers
    _same(back["patients"], treated, ["patient_id"])

    used = pd.concat([world["claims"]["billing_provider_npi"], world["claims"]["rendering_provider_npi"]])
    columns = ["provider_npi", "provider_name", "entity_type", "taxonomy_code"]
    providers = world["providers"][world["providers"]["provider_npi"].isin(used.dropna())]
    _same(back["providers"][columns], providers[columns], ["provider_npi"])


def test_remittance_tables_round_trip(worlds: tuple) -> None:
    world, back, _ = worlds
    to_world = _remit_keys(world, back)
    for table, keys in (
        ("remittances", ["remit_id"]),
        ("remittance_lines", ["remit_id", "line_number"]),
        ("adjustments", ["remit_id", "line_number", "group_code", "carc", "amount"]),
        ("remarks", ["remit_id", "line_number", "rarc"]),
    ):
        read = back[table].assign(remit_id=back[table]["remit_id"].map(to_world))
        assert read["remit_id"].notna().all(), table
        expected = world[table][list(read.columns)]
        assert len(read) == len(expected), table
        _same(read, expected, keys)


def test_reversals_and_denials_survive(worlds: tuple) -> None:
    world, back, _ = worlds
    reversals = back["remittances"][back["remittances"]["claim_status_code"] == "22"]
    assert len(reversals) == (world["remittances"]["claim_status_code"] == "22").sum() > 0
    assert (reversals["total_charge"] < 0).all()
    assert (back["remittances"]["claim_status_code"] == "4").sum() > 0


def test_labels_are_identical(worlds: tuple) -> None:
    world, back, _ = worlds
    to_world = _remit_keys(world, back)
    expected = label_claims(world["remittances"], world["remittance_lines"], world["adjustments"])
    read = label_claims(back["remittances"], back["remittance_lines"], back["adjustments"])
    read = read.assign(remit_id=read["remit_id"].map(to_world))
    assert expected["denied"].sum() > 50
    _same(read, expected, ["claim_id"])


def test_segment_counts_and_no_patient_names(worlds: tuple, tmp_path) -> None:
    world, _, _ = worlds
    files = render_x12(world)
    assert {name.split("_")[0] for name in files} == {"837P", "837I", "835"}
    for name, content in files.items():
        segments = [s.split("*") for s in content.replace("\n", "").split("~") if s]
        starts = [i for i, s in enumerate(segments) if s[0] == "ST"]
        ends = [i for i, s in enumerate(segments) if s[0] == "SE"]
        assert [int(segments[e][1]) for e in ends] == [e - s + 1 for s, e in zip(starts, ends, strict=True)]
        assert segments[-2][:2] == ["GE", str(len(starts))], name
        for s in segments:
            if s[0] == "NM1" and s[1] in ("IL", "QC"):
                assert s[3:8] == ["PATIENT", "", "", "", ""], name


def test_bad_value_is_refused_and_nothing_written(tmp_path) -> None:
    world = generate_world(50, seed=3)
    claims = world["claims"].copy()
    claims.loc[0, "prior_auth_number"] = "A*B"
    with pytest.raises(X12WriteError, match=r"claim_id CLM\d+: value 'A\*B' contains an X12 delimiter"):
        write_x12({**world, "claims": claims}, tmp_path / "x12")
    assert not (tmp_path / "x12").exists()


def test_generate_x12_then_ingest_from_the_command_line(tmp_path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "denial_ml.cli", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=300)

    world_dir, read_dir = tmp_path / "world", tmp_path / "read"
    made = run("generate", "--claims", "500", "--seed", "3", "--x12", "--out", str(world_dir))
    assert made.returncode == 0, made.stderr
    files = sorted((world_dir / "x12").glob("*.x12"))
    assert {f.name.split("_")[0] for f in files} >= {"837P", "835"}
    assert not [p for p in (world_dir / "x12").iterdir() if p.name.startswith(".")]
    read = run("ingest", *map(str, files), "--out", str(read_dir))
    assert read.returncode == 0, read.stderr
    world = read_tables(world_dir)
    back = read_tables(read_dir)["remittances"]
    assert len(read_tables(read_dir)["claims"]) == 500
    assert len(back) == len(world["remittances"])
    assert back["paid_amount"].sum() == pytest.approx(world["remittances"]["paid_amount"].sum(), abs=0.01)
