"""The one-claim explanation (`explain.one_claim`) is the batch assembly's answer for the same claim, value for
value; its rankings in plain Python agree with NumPy's, and hand ties and NaN back to NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from denial_ml.domain.denials import CATEGORIES
from denial_ml.explain import explainer as explainer_module
from denial_ml.explain.context import views_from_records
from denial_ml.explain.explainer import Contributions, Explainer
from denial_ml.explain.factors import top_factors
from denial_ml.explain.one_claim import explain_one, likely_category, raising_factors
from denial_ml.service.testing import world_claims
from denial_ml.service.validation import check_claims, claim_records, line_records


def _numpy_reasons(factors: list[float], k: int) -> list[int]:
    top = top_factors(np.array([factors]), k)[0].tolist()
    return [j for j in top if factors[j] > 0]


@pytest.mark.parametrize(
    "factors",
    [
        [0.3, -0.1, 0.5, 0.0, 0.2, 0.1],
        [0.0, 0.0, 0.0, 0.0],
        [-0.2, -0.1, 0.0, 0.05],
        [0.1, 0.2, 0.2, 0.3, 0.05],  # equal contributions: NumPy's order
        [0.4, 0.1, 0.1, 0.1],  # equal at the k-th place
        [0.1, float("nan"), 0.3, 0.2],
        [0.5],
    ],
)
def test_the_factors_that_raise_the_risk_are_numpys(factors):
    for k in (1, 3, 8):
        assert raising_factors(factors, k) == _numpy_reasons(factors, k)


def test_the_likely_category_is_numpys_argmax():
    rng = np.random.default_rng(2)
    rows = [rng.random(len(CATEGORIES)).tolist() for _ in range(50)]
    rows += [[0.1] * len(CATEGORIES), [0.2, float("nan"), *[0.1] * (len(CATEGORIES) - 2)]]
    for row in rows:
        assert likely_category(row) == CATEGORIES[int(np.argmax(row))]


def _row_by_row(C: np.ndarray, G: np.ndarray) -> Contributions:
    # BLAS sums a matrix of rows in another order than a row alone: the service's one-claim answers have always
    # been a row's own sums, so the batch's are taken row by row here.
    per_feature = C[:, :-1]
    factors = np.vstack([row[None, :] @ G for row in per_feature])
    return Contributions(base=C[:, -1], factors=factors, raw=C.sum(axis=1), features=per_feature)


@pytest.mark.slow
def test_one_claim_explanations_are_the_batch_assemblys(trained, small_world, monkeypatch):
    monkeypatch.setattr(explainer_module, "grouped_contributions", _row_by_row)
    _, scorer = trained
    explainer = Explainer(scorer)
    builder = scorer.builder
    payers = frozenset(builder.categories_["payer_id"])
    claims = check_claims(world_claims(small_world, 80, seed=6), payers).valid
    records, lines = claim_records(claims), line_records(claims)
    X, _ = builder.transform_records_with_slices(records, lines)
    batch = explainer.explain_views(views_from_records(records, lines, X, builder), X)  # the batch assembly
    assert len(batch) == len(claims) > 1
    for i, expected in enumerate(batch):
        (view,) = views_from_records(records[i : i + 1], lines, X[i : i + 1], builder)
        assert explain_one(explainer, view, X[i : i + 1]) == expected
    assert any(e["factors"] for e in batch) and any(e["findings"] for e in batch)
