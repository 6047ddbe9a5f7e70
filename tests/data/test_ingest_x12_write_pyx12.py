"""The X12 files `denial-ml generate --x12` writes pass pyx12, the independent 5010 validator.

Every 837P, 837I and 835 file of a synthetic world is checked with `validate_x12` (pyx12 4.0.0 in a fresh
process per file). The only finding allowed is the one the world's own data forces, counted against the rows
that cause it, so that any other finding, or one more of this one, fails:
- 837P SV107 missing: a line the world gives no diagnosis pointer (a `missing_information` denial cause);
  the guide requires SV107, and no pointer value says "none".
The 835 files, reversals (CLP02 22) and corrections included, validate clean.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from denial_ml.data.synthetic.world import generate_world
from denial_ml.ingest.files import ingest_x12
from denial_ml.ingest.validate import Finding, validate_x12
from denial_ml.ingest.x12_write import write_x12

pytestmark = pytest.mark.slow

N_CLAIMS, SEED = 700, 4  # every kind of file, reversals and forced findings (asserted); pyx12 reads ~1 s a 100 claims
NO_POINTER = 'Mandatory composite "Composite Diagnosis Code Pointer" (SV107) is missing'


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pd.DataFrame], dict[str, list[Finding]]]:
    world = generate_world(N_CLAIMS, seed=SEED)
    paths = write_x12(world, tmp_path_factory.mktemp("x12"))
    return world, {path.name: validate_x12(path) for path in paths}


def _forced(finding: Finding) -> bool:
    return finding.problem == NO_POINTER


def test_every_kind_of_file_is_written(checked: tuple) -> None:
    _, findings = checked
    kinds = {name.split("_")[0] for name in findings}
    assert kinds == {"837P", "837I", "835"}
    assert sum(name.startswith("835_") for name in findings) >= 5  # one 835 file per payer


def test_no_finding_but_those_the_world_data_forces(checked: tuple) -> None:
    _, findings = checked
    unexplained = {name: [str(f) for f in found if not _forced(f)][:10] for name, found in findings.items()}
    assert {name: found for name, found in unexplained.items() if found} == {}


def test_837i_and_every_835_file_validate_clean(checked: tuple) -> None:
    world, findings = checked
    assert findings["837I_0001.x12"] == []
    assert {name: found for name, found in findings.items() if name.startswith("835_") and found} == {}
    assert (world["remittances"]["claim_status_code"] == "22").sum() > 0  # reversals were written and checked


def test_forced_findings_are_one_per_causing_row(checked: tuple) -> None:
    world, findings = checked
    professional = world["claims"].loc[world["claims"]["claim_type"] == "837P", "claim_id"]
    lines = world["claim_lines"]
    no_pointer = lines["claim_id"].isin(professional) & lines["diagnosis_pointers"].isna()
    found = [f for found in findings.values() for f in found]
    assert sum(f.problem == NO_POINTER for f in found) == no_pointer.sum() > 0
    assert all(name.startswith("837P_") for name, found in findings.items() if found)


def test_a_file_with_a_broken_segment_is_not_clean(checked: tuple, tmp_path: Path) -> None:
    """The check can fail: an 837I without its CL1 segment (SE01 adjusted) is reported."""
    world, _ = checked
    path = next(p for p in write_x12(world, tmp_path) if p.name.startswith("837I_"))
    segments = path.read_text(encoding="ascii").split("~\n")
    first_cl1 = next(i for i, s in enumerate(segments) if s.startswith("CL1*"))
    end = next(i for i in range(first_cl1, len(segments)) if segments[i].startswith("SE*"))
    count, control = segments[end].split("*")[1:]
    segments[end] = f"SE*{int(count) - 1}*{control}"
    del segments[first_cl1]
    path.write_text("~\n".join(segments), encoding="ascii")
    problems = [f.problem for f in validate_x12(path)]
    assert problems == ['Mandatory segment "Institutional Claim Code" (CL1) missing']


def test_inpatient_bills_validate_clean_and_read_back(checked: tuple, tmp_path: Path) -> None:
    """Inpatient hospital claims (place of service 21, bill type 11x; none in the synthetic world) get the
    admission date and CL101 the guide requires there, and still read back with their place of service."""
    world, _ = checked
    claims = world["claims"].copy()
    inpatient = (claims["claim_type"] == "837I") & (claims["place_of_service"] == "22")
    claims.loc[inpatient, "place_of_service"] = "21"
    claims.loc[inpatient, "facility_type_code"] = "11"  # the bill type says inpatient (the writer reads it)
    paths = write_x12({**world, "claims": claims}, tmp_path)
    path = next(p for p in paths if p.name.startswith("837I_"))
    text = path.read_text(encoding="ascii")
    assert text.count("CL1*9*1*01~") == inpatient.sum() > 0
    assert text.count("DTP*435*D8*") == inpatient.sum()
    assert validate_x12(path) == []
    back = ingest_x12([path]).tables["claims"].set_index("claim_id")["place_of_service"]
    assert (back[claims.loc[inpatient, "claim_id"]] == "21").all()
