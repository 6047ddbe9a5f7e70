"""Requests of a few claims (`service.few_claims`, the one-claim feature path) answer exactly as the batch path:
the same JSON, byte for byte, for one-claim and few-claim requests and what-ifs."""

from __future__ import annotations

import copy

import pytest

from denial_ml.service import scoring
from denial_ml.service.schemas import ClaimEdits, ClaimIn
from denial_ml.service.scoring import score_claims, what_if
from denial_ml.service.serving import serve_scorer
from denial_ml.service.testing import world_claims
from denial_ml.service.validation import claims_payload

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


def payloads(world: dict) -> list[dict]:
    """The world's claims (some institutional) and variants: unseen patient, missing fields, lines out of order,
    other modifiers and pointers, another claim's authorization."""
    claims = world["claims"]
    institutional = claims[claims["claim_type"] == "837I"].sample(n=6, random_state=2)
    lines = world["claim_lines"]
    out = world_claims(world, 30, seed=4) + claims_payload(
        institutional, lines[lines["claim_id"].isin(institutional["claim_id"])]
    )
    auths = world["authorizations"]["auth_number"].tolist()
    variants = []
    for k, claim in enumerate(out[:18]):
        v = copy.deepcopy(claim)
        v["claim_id"] += "-v"
        if k % 3 == 0:
            v.update(patient_id=f"PNEW{k}", member_id=None, rendering_provider_npi=None)
        if k % 3 == 1:
            v.update(eligibility_check_date=None, prior_auth_number=auths[k], eligibility_checked=False)
        if v["claim_type"] == "837P":
            for i, line in enumerate(v["lines"]):
                line["modifiers"] = [["25"], ["59", "GP"], [], ["XU"]][(k + i) % 4]
                line["diagnosis_pointers"] = [None, [2, 1], [1], [4]][(k + i) % 4]
        v["lines"] = v["lines"][::-1]
        variants.append(v)
    return out + variants


def test_few_claim_requests_answer_as_the_batch_path(trained, small_world, monkeypatch):
    result, scorer = trained
    served = serve_scorer(scorer, result.bundle, "test")
    claims = payloads(small_world)
    requests = [[c] for c in claims] + [claims[i : i + 3] for i in range(0, len(claims), 3)]
    edits = ClaimEdits.model_validate({"prior_auth_number": "AUTH00000001"})
    claim = ClaimIn.model_validate(claims[0])

    def answers() -> list[str]:
        scored = [score_claims(served, request).model_dump_json() for request in requests]
        return [*scored, what_if(served, claim, edits).model_dump_json()]

    few = answers()
    monkeypatch.setattr(scoring, "FEW_CLAIMS", 0)  # every request through `Explainer.explain_records`
    batch = answers()
    assert len(few) == len(batch) == len(requests) + 1
    for got, expected in zip(few, batch, strict=True):
        assert got == expected
    assert any('"factors":[{' in answer for answer in few)  # the answers explain something
