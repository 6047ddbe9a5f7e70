"""One claim's slice evidence straight from its one-claim lookups (`ClaimSlices`), in plain Python.

`BatchEvidence` answers a batch's claims from columns: for one claim, turning its lookups into arrays, sorting them
by claim and finding the top slice with `reduceat` cost more than its whole feature row (issue #20). This class
gives the same answers (`of_claim`, `top`, `counts`, `find` of the claim as a batch of one) from the lists the
one-claim pass already holds; tests/code/test_features_one_claim.py compares it with `BatchEvidence` claim by claim.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from denial_ml.features.one_claim_slices import ClaimSlices
from denial_ml.features.slice_evidence import BatchEvidence, Evidence, SliceEvidence


class OneClaimEvidence(BatchEvidence):
    """`BatchEvidence` of a batch of one claim (position 0), from its `ClaimSlices`."""

    def __init__(self, slices: ClaimSlices) -> None:
        # No batch columns (`BatchEvidence.__init__`): the one-claim lists are the evidence.
        self._slices = slices

    def of_claim(self, i: int) -> Evidence:
        """The claim's evidence (`i` is 0: the only claim): every slice of every line, in `BatchEvidence`'s order
        (kinds, then each kind's own order)."""
        kinds = self._slices.kinds
        return [self._item(kind, j) for kind, r in kinds.items() for j in range(len(r.key))], self.counts(i)

    def top(self, i: int, kinds: tuple[str, ...]) -> SliceEvidence | None:
        """The slice of these kinds with history whose rate rises most above its parent: `max` keeps the first of
        equal lifts and, with a NaN lift, its own left-to-right answer, both as `BatchEvidence.top` does (only the
        kinds asked for are read, in `of_claim`'s order, and only the answer becomes a `SliceEvidence`)."""
        found = [
            (rate - parent, kind, j)
            for kind, r in self._slices.kinds.items()
            if kind in kinds
            for j, (rate, parent, n) in enumerate(zip(r.rate, r.parent, r.n, strict=True))
            if n > 0
        ]
        if not found:
            return None
        _, kind, j = max(found, key=itemgetter(0))
        return self._item(kind, j)

    def _item(self, kind: str, j: int) -> SliceEvidence:
        """The evidence of slice `j` of a kind."""
        r = self._slices.kinds[kind]
        code = str(self._slices.lines["code"][r.line[j]])
        return SliceEvidence(kind, code, r.key[j].split("|", 3)[3], r.rate[j], r.parent[j], r.n[j], r.denied[j])

    def counts(self, i: int) -> dict[str, np.ndarray]:
        """The lines' patient-history values (arrays, as the batch gives them)."""
        return {name: np.array(values, dtype=float) for name, values in self._slices.patient.items()}

    def find(self, i: int, kind: str, code: str, value: str) -> SliceEvidence | None:
        """The first slice with history of this kind, procedure and value (None when none)."""
        r = self._slices.kinds.get(kind)
        if r is None:
            return None
        for j in range(len(r.key)):
            if r.n[j] > 0 and (e := self._item(kind, j)).code == code and e.value == value:
                return e
        return None
