"""The claims' key columns, encoded once per batch: what the claim, line and history features look up by.

Every key is a `Keys` (each claim's position among the distinct values, and those values), so a lookup runs once
per distinct payer, patient or diagnosis list and is broadcast to the claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

import numpy as np

from denial_ml.features.arrays import ClaimArrays, LineArrays
from denial_ml.features.line_features import join_keys
from denial_ml.features.lookup import Keys, encode, encode_pairs


class DxKeys(NamedTuple):
    """The claims' diagnosis code lists: each claim's list (position in `lists`) and the distinct lists."""

    row: np.ndarray
    lists: list[list[str]]


@dataclass(frozen=True)
class ClaimKeys:
    """The claims' encoded key columns."""

    pos: Keys  # place of service
    claim_type: Keys
    payer: Keys
    patient: Keys
    npi: Keys  # rendering provider NPI ("" when missing)
    provider: Keys  # the provider history index's key: the NPI, "none" when missing
    patient_payer: Keys  # `patient|payer`
    dx: DxKeys


def claim_keys(a: ClaimArrays) -> ClaimKeys:
    """Encode the claims' key columns (see `ClaimKeys`)."""
    payer, payers = encode(a.payer)
    patient, patients = encode(a.patient)
    npi, npis = encode(a.provider)
    pairs, pair_patient, pair_payer = encode_pairs(patient, len(payers), payer)
    dx_row, dx_texts = encode(a.dx_text)
    return ClaimKeys(
        pos=encode(a.pos),
        claim_type=encode(a.claim_type),
        payer=Keys(payer, payers),
        patient=Keys(patient, patients),
        npi=Keys(npi, npis),
        provider=Keys(npi, np.where(npis == "", "none", npis).astype(object)),
        patient_payer=Keys(pairs, join_keys(patients[pair_patient], payers[pair_payer])),
        dx=DxKeys(dx_row, [text.split(" ") for text in dx_texts.tolist()]),
    )


def day_strings(days: np.ndarray) -> np.ndarray:
    """Integer day numbers as text (the duplicate keys print them), converted once per distinct day."""
    position, distinct = encode(days)
    return np.array([str(d) for d in distinct.tolist()], dtype=object)[position]


@dataclass(frozen=True)
class BatchLines:
    """The lines of the batch's claims (lines of other claims are dropped), in their input order."""

    claim: np.ndarray  # the line's claim position in the batch
    code: np.ndarray
    mods: np.ndarray  # shape (n_lines, 4)
    units: np.ndarray
    pointers: np.ndarray
    service_day: np.ndarray


def batch_lines(a: ClaimArrays, la: LineArrays) -> BatchLines:
    """Match each line to its claim's position in `a` and keep the lines whose claim is in the batch."""
    position = {cid: i for i, cid in enumerate(a.claim_id.tolist())}
    c_all = np.fromiter(map(position.get, la.claim_id, repeat(-1)), dtype=np.int64, count=len(la.claim_id))
    keep = c_all >= 0
    return BatchLines(
        claim=c_all[keep],
        code=la.code[keep],
        mods=la.mods[keep],
        units=la.units[keep],
        pointers=la.pointers[keep],
        service_day=la.service_day[keep],
    )
