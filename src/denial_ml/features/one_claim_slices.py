"""One claim's slice rates and patient history in plain Python (`denial_ml.features.slices` for one claim).

The key formats are the batch's (`denial_ml.features.slice_keys`: `kind|payer|code|value`, `*` for every payer,
pairs as `pair|payer|code|modifiers|with|other code`), written here as f-strings; the equality test of
`denial_ml.features.one_claim` compares every slice feature with the batch path's. The lookups are kept so the
explanations can show them (`denial_ml.features.one_claim_evidence` answers the explanations' questions from them).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from denial_ml.domain.code_families import procedure_family
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.line_features import pointed_index
from denial_ml.features.one_claim_inputs import (
    ClaimFields,
    LineFields,
    column,
    found_last_days,
    found_rows,
    key_codes,
    rows,
    search_codes,
    smoothed,
)
from denial_ml.features.slice_keys import (
    AGE_EDGES,
    AGE_LABELS,
    ORDINAL_CAP,
    PARENT,
    SLICE_KINDS,
    UNITS_EDGES,
    UNITS_LABELS,
    service_years,
)
from denial_ml.features.slices import PAIR_KINDS, SLICE_INDEX, YEAR_DAYS

_EPOCH = dt.date(1970, 1, 1)
_PLAIN_YEARS = ((dt.date(1000, 1, 1) - _EPOCH).days, (dt.date(9999, 12, 31) - _EPOCH).days)
_AGE_EDGES, _UNITS_EDGES = AGE_EDGES.tolist(), UNITS_EDGES.tolist()


def maximum(a: float, b: float) -> float:
    """`np.maximum` of two floats (NaN if either is NaN)."""
    if a != a or b != b:
        return np.nan
    return a if a >= b else b


def fmax(a: float, b: float) -> float:
    """`np.fmax` of two floats (NaN only if both are NaN)."""
    if b != b:
        return a
    return b if a != a or b > a else a


def band(value: float, edges: list[float], labels: np.ndarray) -> str:
    """`slice_keys.bands` of one value (the last label for NaN)."""
    return str(labels[len(labels) - 1 if value != value else bisect_right(edges, value)])


def rank_band(earlier: float) -> str:
    """`slice_keys.ordinal_band` of one count (its clip and its truncation to an integer)."""
    return f"n{int(min(max(earlier, 0.0), ORDINAL_CAP - 1)) + 1}"


def service_year(day: int) -> str:
    """`slice_keys.service_years` of one day number."""
    if _PLAIN_YEARS[0] <= day <= _PLAIN_YEARS[1]:
        return str((_EPOCH + dt.timedelta(days=day)).year)
    return str(service_years(np.array([day], dtype=np.int64))[0])  # "?" and far years: the batch's conversion


@dataclass(frozen=True)
class KindRates:
    """One slice kind's history for the claim's lines (per ordered pair of lines for the pair kinds)."""

    line: list[int]
    key: list[str]
    rate: list[float]
    parent: list[float]
    n: list[float]
    denied: list[float]


@dataclass(frozen=True)
class ClaimSlices:
    """What one claim's slice and patient-history features are made of (`SliceLookups` of one claim)."""

    lines: dict[str, list]  # `SliceLines` fields but `claim`, one value per line
    kinds: dict[str, KindRates]  # in `SLICE_KINDS` order
    patient: dict[str, list[float]]  # `PATIENT_FEATURES` per line

    def features(self) -> dict[str, float]:
        """`slices.features_of_lookups` of the claim: the largest lift and count over its lines, the fewest days
        since the last same service."""
        has_lines = bool(self.lines["code"])
        out = {}
        for kind, r in self.kinds.items():
            lift = -np.inf
            for rate, parent in zip(r.rate, r.parent, strict=True):
                lift = fmax(lift, rate - parent)
            out[f"slice_{kind}_lift"] = (0.0 if lift == -np.inf else lift) if has_lines else np.nan
        for name, values in self.patient.items():
            top = -np.inf
            for value in values:
                top = fmax(top, -value if name == "pat_proc_days_since" else value)
            if name == "pat_proc_days_since":
                out[name] = -(np.nan if top == -np.inf else top)
            else:
                out[name] = (0.0 if top == -np.inf else top) if has_lines else np.nan
        return out


def patient_age(builder: FeatureBuilder, h: ClaimFields) -> float:
    """Years from the patient's birth to the service date (NaN for an unknown patient)."""
    return float((h.service_day - builder.birth_day_.get(h.patient, np.nan)) / 365.25)


def slice_lines(builder: FeatureBuilder, h: ClaimFields, lines: list[LineFields]) -> dict[str, list]:
    """`slice_keys.slice_lines` of one claim's lines (field -> one value per line)."""
    dx = h.dx_text.split(" ")
    institutional = h.claim_type == "837I"
    age = patient_age(builder, h)
    n = len(lines)
    pointed = []
    for line in lines:
        k = pointed_index("" if institutional else line.pointers)
        pointed.append(dx[k] if k < len(dx) else "")
    return {
        "payer": [h.payer] * n,
        "code": [line.code for line in lines],
        "mods": ["+".join(sorted(m for m in line.mods if m)) or "none" for line in lines],
        "pos": [h.pos] * n,
        "age": [age] * n,
        "sex": [builder.sex_.get(h.patient, "?")] * n,
        "dx": pointed,
        "units": [line.units for line in lines],
        "patient": [h.patient] * n,
        "year": [service_year(line.service_day) for line in lines],
        "family": [procedure_family(line.code) or line.code for line in lines],
    }


def slice_key_lists(s: dict[str, list], ranks: dict[str, list[str]]) -> dict[str, tuple[list[int], list[str]]]:
    """Each slice kind's (line, key) lists, in `SLICE_KINDS` order (`slices.all_slice_keys` of one claim)."""
    n = len(s["code"])
    payer = s["payer"][0] if n else ""
    code, mods, pos = s["code"], s["mods"], s["pos"]
    age = [band(a, _AGE_EDGES, AGE_LABELS) for a in s["age"]]
    units = [band(u, _UNITS_EDGES, UNITS_LABELS) for u in s["units"]]
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]  # `slice_keys.line_pairs` of one claim
    own = {"mods": mods, "pos": pos, "age": age, "sex": s["sex"], "dx": s["dx"], "units": units, **ranks}
    keys: dict[str, list[str]] = {
        kind: [f"{kind}|{payer}|{c}|{v}" for c, v in zip(code, values, strict=True)] for kind, values in own.items()
    }
    keys["mods_pos"] = [f"mods_pos|{payer}|{c}|{m}|{p}" for c, m, p in zip(code, mods, pos, strict=True)]
    keys["any_mods"] = [f"any_mods|*|{c}|{m}" for c, m in zip(code, mods, strict=True)]
    keys["any_mods_pos"] = [f"any_mods_pos|*|{c}|{m}|{p}" for c, m, p in zip(code, mods, pos, strict=True)]
    for kind, who in (("pair", payer), ("any_pair", "*")):
        keys[kind] = [f"{kind}|{who}|{code[i]}|{mods[i]}|with|{code[j]}" for i, j in pairs]
    every = list(range(n))
    return {kind: ([i for i, _ in pairs] if kind in PAIR_KINDS else every, keys[kind]) for kind in SLICE_KINDS}


def claim_slices(
    builder: FeatureBuilder, h: ClaimFields, lines: list[LineFields], day: int, proc_rate: list[float]
) -> ClaimSlices:
    """`slices.slice_lookups` of one claim (`proc_rate`: each line's smoothed payer x procedure rate)."""
    idx, m, n = builder.snapshot_.indexes, builder.smoothing, len(lines)
    s = slice_lines(builder, h, lines)
    same = [f"{h.patient}|{h.payer}|{code}" for code in s["code"]]
    year_keys = [f"proc|{k}|{y}" for k, y in zip(same, s["year"], strict=True)]
    year_keys += [f"family|{h.patient}|{h.payer}|{f}|{y}" for f, y in zip(s["family"], s["year"], strict=True)]
    years = [q[0] for q in rows(idx["pat_year"], year_keys, [day] * (2 * n))]
    family = [f"{h.patient}|{h.payer}|{f}" for f in s["family"]]
    visit_keys = [f"rolling|{k}" for k in family] + [f"year|{k}|{y}" for k, y in zip(family, s["year"], strict=True)]
    coded = key_codes(idx["pat_visits"], visit_keys)  # the rolling keys asked on two days, looked up once
    found = search_codes(idx["pat_visits"], coded[:n] + coded, [day] * n + [day - YEAR_DAYS] * n + [day] * n)
    visits = [q[0] for q in found_rows(idx["pat_visits"], 3 * n, found)]
    rolling = [a - b for a, b in zip(visits[:n], visits[n : 2 * n], strict=True)]
    counts = {"ordinal": years[:n], "family_year": visits[2 * n :], "family_365": rolling}
    ranks = {kind: [rank_band(x) for x in c] for kind, c in counts.items()}
    by_kind = slice_key_lists(s, ranks)
    every_key = [key for _, keys in by_kind.values() for key in keys]
    q = rows(idx[SLICE_INDEX], every_key, [day] * len(every_key))
    denied = column(idx[SLICE_INDEX], "denied")
    kinds: dict[str, KindRates] = {}
    start = 0
    for kind, (owners, keys) in by_kind.items():
        part = q[start : start + len(keys)]
        start += len(keys)
        if kind not in PARENT:
            parent = [proc_rate[i] for i in owners]
        elif kind in PAIR_KINDS:  # the other pair kind's rates, in the same pair order
            parent = kinds[PARENT[kind]].rate
        else:
            parent = [kinds[PARENT[kind]].rate[i] for i in owners]
        rate = [smoothed(r[denied], r[0], p, m) for r, p in zip(part, parent, strict=True)]
        kinds[kind] = KindRates(owners, keys, rate, parent, [r[0] for r in part], [r[denied] for r in part])
    return ClaimSlices(s, kinds, patient_history(builder, same, day, counts, years[n:]))


def patient_history(
    builder: FeatureBuilder, same: list[str], day: int, counts: dict[str, list[float]], family_year: list[float]
) -> dict[str, list[float]]:
    """`slices.patient_counts` of one claim's lines (`same`: their `patient|payer|code` keys)."""
    idx, n = builder.snapshot_.indexes, len(same)
    # One search answers the counts on both days and, from the first day's, the day of the last same service.
    found = search_codes(idx["pat_proc"], key_codes(idx["pat_proc"], same) * 2, [day] * n + [day - YEAR_DAYS] * n)
    proc = [q[0] for q in found_rows(idx["pat_proc"], 2 * n, found)]
    last = found_last_days(idx["pat_proc"], n, found)
    denied = column(idx["pat_proc_denied"], "denied")
    return {
        "pat_proc_year_n": counts["ordinal"],
        "pat_family_year_n": family_year,
        "pat_proc_365_n": [a - b for a, b in zip(proc[:n], proc[n:], strict=True)],
        "pat_proc_days_since": [day - x for x in last],
        "pat_proc_denials": [q[denied] for q in rows(idx["pat_proc_denied"], same, [day] * n)],
        "pat_family_year_visits": counts["family_year"],
        "pat_family_365_visits": counts["family_365"],
    }
