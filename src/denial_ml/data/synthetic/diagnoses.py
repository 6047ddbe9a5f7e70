"""Diagnoses: each claim's diagnosis codes and each line's pointer to them, with the coders' slips."""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import as_str, first_occurrences, fixed_str, join_codes
from denial_ml.data.synthetic.hidden import add_hidden, hidden
from denial_ml.domain.catalog import DIAGNOSES, PROCEDURE_BY_CODE

COMORBIDITIES = np.array(["I10", "E119", "E785", "K219", "F411", "G4733", "E039"])
# Diagnosis codes as integers (0: no code) while a claim's list is drawn; strings only when joined.
DX_CODES = np.array(["", *sorted({d.code for d in DIAGNOSES} | set(COMORBIDITIES.tolist()))])
DX_INDEX = {code: i for i, code in enumerate(DX_CODES)}
DX_GROUPS = np.array([{d.code: d.group for d in DIAGNOSES}.get(code, "") for code in DX_CODES])
COMORBIDITY_INDEX = np.array([DX_INDEX[code] for code in COMORBIDITIES])


class Diagnoses(NamedTuple):
    """The claims' diagnoses and the lines' pointers to them, with the slips made (`draw_diagnoses`)."""

    codes: pd.Series  # per claim: diagnosis codes, space-separated
    pointers: pd.Series  # per line: diagnosis pointer (missing when left off)
    misfit: np.ndarray  # per claim: the principal diagnosis does not support the first procedure
    inactive: np.ndarray  # per claim: an inactive diagnosis code was billed
    missing_pointer: np.ndarray  # per line: the pointer was left off


def add_diagnoses(claims: pd.DataFrame, lines: pd.DataFrame, dx: Diagnoses) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claims with `diagnosis_codes` and lines with `diagnosis_pointers`, each with their hidden slips."""
    claims = add_hidden(
        claims.assign(diagnosis_codes=dx.codes.array), "claims", _dx_misfit=dx.misfit, _inactive_dx=dx.inactive
    )
    lines = add_hidden(
        lines.assign(diagnosis_pointers=dx.pointers.array), "claim_lines", _missing_pointer=dx.missing_pointer
    )
    return claims, lines


def draw_diagnoses(
    rng: np.random.Generator, lines: pd.DataFrame, claims: pd.DataFrame, providers: pd.DataFrame
) -> Diagnoses:
    """Diagnosis codes per claim and the pointer of each line (see `Diagnoses`)."""
    people = providers[providers["entity_type"] == "1"].reset_index(drop=True)
    n_claims = len(claims)
    prov = hidden(claims, "claims", "_prov").to_numpy()
    cq = people["coding_quality"].to_numpy()[prov]
    dq = people["data_quality"].to_numpy()[prov]
    c = hidden(lines, "claim_lines", "_c").to_numpy()
    ln = lines["line_number"].to_numpy()
    code = fixed_str(lines["procedure_code"])
    slot_dx = np.zeros((n_claims, 4), dtype=np.int64)  # indexes into DX_CODES; 0 is an empty slot
    for k in range(1, 5):
        at = ln == k
        slot_dx[c[at], k - 1] = _fitting_dx(rng, code[at])
    empty = slot_dx == 0
    comorb = COMORBIDITY_INDEX[rng.integers(0, len(COMORBIDITIES), (n_claims, 4))]
    add = rng.random((n_claims, 4)) < np.array([1.0, 0.5, 0.3, 0.2])
    slot_dx = np.where(empty & add, comorb, slot_dx)
    all_dx = np.array([DX_INDEX[d.code] for d in DIAGNOSES if d.code != "M545"])
    misfit_try = rng.random(n_claims) < 0.012 * cq
    slot_dx[misfit_try, 0] = all_dx[rng.integers(0, len(all_dx), misfit_try.sum())]
    first_code = code[ln == 1]
    fits = _dx_fits(slot_dx[c[ln == 1], 0], first_code)
    misfit = np.zeros(n_claims, dtype=bool)
    misfit[c[ln == 1]] = ~fits
    inactive = (slot_dx[:, 0] == DX_INDEX["M5450"]) & (rng.random(n_claims) < 0.04 * cq)
    slot_dx[inactive, 0] = DX_INDEX["M545"]

    # Unique codes per claim in slot order; each line points at its own slot's code.
    new, ptr_table = first_occurrences(slot_dx, 0)
    codes_per_claim = join_codes(slot_dx, new, DX_CODES)
    line_slot = np.minimum(ln, 4) - 1
    ptr = ptr_table[c, line_slot]
    ptr = np.where(ptr == 0, 1, ptr)
    pointers = np.array(["1", "2", "3", "4"])[np.where(ln == 1, 0, ptr - 1)]
    missing_ptr = rng.random(len(c)) < 0.003 * dq[c]
    codes_per_claim[~new.any(axis=1)] = "R69"
    return Diagnoses(
        pd.Series(codes_per_claim), pd.Series(as_str(pointers, missing_ptr)), misfit, inactive, missing_ptr
    )


@functools.cache
def _fit_table(procedure: str) -> np.ndarray:
    proc = PROCEDURE_BY_CODE[procedure]
    return np.array([DX_INDEX[d.code] for d in DIAGNOSES if d.group in proc.dx_groups and d.code != "M545"])


def _fitting_dx(rng: np.random.Generator, codes: np.ndarray) -> np.ndarray:
    out = np.zeros(len(codes), dtype=np.int64)
    for proc in np.unique(codes):
        at = codes == proc
        table = _fit_table(proc)
        out[at] = table[rng.integers(0, len(table), at.sum())]
    return out


def _dx_fits(dx: np.ndarray, procedures: np.ndarray) -> np.ndarray:
    """Whether each diagnosis (a `DX_CODES` index) supports its procedure."""
    ok = {(g, p.code) for p in PROCEDURE_BY_CODE.values() for g in p.dx_groups}
    # Distinct (diagnosis group, procedure) pairs are few: test each once.
    p_codes, procs = pd.factorize(np.asarray(procedures, dtype=object), use_na_sentinel=False)
    table = np.array([[(g, p) in ok for p in procs] for g in DX_GROUPS], dtype=bool).reshape(len(DX_GROUPS), -1)
    return table[dx, p_codes]
