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
from denial_ml.features.lookup import Keys

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
    spells: Spells, keys: Keys, service_day: np.ndarray, submit_day: np.ndarray
) -> dict[str, np.ndarray]:
    """Per claim: `coverage_on_file` (1 when a known spell with this payer covers the service date, 0 when none
    does, NaN when the patient has no coverage with this payer on file) and `coverage_days_past_end` (days from
    the latest known end before the service date to the service date; NaN when covered or never ended).

    Args:
        keys: Each claim's position among the distinct `patient|payer` keys, and those keys.
    """
    position, distinct = keys
    found = [spells.get(key) or () for key in distinct.tolist()]
    width = max(map(len, found), default=1) or 1
    # Spells side by side, padded with NaN: a NaN spell covers nothing and never ended.
    start = np.full((len(found), width), np.nan)
    end = np.full((len(found), width), np.nan)
    for i, spell in enumerate(found):
        if spell:
            start[i, : len(spell)], end[i, : len(spell)] = zip(*spell, strict=True)
    on_file = np.array([bool(spell) for spell in found], dtype=bool)[position] & (service_day == service_day)
    service, submit = service_day[:, None], submit_day[:, None]
    end = end[position]
    known_end = np.where(end + ENROLLMENT_DELAY_DAYS <= submit, end, np.inf)
    covered = ((start[position] <= service) & (service <= known_end)).any(axis=1)
    last_end = np.where(known_end < service, known_end, -np.inf).max(axis=1)
    ended = on_file & ~covered & (last_end > -np.inf)
    return {
        "coverage_on_file": np.where(on_file, covered.astype(float), np.nan),
        "coverage_days_past_end": np.where(ended, service_day - last_end, np.nan),
    }
