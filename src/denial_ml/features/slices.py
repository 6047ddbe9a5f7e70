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
from denial_ml.features.composite import Composite, chain, compose, distinct_rows, tag
from denial_ml.features.composite_codes import CompositeCodes, CompositeRows
from denial_ml.features.history import (
    DAY_BITS,
    Events,
    HistoryIndex,
    build_index,
    lookup_codes,
    smoothed_rate,
    to_days,
)
from denial_ml.features.keys import batch_lines, claim_keys
from denial_ml.features.lookup import Keys, map_floats
from denial_ml.features.slice_keys import (
    PARENT,
    SLICE_KINDS,
    SliceLines,
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
    "pat_family_year_visits",
    "pat_family_365_visits",
]
YEAR_DAYS = 365
PAIR_KINDS = ("any_pair", "pair")
SLICE_INDEX = "slices"  # one index for every slice kind: a batch's lookups are one query
PATIENT_INDEXES = ("pat_proc", "pat_year", "pat_proc_denied", "pat_visits")


@dataclass(frozen=True)
class SliceRate:
    """One slice kind's smoothed rate for each line (for `pair`: each pair of lines, `line` says whose)."""

    line: np.ndarray  # the line each value belongs to
    keys: np.ndarray | Composite  # the slice keys: strings, or the parts they are joined from when asked (`key`)
    rate: np.ndarray
    parent: np.ndarray  # the rate it shrinks towards (payer x procedure, or its parent slice)
    n: np.ndarray  # decided lines in the slice before the claim's submission day
    denied: np.ndarray

    @property
    def key(self) -> np.ndarray:
        """The slice key of each value (joined here: only the explanations read them)."""
        return _strings(self.keys.joined()) if isinstance(self.keys, Composite) else self.keys


def key_codes(index: HistoryIndex, keys: Keys | Composite) -> np.ndarray:
    """The index's code of each query's key (-1 when unseen), looked up once per distinct key (as integers when
    both the keys and the index's codes are composite, `composite_codes`)."""
    if isinstance(keys, Composite):
        found = index.codes.lookup_composite(keys) if isinstance(index.codes, CompositeCodes) else None
        if found is not None:
            return found
        keys = keys.joined()
    return lookup_codes(index.codes, keys.distinct)[keys.position]


def _strings(keys: Keys) -> np.ndarray:
    return keys.distinct[keys.position]


def event_keys(keys: Composite, rows: np.ndarray | slice = slice(None)) -> CompositeRows:
    """The keys of `rows` as an index's event keys (`build_index` codes them as integers, `composite_codes`)."""
    return CompositeRows(keys, rows)


def patient_keys(e: dict[str, Keys]) -> tuple[Composite, Composite]:
    """Each line's `patient|payer|code` key, and its keys in the `pat_year` index: the same with the service year
    (first the procedure's, then its family's), as one array of twice the lines."""
    n = len(e["code"].position)
    same = compose(e["patient"], e["payer"], e["code"])
    year = chain(
        [
            compose(tag("proc", n), same, e["year"]),
            compose(tag("family", n), e["patient"], e["payer"], e["family"], e["year"]),
        ]
    )
    return same, year


def visit_keys(e: dict[str, Keys]) -> Composite:
    """Each line's keys in the `pat_visits` index, as one array of twice the lines: `rolling|patient|payer|family`
    (the last 365 days), then `year|patient|payer|family|year` (the service's calendar year)."""
    n = len(e["code"].position)
    family = compose(e["patient"], e["payer"], e["family"])
    return chain([compose(tag("rolling", n), family), compose(tag("year", n), family, e["year"])])


def first_per_claim(claim: np.ndarray, keys: Composite) -> np.ndarray:
    """Rows that are the first of their (claim, key) pair: a claim counts once per key, however many lines it has
    (a visit with 80061, 83036 and 36415 is one laboratory visit)."""
    codes, n_distinct = distinct_rows(keys)
    _, first = np.unique(claim.astype(np.int64) * max(n_distinct, 1) + codes, return_index=True)
    return np.sort(first)


def visit_counts(idx: dict[str, HistoryIndex], visits: Composite, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many earlier claims with a service of the line's family the patient had billed to the payer in the last
    365 days and in the line's service year, submitted before `day` (one per line each)."""
    index = idx["pat_visits"]
    n = len(day)
    code = key_codes(index, visits)
    q = index.before_codes(np.concatenate([code[:n], code[:n], code[n:]]), np.concatenate([day, day - YEAR_DAYS, day]))[
        "n"
    ]
    return q[:n] - q[n : 2 * n], q[2 * n :]


def patient_events(
    claim: np.ndarray, e: dict[str, Keys], submit_day: np.ndarray, decided_day: np.ndarray, denied: np.ndarray
) -> dict[str, Events]:
    """The events of the patient-history indexes from history lines: services by submission day (`pat_proc`, and
    `pat_year` by service year), claims by family (`pat_visits`) and denials by adjudication day (`pat_proc_denied`).

    Args:
        claim: Each history line's claim. e: The history lines' `encoded` columns.
        submit_day: Each line's claim submission day. decided_day: Its adjudication day (NaN when not decided).
        denied: Whether its claim was denied (0/1).
    """
    same, year = patient_keys(e)
    one = pd.DataFrame({"one": np.ones(len(submit_day))})
    decided = ~np.isnan(decided_day)
    visits = visit_keys(e)
    first = first_per_claim(np.concatenate([claim, claim]), visits)
    visit_days = np.concatenate([submit_day, submit_day])[first]
    return {
        "pat_visits": Events(event_keys(visits, first), visit_days, pd.DataFrame({"one": np.ones(len(first))})),
        "pat_proc": Events(event_keys(same), submit_day, one),
        "pat_year": Events(event_keys(year), np.concatenate([submit_day, submit_day]), pd.concat([one, one])),
        "pat_proc_denied": Events(
            event_keys(same, decided),
            decided_day[decided].astype(np.int64),
            pd.DataFrame({"denied": denied[decided].astype(float)}),
        ),
    }


def year_counts(idx: dict[str, HistoryIndex], year: Composite, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many lines of the same procedure, and of its family, the patient had billed to the payer in the line's
    service year, submitted before `day` (one per line each; `year`: the lines' `pat_year` keys)."""
    index = idx["pat_year"]
    counts = index.before_codes(key_codes(index, year), np.concatenate([day, day]))["n"]
    return counts[: len(day)], counts[len(day) :]


@dataclass(frozen=True)
class LineCounts:
    """The patient's earlier services with the payer behind each line (one value per line each)."""

    proc_year: np.ndarray  # lines of the same procedure this service year
    family_year: np.ndarray  # lines of the procedure's family this service year
    family_year_visits: np.ndarray  # claims with the family this service year
    family_365_visits: np.ndarray  # claims with the family in the last 365 days

    def ranks(self) -> dict[str, np.ndarray]:
        """Each rank slice kind's band of each line (`RANK_KINDS`)."""
        return {
            "ordinal": ordinal_band(self.proc_year),
            "family_year": ordinal_band(self.family_year_visits),
            "family_365": ordinal_band(self.family_365_visits),
        }


def line_counts(
    idx: dict[str, HistoryIndex], e: dict[str, Keys], day: np.ndarray, year: Composite | None = None
) -> LineCounts:
    """`LineCounts` of lines (`e`: their `encoded` columns) from what was submitted before each `day` (`year`: the
    lines' `pat_year` keys when the caller has them, `patient_keys(e)[1]`)."""
    proc_year, family_year = year_counts(idx, patient_keys(e)[1] if year is None else year, day)
    rolling, visits = visit_counts(idx, visit_keys(e), day)
    return LineCounts(proc_year, family_year, visits, rolling)


def all_slice_keys(
    claim: np.ndarray, e: dict[str, Keys], ranks: dict[str, np.ndarray]
) -> tuple[list[str], Composite, np.ndarray]:
    """Every slice key of the lines as one array: the kinds in order, `kind|payer|code|...` keys, and each key's
    line (the lines once per kind, then one per same-claim pair for each pair kind)."""
    n = len(claim)
    by_kind = slice_keys(e, ranks)
    pair_line, by_kind["pair"] = pair_keys(claim, e)
    _, by_kind["any_pair"] = pair_keys(claim, e, any_payer=True)
    lines = [pair_line if k in PAIR_KINDS else np.arange(n) for k in SLICE_KINDS]
    return list(SLICE_KINDS), chain([by_kind[k] for k in SLICE_KINDS]), np.concatenate(lines)


def slice_events(
    claim: np.ndarray, e: dict[str, Keys], ranks: dict[str, np.ndarray], decided_day: np.ndarray, denied: np.ndarray
) -> Events:
    """The slice index's events (every kind's keys in one) from the decided history lines.

    Args:
        claim: Each line's claim. e: The lines' `encoded` columns. ranks: Each line's `LineCounts.ranks`.
        decided_day: Its claim's adjudication day (NaN when not decided). denied: Whether it was denied (0/1).
    """
    _, keys, line = all_slice_keys(claim, e, ranks)
    decided = ~np.isnan(decided_day)[line]
    days = np.nan_to_num(decided_day).astype(np.int64)[line]
    values = pd.DataFrame({"denied": denied.astype(float)[line][decided]})
    return Events(event_keys(keys, decided), days[decided], values)


def slice_rates(
    idx: dict[str, HistoryIndex],
    claim: np.ndarray,
    e: dict[str, Keys],
    ranks: dict[str, np.ndarray],
    day: np.ndarray,
    proc_rate: np.ndarray,
    m: float,
) -> dict[str, SliceRate]:
    """Each slice kind's smoothed rate per line (per pair of lines for `pair`).

    Args:
        idx: The snapshot's indexes. claim: Each line's claim. e: The lines' `encoded` columns.
        ranks: `LineCounts.ranks` of the lines. day: Each line's claim submission day.
        proc_rate: Each line's smoothed payer x procedure rate. m: Smoothing strength.
    """
    kinds, keys, line = all_slice_keys(claim, e, ranks)
    index = idx[SLICE_INDEX]
    q = index.before_codes(key_codes(index, keys), day[line])
    n, n_pairs = len(claim), int((line.size - len(claim) * (len(kinds) - len(PAIR_KINDS))) / len(PAIR_KINDS))
    out: dict[str, SliceRate] = {}
    start = 0
    for g, kind in enumerate(kinds):
        size = n_pairs if kind in PAIR_KINDS else n
        part = slice(start, start + size)
        start += size
        rows = line[part]
        if kind not in PARENT:
            parent = proc_rate[rows]
        elif kind in PAIR_KINDS:  # a pair kind's parent is the other pair kind, in the same pair order
            parent = out[PARENT[kind]].rate
        else:
            parent = out[PARENT[kind]].rate[rows]
        rate = smoothed_rate(q["denied"][part], q["n"][part], parent, m)
        out[kind] = SliceRate(rows, Composite((keys.groups[g],)), rate, parent, q["n"][part], q["denied"][part])
    return out


def last_day_before(index: HistoryIndex, code: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Day of the latest event with the key strictly before each day (NaN when none)."""
    known = code >= 0
    c = np.where(known, code, 0)
    pos = np.searchsorted(index.sorted_keys, (c << DAY_BITS) | days.astype(np.int64), side="left")
    has = known & (pos > index.starts[c])
    last = index.sorted_keys[np.maximum(pos - 1, 0)] & ((1 << DAY_BITS) - 1)
    return np.where(has, last.astype(float), np.nan)


def patient_counts(
    idx: dict[str, HistoryIndex], same: Composite, day: np.ndarray, counts: LineCounts
) -> dict[str, np.ndarray]:
    """The patient-history values of each line (`PATIENT_FEATURES` before aggregation to claims).

    Args:
        same: The lines' `patient|payer|code` keys. counts: Their `line_counts`.
    """
    proc = idx["pat_proc"]
    code = key_codes(proc, same)
    n = len(day)
    rolling = proc.before_codes(np.concatenate([code, code]), np.concatenate([day, day - YEAR_DAYS]))["n"]
    denied = idx["pat_proc_denied"]
    return {
        "pat_proc_year_n": counts.proc_year,
        "pat_family_year_n": counts.family_year,
        "pat_proc_365_n": rolling[:n] - rolling[n:],
        "pat_proc_days_since": day - last_day_before(proc, code, day),
        "pat_proc_denials": denied.before_codes(key_codes(denied, same), day)["denied"],
        "pat_family_year_visits": counts.family_year_visits,
        "pat_family_365_visits": counts.family_365_visits,
    }


def claim_max(c: np.ndarray, values: np.ndarray, n: int, fill: float = np.nan) -> np.ndarray:
    """Largest value over each claim's entries (`fill` for claims without any)."""
    out = np.full(n, -np.inf)
    np.fmax.at(out, c, values)
    return np.where(np.isneginf(out), fill, out)


@dataclass(frozen=True)
class SliceLookups:
    """The history behind the slice and patient-history features of lines: what the features are made of, kept
    so the explanations can show it without looking it up again (`denial_ml.features.slice_evidence`)."""

    lines: SliceLines
    rates: dict[str, SliceRate]  # `slice_rates`
    patient: dict[str, np.ndarray]  # `patient_counts`: `PATIENT_FEATURES` per line


def slice_lookups(
    idx: dict[str, HistoryIndex], s: SliceLines, day: np.ndarray, proc_rate: np.ndarray, m: float
) -> SliceLookups:
    """Each slice kind's rate and the patient-history values of each line (arguments as `slice_features`)."""
    e = encoded(s)
    same, year = patient_keys(e)
    counts = line_counts(idx, e, day, year)
    rates = slice_rates(idx, s.claim, e, counts.ranks(), day, proc_rate, m)
    return SliceLookups(s, rates, patient_counts(idx, same, day, counts))


def slice_features(
    idx: dict[str, HistoryIndex], s: SliceLines, day: np.ndarray, proc_rate: np.ndarray, m: float, n: int
) -> dict[str, np.ndarray]:
    """`SLICE_FEATURES` and `PATIENT_FEATURES` per claim: the largest lift and count over the claim's lines, the
    fewest days since the last same service.

    Args:
        day: Each line's claim submission day (int64). n: Number of claims.
    """
    return features_of_lookups(slice_lookups(idx, s, day, proc_rate, m), n)


def features_of_lookups(found: SliceLookups, n: int) -> dict[str, np.ndarray]:
    """`slice_features` from the lines' `slice_lookups` (`n`: number of claims)."""
    claim = found.lines.claim
    has_lines = np.bincount(claim, minlength=n) > 0
    out = {}
    for kind, r in found.rates.items():
        lift = claim_max(claim[r.line], r.rate - r.parent, n, fill=0.0)
        out[f"slice_{kind}_lift"] = np.where(has_lines, lift, np.nan)
    for name, values in found.patient.items():
        if name == "pat_proc_days_since":
            out[name] = -claim_max(claim, -values, n)
        else:
            out[name] = np.where(has_lines, claim_max(claim, values, n, fill=0.0), np.nan)
    return out


def history_indexes(
    claims: pd.DataFrame, lines: pd.DataFrame, labels: pd.DataFrame, patients: pd.DataFrame
) -> dict[str, HistoryIndex]:
    """The patient-history and slice indexes of a world's claims, lines and outcomes (`label_claims`' rows)."""
    return {name: build_index(*ev) for name, ev in history_events(claims, lines, labels, patients).items()}


def history_events(
    claims: pd.DataFrame, lines: pd.DataFrame, labels: pd.DataFrame, patients: pd.DataFrame
) -> dict[str, Events]:
    """The events of `history_indexes`.

    Every key of these indexes holds the patient, so the claims of a subset of patients (with all their lines
    and outcomes) give exactly those patients' events: the world's events are the union over patient partitions.
    """
    a = claim_arrays(claims)
    ln = batch_lines(a, line_arrays(lines))
    s = slice_lines(a, ln, claim_keys(a), birth_days(patients), sexes(patients))
    ids = labels["claim_id"].tolist()  # a list: iterating an Arrow-backed Series boxes value by value
    decided_day = map_floats(dict(zip(ids, to_days(labels["adjudication_date"]), strict=True)), a.claim_id)
    denied = map_floats(dict(zip(ids, labels["denied"].astype(float).tolist(), strict=True)), a.claim_id, 0.0)
    submit = np.nan_to_num(a.submit_day).astype(np.int64)[ln.claim]
    return line_events(s, submit, decided_day[ln.claim], denied[ln.claim])


def line_indexes(
    s: SliceLines, submit_day: np.ndarray, decided_day: np.ndarray, denied: np.ndarray
) -> dict[str, HistoryIndex]:
    """The patient-history and slice indexes of history lines (`line_events`, indexed)."""
    return {name: build_index(*ev) for name, ev in line_events(s, submit_day, decided_day, denied).items()}


def line_events(
    s: SliceLines, submit_day: np.ndarray, decided_day: np.ndarray, denied: np.ndarray
) -> dict[str, Events]:
    """The events of the patient-history and slice indexes of history lines.

    Args:
        s: The lines. submit_day: Each line's claim submission day (int). decided_day: Its adjudication day (NaN
            when not decided). denied: Whether its claim was denied (0/1).
    """
    e = encoded(s)
    out = patient_events(s.claim, e, submit_day, decided_day, denied)
    # A history line's ranks count what was submitted before it, as a claim's do when scored; the patient-keyed
    # indexes hold the patient, so the lines' own events answer them (in a part of the patients too).
    patient = {name: build_index(*out[name]) for name in ("pat_year", "pat_visits")}
    out[SLICE_INDEX] = slice_events(s.claim, e, line_counts(patient, e, submit_day).ranks(), decided_day, denied)
    return out


def birth_days(patients: pd.DataFrame) -> dict[str, float]:
    """Patient id -> birth day number."""
    return dict(zip(patients["patient_id"].tolist(), to_days(patients["birth_date"]).astype(float), strict=True))


def sexes(patients: pd.DataFrame) -> dict[str, str]:
    """Patient id -> sex as recorded ("?" when missing)."""
    return dict(zip(patients["patient_id"].tolist(), patients["sex"].fillna("?").astype(str).tolist(), strict=True))
