"""One claim's slice evidence straight from its one-claim lookups (`ClaimSlices`), in plain Python.

`BatchEvidence` answers a batch's claims from columns: for one claim, turning its lookups into arrays, sorting them
by claim and finding the top slice with `reduceat` cost more than its whole feature row (issue #20). This class
gives the same answers (`of_claim`, `top`, `counts`, `find` of the claim as a batch of one) from the lists the
one-claim pass already holds; tests/code/test_features_one_claim.py compares it with `BatchEvidence` claim by claim.
"""

from __future__ import annotations

import numpy as np

from denial_ml.features.one_claim_slices import ClaimSlices
from denial_ml.features.slice_evidence import BatchEvidence, Evidence, SliceEvidence


class OneClaimEvidence(BatchEvidence):
    """`BatchEvidence` of a batch of one claim (position 0), from its `ClaimSlices`."""

    def __init__(self, slices: ClaimSlices) -> None:
        # No batch columns (`BatchEvidence.__init__`): the one-claim lists are the evidence.
        self._slices = slices
        self._items: list[SliceEvidence] | None = None

    def _evidence(self) -> list[SliceEvidence]:
        """Every slice of every line, in `BatchEvidence.of_claim`'s order (kinds, then each kind's own order)."""
        if self._items is None:
            code = self._slices.lines["code"]
            self._items = [
                SliceEvidence(kind, str(code[line]), key.split("|", 3)[3], rate, parent, n, denied)
                for kind, r in self._slices.kinds.items()
                for line, key, rate, parent, n, denied in zip(
                    r.line, r.key, r.rate, r.parent, r.n, r.denied, strict=True
                )
            ]
        return self._items

    def of_claim(self, i: int) -> Evidence:
        """The claim's evidence (`i` is 0: the only claim)."""
        return list(self._evidence()), self.counts(i)

    def top(self, i: int, kinds: tuple[str, ...]) -> SliceEvidence | None:
        """The slice of these kinds with history whose rate rises most above its parent: `max` keeps the first of
        equal lifts and, with a NaN lift, its own left-to-right answer, both as `BatchEvidence.top` does."""
        found = [e for e in self._evidence() if e.kind in kinds and e.n > 0]
        return max(found, key=lambda e: e.rate - e.parent) if found else None

    def counts(self, i: int) -> dict[str, np.ndarray]:
        """The lines' patient-history values (arrays, as the batch gives them)."""
        return {name: np.array(values, dtype=float) for name, values in self._slices.patient.items()}

    def find(self, i: int, kind: str, code: str, value: str) -> SliceEvidence | None:
        """The first slice with history of this kind, procedure and value (None when none)."""
        for e in self._evidence():
            if e.kind == kind and e.n > 0 and e.code == code and e.value == value:
                return e
        return None
