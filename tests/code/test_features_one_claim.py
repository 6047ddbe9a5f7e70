"""The one-claim feature path (`features.one_claim`) gives the batch path's rows bit for bit, and the same slice
evidence, claim by claim: the world's own claims and variants that reach every branch (unseen payers, providers
and patients, missing fields, institutional claims, revenue-code lines, odd pointers and modifiers,
authorizations found, expired or for other codes, lines out of order, no lines)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.synthetic.world import generate_world
from denial_ml.explain.slice_sentences import CLAIM_KINDS, CODING_KINDS, OWN_KIND
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.one_claim import claim_row
from denial_ml.features.slice_evidence import BatchEvidence, SliceEvidence
from denial_ml.features.slice_keys import RANK_KINDS, SLICE_KINDS
from denial_ml.service.few_claims import claim_evidence, explain_few, lines_by_claim


@pytest.fixture(scope="module")
def world() -> dict:
    return generate_world(3000, seed=3)


@pytest.fixture(scope="module")
def builder(world) -> FeatureBuilder:
    return FeatureBuilder().fit(world)


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _variant(claim: dict, lines: list[dict], suffix: str, **changes) -> tuple[dict, list[dict]]:
    """A copy of the claim (new id) with header `changes`; `lines` already changed as wanted."""
    new_id = f"{claim['claim_id']}-{suffix}"
    return {**claim, **changes, "claim_id": new_id}, [{**line, "claim_id": new_id} for line in lines]


def variants(world: dict, claims: list[dict], by_claim: dict) -> list[tuple[dict, list[dict]]]:
    """Claims that reach the branches the world's own claims rarely do."""
    auths = world["authorizations"]
    out = []
    for k, claim in enumerate(claims):
        lines = by_claim.get(claim["claim_id"], [])
        first = lines[:1]
        auth = auths.iloc[k % len(auths)]
        out += [
            _variant(claim, lines, "payer", payer_id="ZZZ99"),
            _variant(claim, lines, "prov", rendering_provider_npi=None if k % 2 else "1999999999"),
            _variant(claim, lines, "pat", patient_id=f"PNEW{k}", member_id=None),
            _variant(
                claim,
                lines,
                "missing",
                eligibility_check_date=None,
                eligibility_status=None,
                claim_frequency_code=None,
                place_of_service=None,
                total_charge=None,
                diagnosis_codes=["", None, "m54.50 E11.9"][k % 3],
            ),
            _variant(claim, lines[::-1], "reversed"),
            _variant(claim, [], "nolines"),
            _variant(claim, lines, "inst", claim_type="837I"),
            _variant(claim, lines, "auth", prior_auth_number=auth["auth_number"]),
            _variant(claim, lines, "noauth", prior_auth_number="AUTH-NOT-ON-FILE"),
            _variant(
                claim,
                [
                    *lines,
                    {**first[0], "line_number": 7, "procedure_code": None, "revenue_code": "0250"} if first else {},
                    {**first[0], "line_number": 8, "procedure_code": None, "revenue_code": None} if first else {},
                ][: len(lines) + 2 * bool(first)],
                "revenue",
            ),
            _variant(
                claim,
                [
                    {
                        **line,
                        "diagnosis_pointers": [None, "9", "2 1", "x"][(k + i) % 4],
                        "modifier_1": ["25", "59", "XU", "ZZ"][(k + i) % 4],
                        "modifier_2": ["GP", None, "25", "59"][(k + i) % 4],
                        "units": [1, 99, None, 4][(k + i) % 4] if k % 5 else line["units"],
                        "service_date": None if (k + i) % 7 == 3 else line["service_date"],
                    }
                    for i, line in enumerate(lines)
                ],
                "lines",
            ),
        ]
    return out


def test_one_claim_rows_and_evidence_are_the_batch_paths(world, builder):
    claims_frame = world["claims"].sort_values("submission_date")
    picked = pd.concat([claims_frame.iloc[200::37], claims_frame[claims_frame["claim_type"] == "837I"].iloc[::5]])
    claims = _records(picked)
    lines = _records(world["claim_lines"][world["claim_lines"]["claim_id"].isin(picked["claim_id"])])
    by_claim = lines_by_claim(lines)
    everything = [(c, by_claim.get(c["claim_id"], [])) for c in claims] + variants(world, claims[:40], by_claim)
    all_claims = [c for c, _ in everything]
    all_lines = [line for _, own in everything for line in own]
    X, found = builder.transform_records_with_slices(all_claims, all_lines)
    evidence = BatchEvidence(found, len(all_claims))
    names = builder.feature_names_
    for i, (claim, own) in enumerate(everything):
        row, slices = claim_row(builder, claim, own)
        assert len(row) == len(names)
        mismatched = [n for n, a, b in zip(names, row, X[i], strict=True) if not (a == b or (a != a and b != b))]
        assert mismatched == [], claim["claim_id"]
        items, counts = claim_evidence(slices).of_claim(0)
        expected_items, expected_counts = evidence.of_claim(i)
        assert items == expected_items, claim["claim_id"]
        assert list(counts) == list(expected_counts)
        for name, values in counts.items():
            np.testing.assert_array_equal(values, expected_counts[name])
        one = claim_evidence(slices)
        for kinds in (CLAIM_KINDS, CODING_KINDS, RANK_KINDS, *((kind,) for kind in SLICE_KINDS)):
            assert one.top(0, kinds) == evidence.top(i, kinds), (claim["claim_id"], kinds)
        for e in [*expected_items, SliceEvidence("pair", "?", "?", 0.0, 0.0, 0.0, 0.0)]:
            for kind in (e.kind, OWN_KIND.get(e.kind), "nonesuch"):
                assert one.find(0, kind, e.code, e.value) == evidence.find(i, kind, e.code, e.value), claim["claim_id"]
    # The claims reached what they were made for.
    frame = pd.DataFrame(X, columns=names)
    for name in ("dup_earlier_claims", "auth_found", "auth_code_mismatch", "auth_expired", "line_dx_misfit"):
        assert frame[name].gt(0).any(), name
    for name in ("coverage_on_file", "hist_payer_proc_rate", "patient_age", "log_total_charge", "payer_type"):
        assert frame[name].isna().any() and frame[name].notna().any(), name
    assert frame["pat_proc_year_n"].gt(0).any() and frame["slice_pair_lift"].abs().gt(0).any()
    assert frame["n_lines"].eq(0).any() and frame["n_lines"].ge(3).any()


def test_a_claim_without_a_submission_date_is_refused(world, builder):
    claim = _records(world["claims"].iloc[:1])[0]
    with pytest.raises(ValueError, match="submission date"):
        claim_row(builder, {**claim, "submission_date": None}, [])


def test_few_claims_leave_repeated_ids_and_undated_claims_to_the_batch_path(world):
    class Batch:  # stands for the explainer: its `explain_records` is the batch path
        def explain_records(self, claims, lines):
            return ["batch"]

    claim = _records(world["claims"].iloc[:1])[0]
    assert explain_few(Batch(), [claim, claim], []) == ["batch"]
    assert explain_few(Batch(), [{**claim, "submission_date": None}], []) == ["batch"]
