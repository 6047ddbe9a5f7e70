"""Sentences of the factors learnt from history slices (explain/slice_sentences.py) and their factor grouping."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from denial_ml.explain.factors import FACTOR_BY_NAME, grouping_matrix
from denial_ml.explain.slice_sentences import (
    MIN_LIFT,
    claim_fix,
    coding_fix,
    describe_slice,
    history_sentence,
    modifier_slices,
    patient_services,
    top_slice,
)
from denial_ml.features.history_features import HISTORY_FEATURES
from denial_ml.features.slice_evidence import SliceEvidence
from denial_ml.features.slices import PATIENT_FEATURES, SLICE_FEATURES
from denial_ml.features.spec import CATEGORICAL, NUMERIC_FEATURES


def _e(kind: str, value: str, rate: float = 0.5, parent: float = 0.1, n: float = 40, denied: float = 30):
    return SliceEvidence(kind, "97110", value, rate, parent, n, denied)


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("mods", "none", "billed without modifiers"),
        ("mods", "59+GP", "billed with modifier 59 and GP"),
        ("mods_pos", "none|02", "billed without modifiers at place of service 02"),
        ("pair", "25|with|20610", "billed (modifier 25) with 20610 on the same claim"),
        ("pair", "none|with|97530", "billed with 97530 on the same claim"),
        ("any_mods_pos", "none|02", "billed without modifiers at place of service 02"),
        ("pos", "22", "at place of service 22"),
        ("age", "age6-17", "for patients aged 6-17"),
        ("age", "age65+", "for patients aged 65+"),
        ("sex", "M", "for patients of sex M"),
        ("dx", "M5450", "with diagnosis M5450"),
        ("units", "u3-4", "billed with 3-4 unit(s)"),
        ("ordinal", "n3", "that were a patient's 3rd of the year"),
        ("ordinal", "n6", "that were a patient's 6th or later of the year"),
    ],
)
def test_describe_slice_names_the_slice(kind, value, text):
    assert describe_slice(_e(kind, value)) == text


def test_history_sentence_gives_the_raw_share_counts_and_the_parent_rate():
    view = SimpleNamespace(payer="MCD01")
    assert history_sentence(view, _e("ordinal", "n3", n=25, denied=22, parent=0.12)) == (
        "MCD01 denied 88% of 97110 lines that were a patient's 3rd of the year (22 of 25 decided before this "
        "claim), against 12% for 97110 at MCD01 overall."
    )
    assert "against 12% for 97110 with these modifiers at any place" in history_sentence(
        view, _e("mods_pos", "none|02", parent=0.12)
    )
    pooled = history_sentence(view, _e("any_pair", "25|with|20610", n=10, denied=9))
    assert pooled.startswith("Payers together denied 90% of 97110 lines billed (modifier 25) with 20610 on the same")


def test_fixes_name_what_to_check():
    view = SimpleNamespace(payer="COM03")
    assert "NCCI edit for 97110 with 97530" in coding_fix(view, _e("pair", "59|with|97530"))
    assert "COM03" in coding_fix(view, _e("mods", "none"))
    assert "on 97110 at place of service 02" in coding_fix(view, _e("any_mods_pos", "none|02"))
    assert "covered diagnoses" in claim_fix(view, _e("dx", "M5450"))
    assert "unit limit" in claim_fix(view, _e("units", "u9+"))
    assert "place of service 22" in claim_fix(view, _e("pos", "22"))
    assert "age" in claim_fix(view, _e("age", "age<6"))


def _view(evidence: list[SliceEvidence], counts: dict | None = None, lines: list | None = None):
    return SimpleNamespace(
        payer="MCD01",
        slice_evidence=lambda: (evidence, counts or {}),
        cache={},
        lines=lines or [],
    )


def test_top_slice_takes_the_largest_lift_of_the_kinds_asked_and_ignores_small_ones():
    small = _e("pos", "11", rate=0.1 + MIN_LIFT / 2)
    big = _e("age", "age6-17", rate=0.6)
    coding = _e("mods", "none", rate=0.9)
    assert top_slice(_view([small, big, coding]), ("pos", "age")) is big
    assert top_slice(_view([small]), ("pos",)) is None
    assert top_slice(_view([_e("age", "age?", rate=0.9, n=0, denied=0)]), ("age",)) is None  # no history


def test_pooled_coding_slice_adds_what_the_claims_payer_did_in_the_same_slice():
    pooled = _e("any_mods_pos", "none|02", rate=0.7, parent=0.1, n=40, denied=30)
    own = _e("mods_pos", "none|02", rate=0.6, parent=0.5, n=10, denied=8)
    other = _e("mods_pos", "95|02", rate=0.1, parent=0.5, n=10, denied=1)
    sentence, _ = modifier_slices(_view([pooled, own, other]))
    assert sentence.startswith("Payers together denied 75% of 97110 lines billed without modifiers at place of")
    assert sentence.endswith("any place of service. MCD01 alone: 80% of 10 decided.")
    sentence, _ = modifier_slices(_view([pooled, other]))
    assert sentence.endswith("any place of service.")  # the payer never billed it so: nothing to add


def test_patient_services_names_a_family_visit_rank_in_365_days():
    e = SliceEvidence("family_365", "80061", "n2", 0.8, 0.1, 20, 17)
    sentence, fix = patient_services(_view([e]))
    assert sentence.startswith(
        "This 80061 line is on the patient's 2nd visit with pathology laboratory services in 365 days billed to "
        "MCD01; MCD01 denied 85% of 80061 lines that were a patient's 2nd visit with pathology laboratory"
    )
    assert "remaining MCD01 benefit for 80061 in the last 12 months" in fix


def test_patient_services_names_the_visit_rank_and_the_payers_record():
    view = _view([_e("ordinal", "n3", rate=0.8, parent=0.1, n=25, denied=22)])
    sentence, fix = patient_services(view)
    assert sentence.startswith("This is the patient's 3rd 97110 line billed to MCD01 this year; MCD01 denied 88%")
    assert "remaining MCD01 benefit for 97110" in fix


def test_patient_services_without_a_telling_rank_gives_the_counts():
    counts = {
        "pat_proc_year_n": np.array([0.0, 2.0]),
        "pat_proc_365_n": np.array([0.0, 3.0]),
        "pat_proc_days_since": np.array([np.nan, 28.0]),
        "pat_proc_denials": np.array([0.0, 1.0]),
    }
    view = _view([], counts, [{"procedure_code": "99213"}, {"procedure_code": "97110"}])
    sentence, _ = patient_services(view)
    assert sentence == (
        "The patient had 2 earlier 97110 line(s) billed to MCD01 this year (3 in the last 365 days, the last 28 "
        "days before this submission); 1 earlier 97110 line(s) of this patient with MCD01 were denied."
    )


def test_every_feature_has_one_factor():
    names = list(CATEGORICAL) + NUMERIC_FEATURES + HISTORY_FEATURES + SLICE_FEATURES + PATIENT_FEATURES
    G = grouping_matrix(names)
    assert (G.sum(axis=1) == 1).all()
    assert set(FACTOR_BY_NAME["modifiers"].features) >= {"slice_mods_lift", "slice_mods_pos_lift", "slice_pair_lift"}
    assert "slice_ordinal_lift" in FACTOR_BY_NAME["patient_service_history"].features
    for mirror in ("missing_25", "therapy_without_gp", "telehealth_without_modifier", "mod59_on_97140"):
        assert mirror not in names
