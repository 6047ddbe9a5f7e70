"""The one calibration of every model: Platt on the logit (or isotonic), as JSON, with one logit clip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from denial_ml.artifacts.calibration import LOGIT_CLIP, Calibration, fit_calibration, logit
from denial_ml.modeling import train as denial_train
from denial_ml.triage import model as triage_model


@pytest.fixture(scope="module")
def scores() -> tuple[np.ndarray, np.ndarray]:
    """Raw scores that are too confident: the outcome rate is the square of the score."""
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.02, 0.98, 4000)
    return raw, rng.random(4000) < raw**2


@pytest.mark.parametrize("kind", ["platt", "isotonic"])
def test_calibration_round_trips_through_json(scores, kind) -> None:
    raw, y = scores
    cal = fit_calibration(raw, y, kind=kind)
    again = Calibration.from_json(json.loads(json.dumps(cal.to_json())))
    assert again == cal and again.to_json()["kind"] == kind
    np.testing.assert_array_equal(again.apply(raw), cal.apply(raw))
    assert abs(cal.apply(raw).mean() - y.mean()) < 0.02


def test_platt_json_holds_only_its_two_coefficients(scores) -> None:
    cal = fit_calibration(*scores)
    assert set(cal.to_json()) == {"kind", "a", "b"}


def test_platt_is_strictly_increasing_and_isotonic_never_decreases(scores) -> None:
    grid = np.linspace(0, 1, 501)
    platt = fit_calibration(*scores).apply(grid)
    assert np.all(np.diff(platt[1:-1]) > 0)  # ranking kept (only the clipped ends may tie)
    iso = fit_calibration(*scores, kind="isotonic").apply(grid)
    assert np.all(np.diff(iso) >= 0) and iso.min() >= 0 and iso.max() <= 1


def test_one_logit_clip_keeps_certain_scores_finite() -> None:
    z = logit(np.array([0.0, LOGIT_CLIP, 0.5, 1 - LOGIT_CLIP, 1.0]))
    assert np.isfinite(z).all() and z[0] == z[1] and z[2] == 0 and z[3] == z[4]
    assert z[4] == pytest.approx(-z[0])  # 1 - clip is not exact in floating point
    assert np.isfinite(Calibration("platt", a=2.0, b=1.0).apply(np.array([0.0, 1.0]))).all()


def test_weights_change_the_fit(scores) -> None:
    raw, y = scores
    weight = np.where(y, 3.0, 1.0)
    assert fit_calibration(raw, y, weight).apply(raw).mean() > fit_calibration(raw, y).apply(raw).mean()


def test_both_models_use_the_one_calibration() -> None:
    assert denial_train.Calibration is triage_model.Calibration is Calibration
    assert denial_train.fit_calibration is fit_calibration


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"kind": "magic"}, "unknown kind 'magic'"),
        ({"method": "platt", "x": [1.0, 0.0], "y": []}, "unknown kind None"),  # the triage layout before format 2
        ({"kind": "platt", "a": 1.0}, "platt needs numbers 'a' and 'b'"),
        ({"kind": "isotonic", "x": [0.5, 0.1], "y": [0.1, 0.2]}, "must be ascending"),
        ({"kind": "isotonic", "x": [0.1], "y": []}, "same, non-zero length"),
    ],
)
def test_bad_calibration_json_is_refused(data, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        Calibration.from_json(data)


def test_unknown_kind_cannot_be_fitted(scores) -> None:
    with pytest.raises(ValueError, match="unknown calibration kind 'beta'"):
        fit_calibration(*scores, kind="beta")
