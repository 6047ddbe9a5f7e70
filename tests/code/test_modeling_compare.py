"""Champion/challenger comparison: weighted metrics against sklearn, paired bootstrap, the decision rule."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from denial_ml.modeling.compare import bootstrap_blocks, compare_scores, decide, format_comparison, weighted_metrics
from denial_ml.modeling.evaluate import expected_calibration_error
from denial_ml.triage.evaluate import recovered_at


@pytest.fixture(scope="module")
def claims():
    rng = np.random.default_rng(3)
    n = 3000
    # A calibrated model: the score is the denial probability (rounded: ties must count as sklearn counts them).
    p = np.round(1 / (1 + np.exp(-(rng.normal(-2.2, 1.2, n)))), 2)
    y = (rng.random(n) < p).astype(int)
    dollars = np.where(y == 1, np.round(rng.gamma(2.0, 250.0, n), 2), 0.0)
    return y, p, dollars, rng


def test_a_row_of_ones_gives_the_sample_metrics(claims) -> None:
    y, p, dollars, _ = claims
    m = weighted_metrics(y, p, dollars, np.ones((1, len(y))))
    assert m["roc_auc"][0] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert m["pr_auc"][0] == pytest.approx(average_precision_score(y, p), abs=1e-12)
    assert m["ece"][0] == pytest.approx(expected_calibration_error(y, p), abs=1e-12)
    assert m["denied_dollars_at_20pct"][0] == pytest.approx(recovered_at(p, dollars, 0.2), rel=1e-12)


def test_count_weights_equal_repeated_rows(claims) -> None:
    y, p, dollars, rng = claims
    w = rng.integers(0, 3, len(y))
    rows = np.repeat(np.arange(len(y)), w)
    m = weighted_metrics(y, p, dollars, w[None, :].astype(float))
    assert m["roc_auc"][0] == pytest.approx(roc_auc_score(y[rows], p[rows]), abs=1e-12)
    assert m["pr_auc"][0] == pytest.approx(average_precision_score(y[rows], p[rows]), abs=1e-12)
    assert m["ece"][0] == pytest.approx(expected_calibration_error(y[rows], p[rows]), abs=1e-12)


def test_bootstrap_blocks_draw_n_claims_per_resample() -> None:
    blocks = list(bootstrap_blocks(n=50, resamples=7, seed=1))
    counts = np.vstack(blocks)
    assert counts.shape == (7, 50)
    assert (counts.sum(axis=1) == 50).all()
    again = np.vstack(list(bootstrap_blocks(n=50, resamples=7, seed=1)))
    assert (counts == again).all()


def test_identical_models_differ_by_exactly_zero_and_are_not_worse(claims) -> None:
    y, p, dollars, _ = claims
    result = compare_scores(y, p, p.copy(), dollars, resamples=60, seed=0)
    for m in result.metrics.values():
        assert (m.difference, m.difference_low, m.difference_high) == (0.0, 0.0, 0.0)
        assert not m.worse and not m.better
    assert decide(result).promote


def test_a_noisier_challenger_is_worse_beyond_the_interval(claims) -> None:
    y, p, dollars, rng = claims
    worse = np.clip(p + rng.normal(0, 0.25, len(p)), 0, 1)
    result = compare_scores(y, p, worse, dollars, resamples=120, seed=0)
    auc = result.metrics["roc_auc"]
    assert auc.difference < 0 and auc.difference_high < 0 and auc.worse
    assert auc.champion_low <= auc.champion <= auc.champion_high
    decision = decide(result)
    assert not decision.promote
    assert any(r.startswith("challenger is worse on roc_auc") for r in decision.reasons)
    text = format_comparison(result, "v1", "v2")
    assert "roc_auc" in text and "worse" in text and "3,000 decided claims" in text


def test_a_better_challenger_is_promoted_with_its_reasons(claims) -> None:
    y, p, dollars, rng = claims
    worse = np.clip(p + rng.normal(0, 0.25, len(p)), 0, 1)
    decision = decide(compare_scores(y, worse, p, dollars, resamples=120, seed=0))
    assert decision.promote
    assert any("better on roc_auc" in r for r in decision.reasons)


def test_intervals_follow_the_seed(claims) -> None:
    y, p, dollars, rng = claims
    other = np.clip(p + rng.normal(0, 0.05, len(p)), 0, 1)
    a = compare_scores(y, p, other, dollars, resamples=40, seed=5).metrics["pr_auc"]
    b = compare_scores(y, p, other, dollars, resamples=40, seed=5).metrics["pr_auc"]
    c = compare_scores(y, p, other, dollars, resamples=40, seed=6).metrics["pr_auc"]
    assert (a.difference_low, a.difference_high) == (b.difference_low, b.difference_high)
    assert (a.difference_low, a.difference_high) != (c.difference_low, c.difference_high)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        compare_scores(np.array([0, 1]), np.array([0.1, 0.9]), np.array([0.2]), np.zeros(2))
    with pytest.raises(ValueError, match="both denied and paid claims"):
        compare_scores(np.zeros(4), np.full(4, 0.1), np.full(4, 0.2), np.zeros(4))
