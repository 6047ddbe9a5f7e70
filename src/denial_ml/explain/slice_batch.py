"""The slice evidence of a whole batch of claims in one pass (`features.slice_evidence` asks for one claim).

Per claim, the history lookups behind a claim's slices cost a few milliseconds of NumPy calls whatever their size;
one call for the batch costs about the same, so explaining 10,000 claims takes one pass, not 10,000 (issue #20).
Each line's lookups depend only on its own claim, so every claim gets exactly what `slice_evidence` gives it alone
(tests/code/test_explain_slice_batch.py checks that on a batch).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from denial_ml.features.arrays import claim_arrays_from_records, line_arrays_from_records
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.history import smoothed_rate
from denial_ml.features.history_features import BASE_RATE
from denial_ml.features.keys import batch_lines, claim_keys
from denial_ml.features.line_features import join_keys
from denial_ml.features.slice_evidence import SliceEvidence
from denial_ml.features.slice_keys import encoded, ordinal_band, slice_lines
from denial_ml.features.slices import patient_counts, patient_keys, slice_rates, year_counts

Evidence = tuple[list[SliceEvidence], dict[str, np.ndarray]]


def batch_slice_evidence(builder: FeatureBuilder, claims: Sequence[dict], lines: Sequence[dict]) -> list[Evidence]:
    """`slice_evidence` of each claim, in the order of `claims`, computed for all of them at once.

    Args:
        builder: The fitted feature builder.
        claims: Claim records with distinct claim ids.
        lines: Their lines, grouped by claim in the order of `claims` (each claim's lines in its own order).
    """
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
    line_day = day[c]
    e = encoded(s)
    same, year_keys = patient_keys(e)
    year = year_counts(idx, year_keys, line_day)
    per_claim: list[list[SliceEvidence]] = [[] for _ in claims]
    for kind, r in slice_rates(idx, s.claim, e, ordinal_band(year[0]), line_day, proc_rate, m).items():
        # Whole columns at once (tolist: Python floats, as float(); iterating n and denied keeps NumPy scalars).
        columns = zip(
            s.claim[r.line].tolist(),
            s.code[r.line].tolist(),
            r.key.tolist(),
            r.rate.tolist(),
            r.parent.tolist(),
            list(r.n),
            list(r.denied),
            strict=True,
        )
        for owner, code, key, rate, parent, n, denied in columns:
            value = str(key).split("|", 3)[3]  # kind|payer|code|value
            per_claim[owner].append(SliceEvidence(kind, str(code), value, rate, parent, n, denied))
    counts = patient_counts(idx, same, line_day, year)
    bounds = np.searchsorted(s.claim, np.arange(len(claims) + 1)).tolist()  # lines come grouped by claim
    return [
        (evidence, {name: values[bounds[i] : bounds[i + 1]] for name, values in counts.items()})
        for i, evidence in enumerate(per_claim)
    ]
