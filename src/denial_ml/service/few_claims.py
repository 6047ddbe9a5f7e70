"""Explanations of a request's few claims from one-claim feature rows (issue #20: one-claim requests in <= 1.5 ms).

For a request of one claim or a few, the batch feature code (`FeatureBuilder.transform_records`) costs more in
NumPy calls on arrays of one or two values than everything else the request does; `denial_ml.features.one_claim`
builds each claim's row, bit for bit the same, in plain Python, and `one_claim_evidence` answers its slice
evidence from the same lookups. The rest is the batch path's own code: the claim views, the explainer's TreeSHAP
(LightGBM's single-row API for one claim), calibration, categories, sentences and checks, so the response is the
batch path's (tests/code/test_api_few_claims.py compares them byte for byte).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from denial_ml.explain.context import attach_slice_evidence, views_from_records
from denial_ml.explain.explainer import Explainer
from denial_ml.features.arrays import day_number
from denial_ml.features.one_claim import claim_row
from denial_ml.features.one_claim_evidence import OneClaimEvidence
from denial_ml.features.one_claim_slices import ClaimSlices

# Up to this many claims a request takes the one-claim path; past it the batch code's arrays pay off (measured on
# the 50,000-claim world, CPU per claim: 4 claims 1.28 ms vs 1.46 ms in batch, 8 claims 1.09 vs 1.01, load ~10).
FEW_CLAIMS = 6


def claim_evidence(slices: ClaimSlices) -> OneClaimEvidence:
    """The claim's slice evidence in the batch's form (a batch of one claim), from its one-claim lookups."""
    return OneClaimEvidence(slices)


def lines_by_claim(lines: Sequence[dict]) -> dict[object, list[dict]]:
    """Each claim id's line records, in their order."""
    out: dict[object, list[dict]] = {}
    for line in lines:
        out.setdefault(line.get("claim_id"), []).append(line)
    return out


def explain_few(explainer: Explainer, claims: Sequence[dict], lines: Sequence[dict]) -> list[dict]:
    """`Explainer.explain_records` of a few claim records, their rows built one claim at a time.

    Claims whose ids repeat, or without a submission date, go to `explain_records` (the batch path matches lines
    to claims by id, and has its own answer for a claim without a point in time).
    """
    ids = [claim.get("claim_id") for claim in claims]
    days = [day_number(claim.get("submission_date")) for claim in claims]
    if len(set(ids)) != len(ids) or any(day != day for day in days):
        return explainer.explain_records(claims, lines)
    builder = explainer.scorer.builder
    own = lines_by_claim(lines)
    rows, found = [], []
    for claim in claims:
        row, slices = claim_row(builder, claim, own.get(claim.get("claim_id"), []))
        rows.append(row)
        found.append(slices)
    X = np.array(rows, dtype=float).reshape(len(claims), len(builder.feature_names_))
    views = views_from_records(claims, lines, X, builder)
    for view, slices in zip(views, found, strict=True):
        # The explainer's own hand-over, as `explain_records` does it: a view whose lines are the records its row
        # was built from, in that order, reads the slice evidence of that pass; any other looks its own up.
        attach_slice_evidence([view], own.get(view.claim["claim_id"], []), claim_evidence(slices))
    return explainer.explain_views(views, X)  # the explainer's own assembly of the response, as `explain_records`
