"""One probability calibration for every model: Platt scaling on the logit, or isotonic breakpoints.

The variant is data (`kind` in calibration.json), not a separate class, so both models read and write the same
JSON and share one logit clip. Platt is strictly increasing and keeps a model's ranking; isotonic steps may tie
scores, which is why neither trained model uses it by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

# Raw scores are clipped to [LOGIT_CLIP, 1 - LOGIT_CLIP] before the logit, so a score of exactly 0 or 1 maps to
# a finite value. 1e-7 was the denial-risk model's clip, 1e-6 the triage model's; 1e-7 is kept so the headline
# model is untouched, and moving triage to it changed no figure (30,000-claim seed-11 world: both metrics.json
# and both calibration coefficients byte-identical before and after).
LOGIT_CLIP = 1e-7
KINDS = ("platt", "isotonic")
# C so large the fit is effectively unregularised: two parameters need no shrinkage, and the earlier
# calibrators of both models used it (max_iter only stops LBFGS sooner; it converges in far fewer steps).
_PLATT_C = 1e6
_PLATT_MAX_ITER = 1000


@dataclass(frozen=True)
class Calibration:
    """Map from a model's raw probability to a calibrated one.

    "platt": p = sigmoid(a * logit(raw) + b); "isotonic": breakpoints `x` ascending, `y` non-decreasing,
    applied by linear interpolation (clamped at the ends).
    """

    kind: str = "platt"
    a: float = 1.0
    b: float = 0.0
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw scores.

        Args:
            raw: Raw model probabilities in [0, 1].

        Returns:
            Probabilities, same shape as `raw`.
        """
        raw = np.asarray(raw, dtype=float)
        if self.kind == "platt":
            return 1.0 / (1.0 + np.exp(-(self.a * logit(raw) + self.b)))
        return np.interp(raw, self.x, self.y)

    def to_json(self) -> dict[str, Any]:
        """The kind and its parameters as plain JSON values (only those the kind uses)."""
        if self.kind == "platt":
            return {"kind": "platt", "a": self.a, "b": self.b}
        return {"kind": self.kind, "x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        """Read what `to_json` wrote.

        Raises:
            ValueError: naming the problem (unknown kind, missing coefficients, breakpoints out of order).
        """
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"calibration.json: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if kind == "platt":
            return _platt_from_json(data)
        return _isotonic_from_json(data)


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)) with p clipped to [LOGIT_CLIP, 1 - LOGIT_CLIP]."""
    q = np.clip(np.asarray(p, dtype=float), LOGIT_CLIP, 1 - LOGIT_CLIP)
    return np.log(q / (1 - q))


def fit_calibration(
    raw: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, kind: str = "platt"
) -> Calibration:
    """Fit a calibration on held-out outcomes (rows the model neither trained nor stopped on).

    Args:
        raw: The model's raw probabilities.
        y: Outcomes, 0/1.
        weight: Optional row weights (the triage model's inverse-propensity weights).
        kind: "platt" or "isotonic".

    Returns:
        The fitted calibration.

    Raises:
        ValueError: for an unknown kind.
    """
    raw = np.asarray(raw, dtype=float)
    if kind == "platt":
        model = LogisticRegression(C=_PLATT_C, max_iter=_PLATT_MAX_ITER)
        model.fit(logit(raw).reshape(-1, 1), np.asarray(y, dtype=float), sample_weight=weight)
        return Calibration("platt", a=float(model.coef_[0, 0]), b=float(model.intercept_[0]))
    if kind == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(raw, np.asarray(y, dtype=float), sample_weight=weight)
        return Calibration("isotonic", x=_floats(iso.X_thresholds_), y=_floats(iso.y_thresholds_))
    raise ValueError(f"unknown calibration kind {kind!r}; expected one of {', '.join(KINDS)}")


def _platt_from_json(data: Mapping[str, Any]) -> Calibration:
    try:
        return Calibration("platt", a=float(data["a"]), b=float(data["b"]))
    except (KeyError, TypeError, ValueError):
        raise ValueError("calibration.json: platt needs numbers 'a' and 'b'") from None


def _isotonic_from_json(data: Mapping[str, Any]) -> Calibration:
    x, y = data.get("x"), data.get("y")
    if not isinstance(x, list) or not isinstance(y, list) or not x or len(x) != len(y):
        raise ValueError("calibration.json: isotonic needs lists 'x' and 'y' of the same, non-zero length")
    if np.any(np.diff(np.asarray(x, dtype=float)) < 0):
        raise ValueError("calibration.json: isotonic 'x' must be ascending")
    return Calibration("isotonic", x=_floats(x), y=_floats(y))


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
