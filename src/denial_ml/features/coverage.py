"""Coverage on file: whether the patient's coverage with the billed payer, as the enrollment feed knew it on the
submission day, spans the date of service.

A coverage end date reaches a practice through the payer's enrollment (834) file or a 271 answer, not on the day
the coverage ends. The feature therefore treats an end date as known only `ENROLLMENT_DELAY_DAYS` after it:
a claim submitted sooner sees the spell as still open, so nothing the practice could not have known leaks in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.features.history import to_days
from denial_ml.features.line_features import join_keys

# A monthly termination file: an end date is on file at most about a month after it passed.
ENROLLMENT_DELAY_DAYS = 30
COVERAGE_FEATURES = ["coverage_on_file", "coverage_days_past_end"]
Spells = dict[str, tuple[tuple[float, float], ...]]


def index_spells(coverages: pd.DataFrame) -> Spells:
    """`patient|payer` -> its coverage spells as (start day, end day) with end = +inf while open."""
    start = to_days(coverages["coverage_start"]).astype(float)
    end_dates = pd.to_datetime(coverages["coverage_end"]).to_numpy().astype("datetime64[D]")
    end = np.where(np.isnat(end_dates), np.inf, end_dates.astype(np.int64).astype(float))
    keys = join_keys(coverages["patient_id"].to_numpy(dtype=object), coverages["payer_id"].to_numpy(dtype=object))
    spells: dict[str, list[tuple[float, float]]] = {}
    for key, s, e in zip(keys.tolist(), start.tolist(), end.tolist(), strict=True):
        spells.setdefault(key, []).append((s, e))
    return {key: tuple(sorted(v)) for key, v in spells.items()}


def coverage_features(
    spells: Spells, patient: np.ndarray, payer: np.ndarray, service_day: np.ndarray, submit_day: np.ndarray
) -> dict[str, np.ndarray]:
    """Per claim: `coverage_on_file` (1 when a known spell with this payer covers the service date, 0 when none
    does, NaN when the patient has no coverage with this payer on file) and `coverage_days_past_end` (days from
    the latest known end before the service date to the service date; NaN when covered or never ended).
    """
    n = len(patient)
    on_file = np.full(n, np.nan)
    past_end = np.full(n, np.nan)
    keys = join_keys(patient, payer).tolist()
    for i, (key, service, submit) in enumerate(zip(keys, service_day.tolist(), submit_day.tolist(), strict=True)):
        found = spells.get(key)
        if not found or service != service:
            continue
        covered, last_end = False, -np.inf
        for start, end in found:
            known_end = end if end + ENROLLMENT_DELAY_DAYS <= submit else np.inf
            if start <= service <= known_end:
                covered = True
                break
            if known_end < service:
                last_end = max(last_end, known_end)
        on_file[i] = float(covered)
        if not covered and last_end > -np.inf:
            past_end[i] = service - last_end
    return {"coverage_on_file": on_file, "coverage_days_past_end": past_end}
