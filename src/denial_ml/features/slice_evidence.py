"""The history behind one claim's slice features, for the explanations: which slice of which line stood out, with
the counts (`denial_ml.explain.slice_sentences` turns it into sentences)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import NamedTuple

import numpy as np

from denial_ml.features.arrays import claim_arrays_from_records, line_arrays_from_records
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.history import HistoryIndex, smoothed_rate
from denial_ml.features.history_features import BASE_RATE
from denial_ml.features.keys import batch_lines, claim_keys
from denial_ml.features.line_features import join_keys
from denial_ml.features.slice_keys import SliceLines, slice_lines
from denial_ml.features.slices import SliceLookups, slice_lookups


class SliceEvidence(NamedTuple):
    """What one slice of one line showed before the claim's submission day (for the explanations).

    A named tuple rather than a dataclass: a batch of 10,000 claims builds a quarter of a million of them, and a
    tuple is built four times faster.
    """

    kind: str  # a `SLICE_KINDS` value
    code: str  # the line's procedure
    value: str  # the slice's own part of the key ("59", "02", "age6-17", "with|97530", "n3")
    rate: float  # smoothed denial rate of the slice
    parent: float  # the rate it is compared with (payer x procedure, or its parent slice)
    n: float  # decided lines in the slice
    denied: float  # of which denied


Evidence = tuple[list[SliceEvidence], dict[str, np.ndarray]]


def line_evidence(
    idx: dict[str, HistoryIndex], s: SliceLines, day: np.ndarray, proc_rate: np.ndarray, m: float
) -> tuple[list[int], list[SliceEvidence], dict[str, np.ndarray]]:
    """Every slice of every line with its history (and the claim it belongs to), and the patient-history values
    of each line.

    Args: as `slice_features`.
    """
    return evidence_of_lookups(slice_lookups(idx, s, day, proc_rate, m))


def evidence_of_lookups(found: SliceLookups) -> tuple[list[int], list[SliceEvidence], dict[str, np.ndarray]]:
    """`line_evidence` from the lines' `slice_lookups`."""
    s = found.lines
    owners: list[int] = []
    out: list[SliceEvidence] = []
    for kind, r in found.rates.items():
        # Whole columns at once (tolist gives Python floats, as float() would): a batch of 10,000 claims has
        # hundreds of thousands of slices.
        owners += s.claim[r.line].tolist()
        values = [str(key).split("|", 3)[3] for key in r.key.tolist()]  # kind|payer|code|value
        codes = [str(code) for code in s.code[r.line].tolist()]
        columns = zip(repeat(kind), codes, values, r.rate.tolist(), r.parent.tolist(), r.n.tolist(), r.denied.tolist())
        out += map(SliceEvidence._make, columns)
    return owners, out, found.patient


def evidence_by_claim(found: SliceLookups, n_claims: int) -> list[Evidence]:
    """The evidence of each of `n_claims` claims from their lines' `slice_lookups` (lines in any order; each
    claim's lines keep theirs)."""
    owners, evidence, counts = evidence_of_lookups(found)
    per_claim: list[list[SliceEvidence]] = [[] for _ in range(n_claims)]
    for owner, item in zip(owners, evidence, strict=True):
        per_claim[owner].append(item)
    order = np.argsort(found.lines.claim, kind="stable")
    bounds = np.searchsorted(found.lines.claim[order], np.arange(n_claims + 1)).tolist()
    grouped = {name: values[order] for name, values in counts.items()}
    return [
        (items, {name: values[bounds[i] : bounds[i + 1]] for name, values in grouped.items()})
        for i, items in enumerate(per_claim)
    ]


class BatchEvidence:
    """The evidence of a batch's claims from the lookups its features were built with
    (`FeatureBuilder.transform_records_with_slices`), split per claim on first use: a claim whose explanation
    shows no slice costs nothing more."""

    def __init__(self, found: SliceLookups, n_claims: int) -> None:
        self._found = found
        self._n = n_claims
        self._by_claim: list[Evidence] | None = None

    def of_claim(self, i: int) -> Evidence:
        """The evidence of the batch's claim `i` (as `slice_evidence` gives it for that claim alone)."""
        if self._by_claim is None:
            self._by_claim = evidence_by_claim(self._found, self._n)
        return self._by_claim[i]


def _slice_lookups(builder: FeatureBuilder, claims: Sequence[dict], lines: Sequence[dict]) -> SliceLookups:
    """`slice_lookups` of claim records."""
    a = claim_arrays_from_records(claims)
    ln = batch_lines(a, line_arrays_from_records(lines))
    keys = claim_keys(a)
    idx, c, m = builder.snapshot_.indexes, ln.claim, builder.smoothing
    day = a.submit_day.astype(np.int64)
    everything = idx["all"].before(np.array(["all"], dtype=object), day)
    prior = smoothed_rate(everything["denied"], everything["n"], BASE_RATE, m)
    payers = keys.payer.distinct[keys.payer.position]
    proc = idx["payer_proc"].before(join_keys(payers[c], ln.code), day[c])
    proc_rate = smoothed_rate(proc["denied"], proc["n"], prior[c], m)
    s = slice_lines(a, ln, keys, builder.birth_day_, builder.sex_)
    return slice_lookups(idx, s, day[c], proc_rate, m)


def slice_evidence(builder: FeatureBuilder, claims: Sequence[dict], lines: Sequence[dict]) -> Evidence:
    """The history behind the slice and patient-history features of a few claims (records as in
    `FeatureBuilder.transform_records`): every slice of every line, and each line's patient-history values."""
    _, evidence, counts = evidence_of_lookups(_slice_lookups(builder, claims, lines))
    return evidence, counts


def slice_evidence_by_claim(builder: FeatureBuilder, claims: Sequence[dict], lines: Sequence[dict]) -> list[Evidence]:
    """`slice_evidence` of each claim, in the order of `claims`, from one pass over the batch.

    Each line's lookups depend only on its own claim, so every claim gets exactly what it gets alone; one pass costs
    about what one claim does (a few milliseconds of NumPy calls), so explaining 10,000 claims is not 10,000 passes.

    Args:
        builder: The fitted feature builder.
        claims: Claim records with distinct claim ids.
        lines: Their lines (each claim's lines in its own order).
    """
    return evidence_by_claim(_slice_lookups(builder, claims, lines), len(claims))
