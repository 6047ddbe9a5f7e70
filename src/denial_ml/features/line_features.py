"""Line-level coding and authorization flags, aggregated to one row per claim.

Pure numpy over arrays of the lines that belong to the batch; `c` maps each line to its claim's position. A
batch repeats a few hundred (procedure, modifiers) combinations, so the coding flags are worked out once per
combination and broadcast to the lines.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from denial_ml.domain.catalog import DIAGNOSIS_BY_CODE, PROCEDURE_BY_CODE
from denial_ml.domain.code_families import diagnosis_group, procedure_family
from denial_ml.domain.codesets import diagnosis_status
from denial_ml.features.lookup import encode, encode_pairs, in_set

EM = {"99202", "99203", "99213", "99214", "99215"}
NEEDS_25 = {"20610", "11102", "17000", "17110", "93000"}
THERAPY = {"97110", "97140", "97530", "97112", "97161", "G0283"}
# Payer types and places of service of the deterministic modifier checks (`explain.checks`): every scrubber has
# them. The model has no feature per rule: it learns such rules from the payer's history of each procedure with
# each modifier set, place of service and same-claim code (`features.slices`).
GP_PAYER_TYPES = {"medicare", "medicare_advantage", "tricare"}
TELEHEALTH_POS = {"02", "10"}
MODS = [f"modifier_{i}" for i in range(1, 5)]

DX_GROUP = {d.code: d.group for d in DIAGNOSIS_BY_CODE.values()}
FIT_PAIRS = {f"{g}|{p.code}" for p in PROCEDURE_BY_CODE.values() for g in p.dx_groups}
ACCEPTED = {f"{p.code}|{m}" for p in PROCEDURE_BY_CODE.values() for m in p.modifiers}
_DX_START = {d.code: float(np.datetime64(d.start, "D").astype(np.int64)) for d in DIAGNOSIS_BY_CODE.values()}
_DX_STOP = {d.code: float(np.datetime64(d.stop, "D").astype(np.int64)) for d in DIAGNOSIS_BY_CODE.values()}


def dx_group(code: str) -> str | None:
    """A diagnosis code's group: the catalog's, else its ICD-10-CM family's (see `domain.code_families`)."""
    return DX_GROUP[code] if code in DX_GROUP else diagnosis_group(code)


def dx_window(code: str) -> tuple[float, float]:
    """The days a diagnosis code is active: the catalog's dates; a billable ICD-10-CM code outside the catalog
    always (the packaged release is the current one); anything else never."""
    if code in _DX_START:
        return _DX_START[code], _DX_STOP[code]
    return (-np.inf, np.inf) if diagnosis_status(code) == "billable" else (np.inf, -np.inf)


def is_code_form(code: str) -> bool:
    """Whether a procedure code is in the catalog or has a CPT / HCPCS Level II form (a real code we may not
    describe); anything else is an unknown procedure."""
    return code in PROCEDURE_BY_CODE or procedure_family(code) is not None


def any_by_claim(c: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Whether any line of each claim has `mask` set."""
    return np.bincount(c, weights=mask.astype(float), minlength=n) > 0


def join_keys(*parts: np.ndarray) -> np.ndarray:
    """Element-wise `a|b|...` of object arrays of strings (the key format of the history indexes)."""
    out = np.empty(len(parts[0]), dtype=object)
    out[:] = list(map("|".join, zip(*(np.asarray(p, dtype=object).tolist() for p in parts), strict=True)))
    return out


def first_rows(codes: np.ndarray, n_uniques: int) -> np.ndarray:
    """Index of the first row of each code (codes from `encode`, so every code below `n_uniques` occurs)."""
    first = np.empty(n_uniques, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def encode_lines(code: np.ndarray, mods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each line's (procedure, modifiers) combination: `(combo code per line, first line of each combo)`."""
    combo, uniques = encode(code)
    n_combos = len(uniques)
    for j in range(mods.shape[1]):
        mod, mod_uniques = encode(mods[:, j])
        combo, first_part, _ = encode_pairs(combo, len(mod_uniques), mod)
        n_combos = len(first_part)
    return combo, first_rows(combo, n_combos)


def invalid_modifier(code: np.ndarray, mods: np.ndarray) -> np.ndarray:
    """Lines carrying a modifier their catalog procedure does not accept, or an unknown procedure (a code of CPT
    or HCPCS form outside the catalog is not unknown: which modifiers it accepts is not known here)."""
    known = in_set(PROCEDURE_BY_CODE.keys(), code)
    bad = ~known & ~np.fromiter(map(is_code_form, code.tolist()), dtype=bool, count=len(code))
    for j in range(mods.shape[1]):
        m = mods[:, j]
        bad |= known & (m != "") & ~in_set(ACCEPTED, join_keys(code, m))
    return bad


def any_inactive(dx_lists: list[list[str]], dx_row: np.ndarray, service_day: np.ndarray) -> np.ndarray:
    """Whether any diagnosis code of each claim is unknown or inactive on its service date.

    Args:
        dx_lists: Distinct diagnosis code lists. dx_row: Each claim's list (position in `dx_lists`).
        service_day: Each claim's service day.
    """
    # A list's codes are all active on the days from its latest start to its earliest stop (an unknown code:
    # on no day); a missing service day is outside every window.
    windows = [[dx_window(d) for d in dx if d] for dx in dx_lists]
    latest_start = np.array([max([w[0] for w in ws], default=-np.inf) for ws in windows])
    earliest_stop = np.array([min([w[1] for w in ws], default=np.inf) for ws in windows])
    has_code = np.array([any(dx) for dx in dx_lists], dtype=bool)
    start, stop = latest_start[dx_row], earliest_stop[dx_row]
    return has_code[dx_row] & ~((start <= service_day) & (service_day <= stop))


def line_dx_fit(
    dx_lists: list[list[str]],
    dx_row: np.ndarray,
    c: np.ndarray,
    pointers: np.ndarray,
    code: np.ndarray,
    any_dx: np.ndarray | None = None,
) -> np.ndarray:
    """Whether the diagnosis a line points to (its first pointer; 1 when absent) supports its procedure;
    for lines flagged in `any_dx` (institutional claims, no pointers), whether any claim diagnosis does.

    Args:
        dx_lists: Distinct diagnosis code lists. dx_row: Each claim's list (position in `dx_lists`).
        c: Claim position of each line. pointers: Each line's diagnosis pointers. code: Each line's procedure.
    """
    groups: dict[str, int] = {}
    width = max((len(dx) for dx in dx_lists), default=1)
    # Group of each list's k-th diagnosis; padding gets the extra last group, which supports nothing.
    gid = np.full((len(dx_lists), width), -1, dtype=np.int64)
    for i, dx in enumerate(dx_lists):
        gid[i, : len(dx)] = [groups.setdefault(dx_group(d) or "?", len(groups)) for d in dx]
    gid[gid < 0] = len(groups)
    proc, procs = encode(code)
    fit = np.zeros((len(groups) + 1, len(procs)), dtype=bool)
    for g, i in groups.items():
        fit[i] = [f"{g}|{p}" in FIT_PAIRS for p in procs.tolist()]
    # Which diagnoses support a procedure outside the catalog is not known here: such a line is no misfit.
    fit[:, ~in_set(PROCEDURE_BY_CODE.keys(), procs)] = True
    ptr, ptrs = encode(pointers)
    k_of = np.array([pointed_index(p) for p in ptrs.tolist()], dtype=np.int64)
    k = k_of[ptr]
    row = dx_row[c]
    n_dx = np.array([len(dx) for dx in dx_lists], dtype=np.int64)
    # A pointer past the claim's last diagnosis points at nothing, which supports nothing.
    fits = (k < n_dx[row]) & fit[gid[row, np.minimum(k, width - 1)], proc]
    if any_dx is not None and any_dx.any():
        whole = np.flatnonzero(any_dx)
        fits[whole] = fit[gid[row[whole]], proc[whole][:, None]].any(axis=1)
    return fits


def pointed_index(ptr: str) -> int:
    """The 0-based diagnosis a line's pointer names first (the first diagnosis when blank or not a number)."""
    first = ptr.split(" ")[0] if isinstance(ptr, str) and ptr else "1"
    return max(int(first) - 1 if first.isdigit() else 0, 0)


class AuthRecord(NamedTuple):
    """An authorization on file, as the features read it."""

    start: float  # first day it covers
    end: float  # last day it covers
    codes: str  # the procedure codes it lists, space-separated with a space at each end (" 97110 97530 ")
    units: float  # units authorized


@dataclass(frozen=True)
class AuthMatch:
    """How each claim's authorization number matches the authorizations on file (`auth_match`)."""

    required: np.ndarray  # per line: its `payer|procedure` needs authorization
    mismatch: np.ndarray  # per line: required, the claim's authorization found, but it does not list the code
    found: np.ndarray  # per claim (float 0/1): the authorization number is on file
    expired: np.ndarray  # per claim (float 0/1): found, but the service day is outside its dates
    covered: np.ndarray  # per line: the claim's authorization lists the line's code
    units_authorized: np.ndarray  # per claim: units the authorization grants (NaN when not found)


def auth_match(
    auths: dict[str, AuthRecord],
    auth_number: np.ndarray,
    service_day: np.ndarray,
    c: np.ndarray,
    code: np.ndarray,
    required: np.ndarray,
) -> AuthMatch:
    """How each claim's authorization number matches the authorizations on file.

    Args:
        auths: `auth_number -> AuthRecord` from the snapshot.
        auth_number: Each claim's prior authorization number (or missing). service_day: Each claim's first
            service day. c: Claim position of each line. code: Each line's procedure.
        required: Whether each line's `payer|procedure` needs authorization.
    """
    number, numbers = encode(auth_number)
    records = [auths.get(x) for x in numbers.tolist()]
    found = np.array([r is not None for r in records], dtype=bool)[number]
    start = np.array([r.start if r else np.nan for r in records], dtype=float)[number]
    end = np.array([r.end if r else np.nan for r in records], dtype=float)[number]
    expired = found & ~((start <= service_day) & (service_day <= end))
    covered = np.zeros(len(c), dtype=bool)
    lines = np.flatnonzero(found[c])
    covered[lines] = [
        f" {proc} " in records[r].codes for r, proc in zip(number[c[lines]].tolist(), code[lines].tolist(), strict=True)
    ]
    return AuthMatch(
        required=required,
        mismatch=found[c] & required & ~covered,
        found=found.astype(float),
        expired=expired.astype(float),
        covered=covered,
        units_authorized=np.array([r.units if r else np.nan for r in records], dtype=float)[number],
    )


def units_exceeded(c: np.ndarray, units: np.ndarray, auth: AuthMatch, n: int) -> np.ndarray:
    """Whether the units billed on lines the authorization covers exceed the units it grants."""
    used = np.bincount(c, weights=units * auth.covered, minlength=n)
    limit = auth.units_authorized
    return np.where(np.isnan(limit), 0.0, (used > limit).astype(float))


@dataclass(frozen=True)
class CodeFlags:
    """Per-line flags that depend only on the line's procedure and modifiers (`code_flags`)."""

    is_em: np.ndarray  # an E/M visit code
    invalid_modifier: np.ndarray
    has_25: np.ndarray
    has_mod_59: np.ndarray  # 59 or XU

    def take(self, rows: np.ndarray) -> CodeFlags:
        """The flags of the given rows (e.g. each line's (procedure, modifiers) combination)."""
        return CodeFlags(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


@dataclass(frozen=True)
class CodingFlags:
    """Per-line coding flags before aggregation to claims (`line_flags`); each field is the feature it becomes."""

    invalid_modifier: np.ndarray
    has_mod_25: np.ndarray
    has_mod_59: np.ndarray

    def by_feature(self) -> dict[str, np.ndarray]:
        """Feature name -> per-line mask."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def code_flags(code: np.ndarray, mods: np.ndarray) -> CodeFlags:
    """Per-line flags that depend only on the line's procedure and modifiers."""
    has = {m: (mods == m).any(axis=1) for m in ("25", "59", "XU")}
    return CodeFlags(
        is_em=in_set(EM, code),
        invalid_modifier=invalid_modifier(code, mods),
        has_25=has["25"],
        has_mod_59=has["59"] | has["XU"],
    )


def line_flags(combo_flags: CodeFlags, combo: np.ndarray) -> CodingFlags:
    """Per-line coding flags (before aggregation to claims).

    Args:
        combo_flags: `code_flags` of each distinct (procedure, modifiers) combination. combo: Each line's
            combination.
    """
    f = combo_flags.take(combo)
    return CodingFlags(invalid_modifier=f.invalid_modifier, has_mod_25=f.has_25, has_mod_59=f.has_mod_59)
