"""The service's path (dicts straight to the feature matrix, no DataFrame) gives exactly the batch path's results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.explain.explainer import Explainer
from denial_ml.service.validation import check_claims, claim_records, claims_payload, line_records

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("model")]


def _as_records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _batch(world: dict, n: int = 400) -> tuple[pd.DataFrame, pd.DataFrame]:
    claims = world["claims"].tail(n).reset_index(drop=True)
    return claims, world["claim_lines"][world["claim_lines"]["claim_id"].isin(claims["claim_id"])]


def test_records_build_the_same_feature_matrix_as_frames(trained, small_world):
    builder = trained[1].builder
    claims, lines = _batch(small_world)
    X = builder.transform_array(claims, lines)
    got = builder.transform_records(_as_records(claims), _as_records(lines))
    assert got.shape == (len(claims), len(builder.feature_names_))
    np.testing.assert_array_equal(got, X)


def test_records_give_the_same_explanations_as_frames(trained, small_world):
    explainer = Explainer(trained[1])
    claims, lines = _batch(small_world, 150)
    assert explainer.explain_records(_as_records(claims), _as_records(lines)) == explainer.explain(claims, lines)


def test_api_claims_reach_the_batch_rows_features(trained, small_world):
    """JSON claims (dates parsed to `datetime.date`, lists for codes) -> the same rows as the world's tables."""
    builder = trained[1].builder
    claims, lines = _batch(small_world, 200)
    checked = check_claims(claims_payload(claims, lines), set(small_world["payers"]["payer_id"]))
    assert len(checked.valid) == 200
    got = builder.transform_records(claim_records(checked.valid), line_records(checked.valid))
    np.testing.assert_array_equal(got, builder.transform_array(claims, lines))


def test_missing_header_values_in_records_read_as_missing(trained, small_world):
    builder = trained[1].builder
    claims, lines = _batch(small_world, 3)
    recs, lrecs = _as_records(claims), _as_records(lines)
    recs[0]["eligibility_check_date"] = None
    recs[0]["rendering_provider_npi"] = None
    X = builder.transform_records(recs, lrecs)
    names = builder.feature_names_
    assert np.isnan(X[0, names.index("eligibility_check_gap")])
    assert X[0, names.index("missing_rendering_npi")] == 1.0
