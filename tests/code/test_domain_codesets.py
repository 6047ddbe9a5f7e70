"""Complete code sets: valid real codes give no error finding, a dotted diagnosis is its undotted form, and an
unseen code gets its family's features."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.synthetic.world import generate_world
from denial_ml.domain.code_families import procedure_family
from denial_ml.domain.codesets import (
    carc_statuses,
    diagnosis_status,
    hcpcs_level2,
    icd10_codes,
    places_of_service,
    rarc_statuses,
)
from denial_ml.explain.checks import run_checks
from denial_ml.explain.context import claim_views
from denial_ml.features.build import FeatureBuilder
from denial_ml.ingest.values import CARC_FORMAT, RARC_FORMAT
from denial_ml.schemas import validate_table

CODING = {"DIAGNOSIS_INVALID", "PROCEDURE_INVALID", "MODIFIER_INVALID"}


@pytest.fixture(scope="module")
def world_and_builder():
    world = generate_world(1500, seed=5)
    return world, FeatureBuilder().fit(world)


@pytest.fixture(scope="module")
def clean(world_and_builder):
    """A one-line claim with no finding at all, and its line."""
    world, builder = world_and_builder
    claims, lines = world["claims"], world["claim_lines"]
    one_line = lines.groupby("claim_id").size().pipe(lambda n: n[n == 1].index)
    for claim_id in claims.loc[claims["claim_id"].isin(one_line), "claim_id"].head(300):
        claim = claims[claims["claim_id"] == claim_id]
        line = lines[lines["claim_id"] == claim_id].assign(modifier_1=None, modifier_2=None, diagnosis_pointers="1")
        if not _findings(builder, claim, line):
            return claim.copy(), line.copy()
    raise AssertionError("no clean one-line claim in the test world")


def _findings(builder, claim: pd.DataFrame, lines: pd.DataFrame) -> list:
    X = builder.transform_array(claim, lines)
    return run_checks(claim_views(claim.reset_index(drop=True), lines, X, builder)[0])


def _features(builder, claim, lines) -> pd.DataFrame:
    return builder.transform(claim.reset_index(drop=True), lines)


def _billable_sample(n: int, seed: int = 3) -> list[str]:
    billable = sorted(c for c, (leaf, *_) in icd10_codes().items() if leaf)
    return random.Random(seed).sample(billable, n)


def _dotted(code: str) -> str:
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def test_valid_diagnoses_dotted_and_undotted_give_no_error(world_and_builder, clean):
    _, builder = world_and_builder
    claim, line = clean
    for code in [*_billable_sample(40), "M5450", "F32A", "Z23"]:
        for written in (code, _dotted(code)):
            found = _findings(builder, claim.assign(diagnosis_codes=written), line)
            assert not [f for f in found if f.severity == "error"], (written, [f.code for f in found])
    header = [f for f in _findings(builder, claim.assign(diagnosis_codes="M54.1"), line) if f.severity == "error"]
    assert [f.code for f in header] == ["DIAGNOSIS_INVALID"] and "more characters" in header[0].message


def test_hcpcs_and_cpt_codes_give_no_error_and_cpt_outside_the_catalog_at_most_a_note(world_and_builder, clean):
    _, builder = world_and_builder
    claim, line = clean
    hcpcs = random.Random(4).sample(sorted(hcpcs_level2()), 40)
    for code in [*hcpcs, "99231", "90832", "27130", "0001U", "3008F", "0042T"]:
        found = _findings(builder, claim, line.assign(procedure_code=code))
        assert not [f for f in found if f.severity == "error"], (code, [f.code for f in found])
        assert {f.severity for f in found} <= {"info", "warning"}
    notes = _findings(builder, claim, line.assign(procedure_code="99231"))
    assert [(f.code, f.severity) for f in notes] == [("PROCEDURE_NOT_IN_CATALOG", "info")]
    assert "not in the catalog" in notes[0].message


def test_places_of_service_are_valid_claims_and_give_no_error(world_and_builder, clean):
    _, builder = world_and_builder
    claim, line = clean
    for pos in sorted(places_of_service()):
        validate_table("claims", claim.assign(place_of_service=pos))
        assert not [f for f in _findings(builder, claim.assign(place_of_service=pos), line) if f.severity == "error"]


def test_current_carc_and_rarc_codes_pass_the_remittance_reader():
    carcs = [c for c, s in carc_statuses().items() if s == "current"]
    rarcs = [c for c, s in rarc_statuses().items() if s == "current"]
    assert len(carcs) > 250 and len(rarcs) > 1000
    assert all(CARC_FORMAT.match(c) for c in carcs)
    assert all(RARC_FORMAT.match(c) for c in rarcs)
    assert {"deactivated"} <= set(carc_statuses().values())


def test_dotted_diagnosis_equals_its_undotted_form(world_and_builder, clean):
    _, builder = world_and_builder
    claim, line = clean
    for undotted, dotted in [("M5450 M1711", "M54.50 M17.11"), ("E119 I10", "e11.9, I10"), ("N390", "N39.0")]:
        a, b = claim.assign(diagnosis_codes=undotted), claim.assign(diagnosis_codes=dotted)
        pd.testing.assert_frame_equal(_features(builder, a, line), _features(builder, b, line))
        assert _findings(builder, a, line) == _findings(builder, b, line)


def test_unseen_codes_get_their_family_features(world_and_builder, clean):
    _, builder = world_and_builder
    claim, line = clean
    cases = {
        # unseen diagnosis -> its category's catalog group, else its chapter's group
        "M542": "msk",  # cervicalgia: category M54 is in the catalog
        "M7989": "msk",  # chapter 13
        "N390": "genitourinary",  # chapter 14, no catalog code
        "C50911": "neoplasm",
        "F419": "mental",
    }
    for code, group in cases.items():
        X = _features(builder, claim.assign(diagnosis_codes=code), line)
        assert X["principal_dx_group"].iloc[0] == group, code
        assert X["inactive_dx"].iloc[0] == 0  # a billable code outside the catalog is active
    procedures = {
        "99231": "cpt_evaluation_management",
        "90832": "cpt_psychiatry",
        "27130": "cpt_surgery_musculoskeletal",
        "72100": "cpt_radiology",
        "J1885": "hcpcs_drugs",
        "E0143": "hcpcs_durable_equipment",
    }
    for code, family in procedures.items():
        assert procedure_family(code) == family
        X = _features(builder, claim, line.assign(procedure_code=code))
        assert X["primary_procedure"].iloc[0] == f"family:{family}", code
        assert X["invalid_modifier"].iloc[0] == 0 and X["line_dx_misfit"].iloc[0] == 0
    # two codes of one family share the value; an invalid code is unknown
    a = _features(builder, claim, line.assign(procedure_code="99232"))["primary_procedure"].iloc[0]
    assert a == "family:cpt_evaluation_management"
    assert pd.isna(_features(builder, claim, line.assign(procedure_code="Z9999"))["primary_procedure"].iloc[0])


def test_icd10_reader_agrees_with_the_library():
    import simple_icd_10_cm as cm

    codes = icd10_codes()
    for code in random.Random(5).sample(sorted(codes), 3000) + ["M545", "M5450", "S83241A", "F32A"]:
        assert codes[code][0] == cm.is_leaf(code), code
        assert codes[code][1] == cm.get_ancestors(code)[-1], code
    assert diagnosis_status("M54.5") == "header" and diagnosis_status("Z9999") == "unknown"
    assert len(codes) > 90_000 and np.mean([leaf for leaf, *_ in codes.values()]) > 0.7
