"""The history behind one claim's slice features, for the explanations: which slice of which line stood out, with
the counts (`denial_ml.explain.slice_sentences` turns it into sentences)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
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
NO_SLICE, SCAN = -1, -2  # `BatchEvidence.top`'s marks: no slice of the kinds has history; NaN lift, scan in order


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
        owners += s.claim[r.line].tolist()
        out += _items([kind] * len(r.line), s.code[r.line], r.key, r.rate, r.parent, r.n, r.denied)
    return owners, out, found.patient


def _items(kinds: list[str], codes: np.ndarray, keys: np.ndarray, *floats: np.ndarray) -> list[SliceEvidence]:
    """Evidence tuples from columns (tolist gives Python floats, as float() would; keys are kind|payer|code|value)."""
    values = [str(key).split("|", 3)[3] for key in keys.tolist()]
    columns = zip(kinds, map(str, codes.tolist()), values, *(f.tolist() for f in floats), strict=True)
    return list(map(SliceEvidence._make, columns))


class BatchEvidence:
    """The evidence of a batch's claims from their lines' `slice_lookups` (those the features were built with,
    `FeatureBuilder.transform_records_with_slices`, or a lookup of their own), kept as columns sorted by claim
    on first use: a claim's evidence tuples are built only when its sentences read them, and the slice that
    stands out most among some kinds (`top`) is found for the whole batch at once."""

    def __init__(self, found: SliceLookups, n_claims: int) -> None:
        self._found = found
        self._n = n_claims

    @cached_property
    def _columns(self) -> _Columns:
        return _Columns(self._found, self._n)

    def of_claim(self, i: int) -> Evidence:
        """The evidence of the batch's claim `i` (as `slice_evidence` gives it for that claim alone)."""
        return self._columns.of_claim(i)

    def top(self, i: int, kinds: tuple[str, ...]) -> SliceEvidence | None:
        """Claim `i`'s slice of these kinds with history that raises its rate most above its parent (the first
        in `of_claim`'s order on a tie), None when it has none: `max` over its evidence, for all claims at once."""
        return self._columns.top(i, kinds)

    def counts(self, i: int) -> dict[str, np.ndarray]:
        """Claim `i`'s lines' patient-history values (the second part of `of_claim`)."""
        return self._columns.counts(i)

    def find(self, i: int, kind: str, code: str, value: str) -> SliceEvidence | None:
        """Claim `i`'s first slice with history of this kind, procedure and value (None when it has none)."""
        return self._columns.find(i, kind, code, value)


class _Columns:
    """`BatchEvidence`'s columns: every slice of the batch, sorted by claim."""

    def __init__(self, found: SliceLookups, n_claims: int) -> None:
        s, parts = found.lines, list(found.rates.items())
        self._kinds = tuple(kind for kind, _ in parts)
        owner = np.concatenate([s.claim[r.line] for _, r in parts]) if parts else np.zeros(0, dtype=np.int64)
        # Stable: each claim keeps the order `evidence_of_lookups` lists its slices in (kinds, then lines).
        order = np.argsort(owner, kind="stable")
        self._owner = owner[order]
        self._bounds = np.searchsorted(self._owner, np.arange(n_claims + 1)).tolist()

        def column(values: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(values).astype(dtype, copy=False)[order] if parts else np.zeros(0, dtype=dtype)

        self._kind = column([np.full(len(r.line), j) for j, (_, r) in enumerate(parts)], np.int64)
        self._code = column([s.code[r.line] for _, r in parts], object)
        self._key = column([r.key for _, r in parts], object)
        self._rate, self._parent = (
            column([r.rate for _, r in parts], float),
            column([r.parent for _, r in parts], float),
        )
        self._n, self._denied = column([r.n for _, r in parts], float), column([r.denied for _, r in parts], float)
        line_order = np.argsort(s.claim, kind="stable")
        self._line_bounds = np.searchsorted(s.claim[line_order], np.arange(n_claims + 1)).tolist()
        self._counts = {name: values[line_order] for name, values in found.patient.items()}
        self._tops: dict[tuple[str, ...], np.ndarray] = {}

    def of_claim(self, i: int) -> Evidence:
        lo, hi = self._bounds[i], self._bounds[i + 1]
        kinds = [self._kinds[k] for k in self._kind[lo:hi].tolist()]
        return _items(kinds, self._code[lo:hi], self._key[lo:hi], *self._floats(slice(lo, hi))), self.counts(i)

    def _floats(self, at: slice | np.ndarray) -> tuple[np.ndarray, ...]:
        return self._rate[at], self._parent[at], self._n[at], self._denied[at]

    def top(self, i: int, kinds: tuple[str, ...]) -> SliceEvidence | None:
        if kinds not in self._tops:
            self._tops[kinds] = self._best(kinds)
        j = int(self._tops[kinds][i])
        if j == NO_SLICE:
            return None
        if j == SCAN:  # a NaN lift: keep `max`'s own left-to-right answer
            evidence = [e for e in self.of_claim(i)[0] if e.kind in kinds and e.n > 0]
            return max(evidence, key=lambda e: e.rate - e.parent)
        return self._item(j)

    def _item(self, j: int) -> SliceEvidence:
        # float() of a float64 is the value tolist gives.
        value = str(self._key[j]).split("|", 3)[3]
        floats = float(self._rate[j]), float(self._parent[j]), float(self._n[j]), float(self._denied[j])
        return SliceEvidence(self._kinds[self._kind[j]], str(self._code[j]), value, *floats)

    def counts(self, i: int) -> dict[str, np.ndarray]:
        a, b = self._line_bounds[i], self._line_bounds[i + 1]
        return {name: values[a:b] for name, values in self._counts.items()}

    def find(self, i: int, kind: str, code: str, value: str) -> SliceEvidence | None:
        lo = self._bounds[i]
        if kind not in self._kinds:
            return None
        hits = (self._kind[lo : self._bounds[i + 1]] == self._kinds.index(kind)) & (
            self._n[lo : self._bounds[i + 1]] > 0
        )
        for j in (lo + np.flatnonzero(hits)).tolist():
            if str(self._code[j]) == code and str(self._key[j]).split("|", 3)[3] == value:
                return self._item(j)
        return None

    def _best(self, kinds: tuple[str, ...]) -> np.ndarray:
        """Per claim, the position of its first largest lift among the kinds' slices with history.

        The slices are sorted by claim, so each claim's largest lift is one `maximum.reduceat` and its first
        position a scan: no sort (a NaN lift makes the claim's largest NaN: `SCAN`).
        """
        wanted = np.isin(self._kind, [j for j, kind in enumerate(self._kinds) if kind in kinds])
        at = np.flatnonzero(wanted & (self._n > 0))
        best = np.full(len(self._bounds) - 1, NO_SLICE, dtype=np.int64)
        if not at.size:
            return best
        lift, owner = self._rate[at] - self._parent[at], self._owner[at]
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        largest = np.maximum.reduceat(lift, starts)
        hits = np.flatnonzero(lift == np.repeat(largest, np.diff(np.r_[starts, len(at)])))
        first = hits[np.r_[True, owner[hits[1:]] != owner[hits[:-1]]]]
        best[owner[first]] = at[first]
        best[owner[starts[np.isnan(largest)]]] = SCAN
        return best


class ClaimEvidence(NamedTuple):
    """One claim's evidence in its batch's `BatchEvidence`."""

    batch: BatchEvidence
    position: int

    def evidence(self) -> Evidence:
        """Every slice of every line of the claim, and each line's patient-history values."""
        return self.batch.of_claim(self.position)

    def top(self, kinds: tuple[str, ...]) -> SliceEvidence | None:
        """`BatchEvidence.top` of the claim."""
        return self.batch.top(self.position, kinds)

    def counts(self) -> dict[str, np.ndarray]:
        """Each line's patient-history values (the second part of `evidence`)."""
        return self.batch.counts(self.position)

    def find(self, kind: str, code: str, value: str) -> SliceEvidence | None:
        """`BatchEvidence.find` of the claim."""
        return self.batch.find(self.position, kind, code, value)


def evidence_by_claim(found: SliceLookups, n_claims: int) -> list[Evidence]:
    """The evidence of each of `n_claims` claims from their lines' `slice_lookups` (lines in any order; each
    claim's lines keep theirs)."""
    batch = BatchEvidence(found, n_claims)
    return [batch.of_claim(i) for i in range(n_claims)]


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


def batch_evidence(builder: FeatureBuilder, claims: Sequence[dict], lines: Sequence[dict]) -> BatchEvidence:
    """The `BatchEvidence` of claims with distinct ids from one lookup (each claim's lines in its own order).

    Each line's lookups depend only on its own claim, so every claim gets exactly what it gets alone; one pass costs
    about what one claim does (a few milliseconds of NumPy calls), so explaining 10,000 claims is not 10,000 passes.
    """
    return BatchEvidence(_slice_lookups(builder, claims, lines), len(claims))


def slice_evidence_by_claim(builder: FeatureBuilder, claims: Sequence[dict], lines: Sequence[dict]) -> list[Evidence]:
    """`slice_evidence` of each claim, in the order of `claims`, from one pass over the batch (`batch_evidence`).

    Args:
        builder: The fitted feature builder.
        claims: Claim records with distinct claim ids.
        lines: Their lines (each claim's lines in its own order).
    """
    batch = batch_evidence(builder, claims, lines)
    return [batch.of_claim(i) for i in range(len(claims))]
