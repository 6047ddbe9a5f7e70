"""Point-in-time slice rates and the patient's history of the same service with the payer.

Slice rates (`slice_<kind>_lift`): how much more (or less) often the payer denied this procedure in the line's
slice (`denial_ml.features.slice_keys`) than for the procedure overall, smoothed (empirical Bayes: a slice with
few decided lines stays at its parent's rate). Patient history (`pat_*`): how many times the patient already had
the service (or its family) billed to this payer this calendar year and in the last 365 days, how long ago the
last one was, and how many were denied. Everything counts only what was known strictly before the claim's
submission day: outcomes by their adjudication day, earlier services by their submission day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from denial_ml.features.arrays import claim_arrays, line_arrays
from denial_ml.features.history import DAY_BITS, HistoryIndex, build_index, lookup_codes, smoothed_rate, to_days
from denial_ml.features.keys import batch_lines, claim_keys
from denial_ml.features.lookup import Keys, map_floats
from denial_ml.features.slice_keys import (
    PARENT,
    SLICE_KINDS,
    SliceLines,
    combine,
    encoded,
    ordinal_band,
    pair_keys,
    slice_keys,
    slice_lines,
)

SLICE_FEATURES = [f"slice_{kind}_lift" for kind in SLICE_KINDS]
PATIENT_FEATURES = [
    "pat_proc_year_n",
    "pat_family_year_n",
    "pat_proc_365_n",
    "pat_proc_days_since",
    "pat_proc_denials",
]
YEAR_DAYS = 365
PATIENT_INDEXES = ("pat_proc", "pat_proc_year", "pat_family_year", "pat_proc_denied")


@dataclass(frozen=True)
class SliceRate:
    """One slice kind's smoothed rate for each line (for `pair`: each pair of lines, `line` says whose)."""

    line: np.ndarray  # the line each value belongs to
    key: np.ndarray  # the slice key
    rate: np.ndarray
    parent: np.ndarray  # the rate it shrinks towards (payer x procedure, or its parent slice)
    n: np.ndarray  # decided lines in the slice before the claim's submission day
    denied: np.ndarray


def patient_keys(e: dict[str, Keys]) -> dict[str, Keys]:
    """Keys of the patient-history indexes for each line (`e`: the lines' `encoded` columns)."""
    same = combine(e["patient"], e["payer"], e["code"])
    return {
        "pat_proc": same,
        "pat_proc_year": combine(same, e["year"]),
        "pat_family_year": combine(e["patient"], e["payer"], e["family"], e["year"]),
        "pat_proc_denied": same,
    }


def key_codes(index: HistoryIndex, keys: Keys) -> np.ndarray:
    """The index's code of each query's key (-1 when unseen), looked up once per distinct key."""
    return lookup_codes(index.codes, keys.distinct)[keys.position]


def _strings(keys: Keys) -> np.ndarray:
    return keys.distinct[keys.position]


def build_patient_indexes(
    e: dict[str, Keys], submit_day: np.ndarray, decided_day: np.ndarray, denied: np.ndarray
) -> dict[str, HistoryIndex]:
    """The patient-history indexes from history lines.

    Args:
        e: The history lines' `encoded` columns. submit_day: Each line's claim submission day.
        decided_day: Its adjudication day (NaN when not decided). denied: Whether its claim was denied (0/1).
    """
    keys = patient_keys(e)
    one = pd.DataFrame({"one": np.ones(len(submit_day))})
    out = {name: build_index(_strings(keys[name]), submit_day, one) for name in PATIENT_INDEXES[:3]}
    decided = ~np.isnan(decided_day)
    out["pat_proc_denied"] = build_index(
        _strings(keys["pat_proc_denied"])[decided],
        decided_day[decided].astype(np.int64),
        pd.DataFrame({"denied": denied[decided].astype(float)}),
    )
    return out


def earlier_same_service(idx: dict[str, HistoryIndex], e: dict[str, Keys], day: np.ndarray) -> np.ndarray:
    """How many lines of the same procedure the patient had billed to the payer in the line's service year,
    submitted before `day` (one per line)."""
    index = idx["pat_proc_year"]
    return index.before_codes(key_codes(index, combine(e["patient"], e["payer"], e["code"], e["year"])), day)["n"]


def build_slice_indexes(
    claim: np.ndarray, e: dict[str, Keys], ordinal: np.ndarray, decided_day: np.ndarray, denied: np.ndarray
) -> dict[str, HistoryIndex]:
    """One outcome index per slice kind (`slice_<kind>`) from the decided history lines.

    Args:
        claim: Each line's claim. e: The lines' `encoded` columns. ordinal: Each line's `ordinal_band`.
        decided_day: Its claim's adjudication day (NaN when not decided). denied: Whether it was denied (0/1).
    """
    decided = ~np.isnan(decided_day)
    days = np.where(decided, decided_day, 0).astype(np.int64)
    values = pd.DataFrame({"denied": denied.astype(float)})
    out = {}
    for kind, keys in slice_keys(e, ordinal).items():
        out[f"slice_{kind}"] = build_index(_strings(keys)[decided], days[decided], values[decided])
    line, keys = pair_keys(claim, e)
    ok = decided[line]
    out["slice_pair"] = build_index(_strings(keys)[ok], days[line][ok], values.iloc[line][ok])
    return out


def slice_rates(
    idx: dict[str, HistoryIndex],
    claim: np.ndarray,
    e: dict[str, Keys],
    ordinal: np.ndarray,
    day: np.ndarray,
    proc_rate: np.ndarray,
    m: float,
) -> dict[str, SliceRate]:
    """Each slice kind's smoothed rate per line (per pair of lines for `pair`).

    Args:
        idx: The snapshot's indexes. claim: Each line's claim. e: The lines' `encoded` columns.
        ordinal: `ordinal_band` of each line. day: Each line's claim submission day.
        proc_rate: Each line's smoothed payer x procedure rate. m: Smoothing strength.
    """
    out: dict[str, SliceRate] = {}
    keys = slice_keys(e, ordinal)
    every = np.arange(len(day))
    for kind in SLICE_KINDS:
        if kind == "pair":
            line, k = pair_keys(claim, e)
        else:
            line, k = every, keys[kind]
        index = idx[f"slice_{kind}"]
        q = index.before_codes(key_codes(index, k), day[line])
        parent = out[PARENT[kind]].rate[line] if kind in PARENT else proc_rate[line]
        rate = smoothed_rate(q["denied"], q["n"], parent, m)
        out[kind] = SliceRate(line, k.distinct[k.position], rate, parent, q["n"], q["denied"])
    return out


def last_day_before(index: HistoryIndex, code: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Day of the latest event with the key strictly before each day (NaN when none)."""
    known = code >= 0
    c = np.where(known, code, 0)
    pos = np.searchsorted(index.sorted_keys, (c << DAY_BITS) | days.astype(np.int64), side="left")
    has = known & (pos > index.starts[c])
    last = index.sorted_keys[np.maximum(pos - 1, 0)] & ((1 << DAY_BITS) - 1)
    return np.where(has, last.astype(float), np.nan)


def patient_counts(idx: dict[str, HistoryIndex], e: dict[str, Keys], day: np.ndarray) -> dict[str, np.ndarray]:
    """The patient-history values of each line (`PATIENT_FEATURES` before aggregation to claims)."""
    keys = patient_keys(e)
    codes = {name: key_codes(idx[name], keys[name]) for name in PATIENT_INDEXES}
    proc = idx["pat_proc"]
    now = proc.before_codes(codes["pat_proc"], day)["n"]
    year_ago = proc.before_codes(codes["pat_proc"], day - YEAR_DAYS)["n"]
    return {
        "pat_proc_year_n": idx["pat_proc_year"].before_codes(codes["pat_proc_year"], day)["n"],
        "pat_family_year_n": idx["pat_family_year"].before_codes(codes["pat_family_year"], day)["n"],
        "pat_proc_365_n": now - year_ago,
        "pat_proc_days_since": day - last_day_before(proc, codes["pat_proc"], day),
        "pat_proc_denials": idx["pat_proc_denied"].before_codes(codes["pat_proc_denied"], day)["denied"],
    }


def claim_max(c: np.ndarray, values: np.ndarray, n: int, fill: float = np.nan) -> np.ndarray:
    """Largest value over each claim's entries (`fill` for claims without any)."""
    out = np.full(n, -np.inf)
    np.fmax.at(out, c, values)
    return np.where(np.isneginf(out), fill, out)


def slice_features(
    idx: dict[str, HistoryIndex], s: SliceLines, day: np.ndarray, proc_rate: np.ndarray, m: float, n: int
) -> dict[str, np.ndarray]:
    """`SLICE_FEATURES` and `PATIENT_FEATURES` per claim: the largest lift and count over the claim's lines, the
    fewest days since the last same service.

    Args:
        day: Each line's claim submission day (int64). n: Number of claims.
    """
    has_lines = np.bincount(s.claim, minlength=n) > 0
    e = encoded(s)
    ordinal = ordinal_band(earlier_same_service(idx, e, day))
    out = {}
    for kind, r in slice_rates(idx, s.claim, e, ordinal, day, proc_rate, m).items():
        lift = claim_max(s.claim[r.line], r.rate - r.parent, n, fill=0.0)
        out[f"slice_{kind}_lift"] = np.where(has_lines, lift, np.nan)
    counts = patient_counts(idx, e, day)
    for name, values in counts.items():
        if name == "pat_proc_days_since":
            out[name] = -claim_max(s.claim, -values, n)
        else:
            out[name] = np.where(has_lines, claim_max(s.claim, values, n, fill=0.0), np.nan)
    return out


def history_indexes(
    claims: pd.DataFrame, lines: pd.DataFrame, labels: pd.DataFrame, patients: pd.DataFrame
) -> dict[str, HistoryIndex]:
    """The patient-history and slice indexes of a world's claims, lines and outcomes (`label_claims`' rows)."""
    a = claim_arrays(claims)
    ln = batch_lines(a, line_arrays(lines))
    s = slice_lines(a, ln, claim_keys(a), birth_days(patients), sexes(patients))
    decided_day = map_floats(
        dict(zip(labels["claim_id"], to_days(labels["adjudication_date"]), strict=True)), a.claim_id
    )
    denied = map_floats(dict(zip(labels["claim_id"], labels["denied"].astype(float), strict=True)), a.claim_id, 0.0)
    submit = np.nan_to_num(a.submit_day).astype(np.int64)[ln.claim]
    return line_indexes(s, submit, decided_day[ln.claim], denied[ln.claim])


def line_indexes(
    s: SliceLines, submit_day: np.ndarray, decided_day: np.ndarray, denied: np.ndarray
) -> dict[str, HistoryIndex]:
    """The patient-history and slice indexes of history lines.

    Args:
        s: The lines. submit_day: Each line's claim submission day (int). decided_day: Its adjudication day (NaN
            when not decided). denied: Whether its claim was denied (0/1).
    """
    e = encoded(s)
    out = build_patient_indexes(e, submit_day, decided_day, denied)
    # A history line's rank in its year counts what was submitted before it, as a claim's does when scored.
    ordinal = ordinal_band(earlier_same_service(out, e, submit_day))
    out.update(build_slice_indexes(s.claim, e, ordinal, decided_day, denied))
    return out


def birth_days(patients: pd.DataFrame) -> dict[str, float]:
    """Patient id -> birth day number."""
    return dict(zip(patients["patient_id"], to_days(patients["birth_date"]).astype(float), strict=True))


def sexes(patients: pd.DataFrame) -> dict[str, str]:
    """Patient id -> sex as recorded ("?" when missing)."""
    return dict(zip(patients["patient_id"], patients["sex"].fillna("?").astype(str), strict=True))
