"""LightGBM predictions of one row through its single-row C API (`LGBM_BoosterPredictForMatSingleRowFast`).

`Booster.predict` of one row builds a predictor object, checks and converts its input and parses its parameters
on every call: for the service's one-claim requests that costs as much as the trees (issue #20). The single-row
API keeps one predictor and its parameters per booster and prediction type and runs the same tree code, so the
values are `Booster.predict`'s own (tests/code/test_single_row.py compares them bit for bit).
"""

from __future__ import annotations

import ctypes
import threading
import weakref

import lightgbm as lgb
import numpy as np
from lightgbm.basic import _LIB, _safe_call

NORMAL, CONTRIB = 0, 3  # LightGBM's C_API_PREDICT_NORMAL and C_API_PREDICT_CONTRIB
_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_DOUBLE_P = ctypes.POINTER(ctypes.c_double)


class SingleRowPredictor:
    """`booster.predict(X, num_threads=1)` (or with `pred_contrib=True`) for one float64 row at a time.

    Args:
        booster: The model; kept alive as long as this predictor.
        kind: `NORMAL` (probabilities, as `predict`) or `CONTRIB` (SHAP values, as `predict(pred_contrib=True)`).
    """

    def __init__(self, booster: lgb.Booster, kind: int) -> None:
        self.booster = booster
        self.n_features = booster.num_feature()
        per_class = booster.num_model_per_iteration()
        self.n_out = per_class * (self.n_features + 1) if kind == CONTRIB else per_class
        handle = ctypes.c_void_p()
        # The iterations `Booster.predict` uses when none is given: the best one when training kept one, else all.
        _safe_call(
            _LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
                booster._handle,
                ctypes.c_int(kind),
                ctypes.c_int(0),
                ctypes.c_int(booster.best_iteration),
                ctypes.c_int(_FLOAT64),
                ctypes.c_int32(self.n_features),
                ctypes.c_char_p(b"num_threads=1"),
                ctypes.byref(handle),
            )
        )
        self._handle = handle
        self._local = threading.local()
        weakref.finalize(self, _LIB.LGBM_FastConfigFree, handle)

    def _buffers(self) -> tuple[np.ndarray, np.ndarray, tuple[object, object, object]]:
        """This thread's row and output arrays and the C pointers to them and to the output's length (made once
        per thread: NumPy's `ctypes` pointers cost more than a small model's prediction)."""
        held = getattr(self._local, "buffers", None)
        if held is None:
            row, out, length = np.empty(self.n_features), np.empty(self.n_out), ctypes.c_int64(0)
            pointers = (row.ctypes.data_as(ctypes.c_void_p), ctypes.byref(length), out.ctypes.data_as(_DOUBLE_P))
            held = self._local.buffers = (row, out, (*pointers, length))
        return held[0], held[1], held[2][:3]

    def predict(self, row: np.ndarray) -> np.ndarray:
        """The prediction of one row (a float64 array of `n_features` values), as a 1-D array."""
        data = np.ascontiguousarray(row, dtype=np.float64)
        if data.shape != (self.n_features,):
            raise ValueError(f"expected one row of {self.n_features} features, got shape {row.shape}")
        given, out, (row_p, length_p, out_p) = self._buffers()
        given[:] = data
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFast(self._handle, row_p, length_p, out_p))
        return out.copy()
