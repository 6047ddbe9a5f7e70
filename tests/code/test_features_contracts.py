"""The feature pipeline's typed contracts: a missing, misspelt or misshapen field fails loudly, naming it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from denial_ml.features.arrays import ClaimArrays, LineArrays, claim_arrays_from_records, line_arrays_from_records
from denial_ml.features.keys import batch_lines, claim_keys
from denial_ml.features.line_features import CodeFlags, code_flags
from denial_ml.features.lookup import Keys, encode

CLAIM = {
    "claim_id": "C1",
    "payer_id": "COM01",
    "patient_id": "P1",
    "member_id": "M1",
    "rendering_provider_npi": "1234567890",
    "claim_type": "837P",
    "place_of_service": "11",
    "eligibility_status": "active",
    "claim_frequency_code": "1",
    "prior_auth_number": None,
    "service_date_from": "2025-01-02",
    "submission_date": "2025-01-05",
    "eligibility_check_date": None,
    "diagnosis_codes": "M545 I10",
    "eligibility_checked": False,
    "total_charge": 120.0,
}
LINES = [
    {"claim_id": "C1", "procedure_code": "97110", "units": 2, "diagnosis_pointers": "1", "service_date": "2025-01-02"},
    {"claim_id": "OTHER", "procedure_code": "97140", "units": 1, "diagnosis_pointers": "", "service_date": None},
]


def test_claim_arrays_name_a_missing_field():
    fields = dataclasses.asdict(claim_arrays_from_records([CLAIM]))
    del fields["charge"]
    with pytest.raises(TypeError, match="charge"):
        ClaimArrays(**fields)


def test_claim_arrays_name_a_field_of_the_wrong_length():
    fields = dataclasses.asdict(claim_arrays_from_records([CLAIM]))
    fields["submit_day"] = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"ClaimArrays\.submit_day has 2 values, not 1"):
        ClaimArrays(**fields)


def test_a_misspelt_field_is_an_attribute_error_and_fields_are_frozen():
    a = claim_arrays_from_records([CLAIM])
    with pytest.raises(AttributeError, match="payer_id"):
        _ = a.payer_id  # type: ignore[attr-defined]  # the field is `payer`
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.payer = np.array(["X"], dtype=object)  # type: ignore[misc]


def test_line_arrays_name_a_missing_field():
    fields = dataclasses.asdict(line_arrays_from_records(LINES))
    del fields["pointers"]
    with pytest.raises(TypeError, match="pointers"):
        LineArrays(**fields)


def test_batch_lines_keep_only_the_batch_claims_lines():
    lines = batch_lines(claim_arrays_from_records([CLAIM]), line_arrays_from_records(LINES))
    assert lines.claim.tolist() == [0] and lines.code.tolist() == ["97110"] and lines.mods.shape == (1, 4)


def test_claim_keys_are_named_keys():
    keys = claim_keys(claim_arrays_from_records([CLAIM]))
    assert isinstance(keys.payer, Keys) and keys.payer.distinct[keys.payer.position].tolist() == ["COM01"]
    assert keys.patient_payer.distinct.tolist() == ["P1|COM01"]
    assert keys.dx.lists[keys.dx.row[0]] == ["M545", "I10"]


def test_encode_gives_named_keys():
    keys = encode(np.array(["a", "b", "a"], dtype=object))
    assert keys.distinct[keys.position].tolist() == ["a", "b", "a"]


def test_code_flags_take_keeps_every_flag():
    flags = code_flags(np.array(["97140", "99213"], dtype=object), np.array([["59", "", "", ""], ["", "", "", ""]]))
    taken = flags.take(np.array([1, 0, 0]))
    assert isinstance(taken, CodeFlags)
    assert taken.has_mod_59.tolist() == [False, True, True] and taken.is_em.tolist() == [True, False, False]


def test_feature_builder_keeps_the_estimator_contract():
    from sklearn.base import clone

    from denial_ml.features.build import FeatureBuilder

    builder = FeatureBuilder(smoothing=5.0)
    assert builder.get_params() == {"recent_days": 90, "smoothing": 5.0}
    assert clone(builder).get_params() == builder.get_params()
    assert not [name for name in vars(builder) if name.endswith("_")]  # nothing fitted before `fit`
