"""The slices a line belongs to: payer x procedure crossed with one more thing the claim shows.

A payer's unpublished rules are tied to a procedure plus something on the claim (an age band, a place of service,
a modifier set, the diagnosis, the units, another code billed with it, how many times the patient already had
the service this year). Each slice kind below is one such crossing; the keys are built the same way for the
history events (`denial_ml.features.snapshot`) and for the claims being scored, so the rates line up. No slice
names a rule: the model learns which slices matter from the practice's own outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from denial_ml.domain.code_families import procedure_family
from denial_ml.features.arrays import ClaimArrays
from denial_ml.features.composite import Composite, compose, tag
from denial_ml.features.keys import BatchLines, ClaimKeys
from denial_ml.features.line_features import encode_lines, pointed_index
from denial_ml.features.lookup import Keys, encode, encode_pairs, map_floats, map_keys

AGE_EDGES = np.array([6.0, 18.0, 40.0, 65.0])  # bands 0-5, 6-17, 18-39, 40-64, 65+
AGE_LABELS = np.array(["age<6", "age6-17", "age18-39", "age40-64", "age65+", "age?"], dtype=object)
UNITS_EDGES = np.array([2.0, 3.0, 5.0, 9.0])  # bands 1, 2, 3-4, 5-8, 9+
UNITS_LABELS = np.array(["u1", "u2", "u3-4", "u5-8", "u9+", "u?"], dtype=object)
ORDINAL_CAP = 6  # the 6th and later same services of a year share one band
# Slice kinds, parents first: each shrinks towards its parent's rate, or the payer x procedure rate. Coding rules
# (modifier requirements, NCCI pairs) mostly hold at every payer, so the `any_` kinds pool the practice's lines
# across payers and a payer's own slice, often thin, starts from them.
SLICE_KINDS = (
    "any_mods", "any_mods_pos", "any_pair", "mods", "pos", "mods_pos", "age", "sex", "dx", "units", "pair", "ordinal",
    "family_year", "family_365",
)  # fmt: skip
# Rank kinds: the line's place among the patient's earlier services with the payer. `ordinal` counts lines of the
# same procedure this calendar year; `family_year` and `family_365` count claims (visits) with a service of the
# procedure's family this calendar year and in the last 365 days, as benefit limits count visits (a lipid panel
# and an A1c may share one limit).
RANK_KINDS = ("ordinal", "family_year", "family_365")
PARENT = {"any_mods_pos": "any_mods", "mods": "any_mods", "mods_pos": "mods", "pair": "any_pair"}


@dataclass(frozen=True)
class SliceLines:
    """What the slice keys of each line are made of, one value per line (claim-level values already broadcast).

    Attributes:
        claim: The line's claim position. payer, code, mods, pos, sex, dx: strings (`mods` the sorted modifier
            set, "none" when absent; `dx` the diagnosis the line points to). age, units: floats (NaN unknown).
        patient: Patient id. year: Calendar year of the line's service day. family: The procedure's family.
    """

    claim: np.ndarray
    payer: np.ndarray
    code: np.ndarray
    mods: np.ndarray
    pos: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    dx: np.ndarray
    units: np.ndarray
    patient: np.ndarray
    year: np.ndarray
    family: np.ndarray


def modifier_sets(mods: np.ndarray) -> np.ndarray:
    """Each line's modifiers as one sorted set ("25+59"), "none" without modifiers (order on the form is noise)."""
    combo, first = encode_lines(np.zeros(len(mods), dtype=np.int64), mods)
    sets = ["+".join(sorted(m for m in row if m)) or "none" for row in mods[first].tolist()]
    return np.array(sets, dtype=object)[combo]


def bands(values: np.ndarray, edges: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Band label of each value (the last label for NaN)."""
    band = np.searchsorted(edges, values, side="right")
    return labels[np.where(np.isnan(values), len(labels) - 1, band)]


def encoded(s: SliceLines) -> dict[str, Keys]:
    """The lines' slice columns encoded once (every key combines a few of them)."""
    return {
        name: encode(getattr(s, name))
        for name in ("payer", "code", "mods", "pos", "sex", "dx", "patient", "year", "family")
    } | {
        "age": encode(bands(s.age, AGE_EDGES, AGE_LABELS)),
        "units": encode(bands(s.units, UNITS_EDGES, UNITS_LABELS)),
    }


def ordinal_band(earlier: np.ndarray) -> np.ndarray:
    """The line's rank among the patient's same services with the payer this year (earlier ones + 1), capped."""
    return np.array([f"n{k}" for k in range(1, ORDINAL_CAP + 1)], dtype=object)[
        np.clip(earlier, 0, ORDINAL_CAP - 1).astype(np.int64)
    ]


def slice_keys(e: dict[str, Keys], ranks: dict[str, np.ndarray]) -> dict[str, Composite]:
    """Every slice kind's key (`kind|payer|code|...`, a `Composite` of its parts) of each line except `pair` (see
    `pair_keys`).

    Args:
        e: The lines' `encoded` columns. ranks: Each `RANK_KINDS` kind's `ordinal_band` of each line.
    """
    n = len(e["code"].position)
    proc = (e["payer"], e["code"])
    out = {kind: compose(tag(kind, n), *proc, e[kind]) for kind in ("mods", "pos", "age", "sex", "dx", "units")}
    out["mods_pos"] = compose(tag("mods_pos", n), *proc, e["mods"], e["pos"])
    for kind in RANK_KINDS:
        out[kind] = compose(tag(kind, n), *proc, encode(ranks[kind]))
    out["any_mods"] = compose(tag("any_mods", n), tag("*", n), e["code"], e["mods"])
    out["any_mods_pos"] = compose(tag("any_mods_pos", n), tag("*", n), e["code"], e["mods"], e["pos"])
    return out


def line_pairs(claim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair of different lines of one claim: `(line, other line)` index arrays."""
    order = np.argsort(claim, kind="stable")
    sorted_claim = claim[order]
    starts = np.searchsorted(sorted_claim, sorted_claim, side="left")
    counts = np.searchsorted(sorted_claim, sorted_claim, side="right") - starts
    first = np.repeat(np.arange(len(order)), counts)
    offsets = np.arange(len(first)) - np.repeat(np.cumsum(counts) - counts, counts)
    second = np.repeat(starts, counts) + offsets
    keep = first != second
    return order[first[keep]], order[second[keep]]


def pair_keys(claim: np.ndarray, e: dict[str, Keys], any_payer: bool = False) -> tuple[np.ndarray, Composite]:
    """Same-claim pairs: `pair|payer|code|modifiers|with|other code` for each pair of lines, and each pair's line.

    Args:
        claim: Each line's claim. e: The lines' `encoded` columns. any_payer: The `any_pair` keys (payer `*`).
    """
    line, other = line_pairs(claim)
    n = len(line)
    payer = tag("*", n) if any_payer else Keys(e["payer"].position[line], e["payer"].distinct)
    parts = [Keys(e[name].position[line], e[name].distinct) for name in ("code", "mods")]
    other_code = Keys(e["code"].position[other], e["code"].distinct)
    return line, compose(tag("any_pair" if any_payer else "pair", n), payer, *parts, tag("with", n), other_code)


def pointed_diagnoses(dx_lists: list[list[str]], dx_row: np.ndarray, pointers: np.ndarray) -> np.ndarray:
    """The diagnosis code each line points to first (the principal one without a pointer; "" past the list).

    Args:
        dx_lists: Distinct diagnosis lists. dx_row: Each line's claim's list (position in `dx_lists`).
        pointers: Each line's diagnosis pointers ("2 1").
    """
    ptr, ptrs = encode(pointers)
    k_of = np.array([pointed_index(p) for p in ptrs.tolist()], dtype=np.int64)
    pair, rows, ks = encode_pairs(dx_row, len(k_of), ptr)
    texts = [
        dx_lists[r][k] if k < len(dx_lists[r]) else "" for r, k in zip(rows.tolist(), k_of[ks].tolist(), strict=True)
    ]
    return np.array(texts, dtype=object)[pair]


def service_years(days: np.ndarray) -> np.ndarray:
    """Calendar year of each integer day number as text ("?" for a missing day)."""
    position, distinct = encode(np.asarray(days, dtype=np.int64))
    valid = (distinct > -(10**6)) & (distinct < 10**6)
    years = np.datetime64("1970-01-01") + np.where(valid, distinct, 0).astype("timedelta64[D]")
    text = np.where(valid, years.astype("datetime64[Y]").astype(str), "?").astype(object)
    return text[position]


def families(codes: np.ndarray) -> np.ndarray:
    """Each procedure's family (`domain.code_families`), the code itself when it has none."""
    position, distinct = encode(codes)
    return np.array([procedure_family(c) or c for c in distinct.tolist()], dtype=object)[position]


def slice_lines(
    a: ClaimArrays, ln: BatchLines, keys: ClaimKeys, birth_day: Mapping[str, float], sex: Mapping[str, str]
) -> SliceLines:
    """The slice inputs of the batch's lines.

    Args:
        a: The claims. ln: Their lines. keys: The claims' keys. birth_day: Patient id -> birth day number.
        sex: Patient id -> sex.
    """
    c = ln.claim
    payer, payers = keys.payer
    patient, patients = keys.patient
    claim_types = keys.claim_type.distinct[keys.claim_type.position]
    pointers = np.where(claim_types[c] == "837I", "", ln.pointers).astype(object)
    age = (a.service_day - map_floats(birth_day, patients)[patient]) / 365.25
    return SliceLines(
        claim=c,
        payer=payers[payer[c]],
        code=ln.code,
        mods=modifier_sets(ln.mods),
        pos=a.pos[c],
        age=age[c],
        sex=map_keys(sex, patients, "?")[patient][c],
        dx=pointed_diagnoses(keys.dx.lists, keys.dx.row[c], pointers),
        units=ln.units,
        patient=patients[patient[c]],
        year=service_years(ln.service_day),
        family=families(ln.code),
    )
