"""Line-level coding and authorization flags, aggregated to one row per claim.

Pure numpy over arrays of the lines that belong to the batch; `c` maps each line to its claim's position.
"""

from __future__ import annotations

import numpy as np

from denial_ml.domain.catalog import DIAGNOSIS_BY_CODE, PROCEDURE_BY_CODE
from denial_ml.features.lookup import in_set, map_keys

EM = {"99202", "99203", "99213", "99214", "99215"}
NEEDS_25 = {"20610", "11102", "17000", "17110", "93000"}
THERAPY = {"97110", "97140", "97530", "97112", "97161", "G0283"}
GP_PAYER_TYPES = {"medicare", "medicare_advantage", "tricare"}
TELEHEALTH_POS = {"02", "10"}
MODS = [f"modifier_{i}" for i in range(1, 5)]

DX_GROUP = {d.code: d.group for d in DIAGNOSIS_BY_CODE.values()}
FIT_PAIRS = {f"{g}|{p.code}" for p in PROCEDURE_BY_CODE.values() for g in p.dx_groups}
ACCEPTED = {f"{p.code}|{m}" for p in PROCEDURE_BY_CODE.values() for m in p.modifiers}


def any_by_claim(c: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Whether any line of each claim has `mask` set."""
    return np.bincount(c, weights=mask.astype(float), minlength=n) > 0


def join_keys(*parts: np.ndarray) -> np.ndarray:
    """Element-wise `a|b|...` of object arrays (the key format of the history indexes)."""
    out = parts[0].astype(object)
    for part in parts[1:]:
        out = out + "|" + part.astype(object)
    return out


def invalid_modifier(code: np.ndarray, mods: np.ndarray) -> np.ndarray:
    """Lines carrying a modifier their procedure does not accept (or an unknown procedure)."""
    bad = ~in_set(PROCEDURE_BY_CODE, code)
    for j in range(mods.shape[1]):
        m = mods[:, j]
        bad |= (m != "") & ~in_set(ACCEPTED, join_keys(code, m))
    return bad


def line_dx_fit(
    dx_lists: list[list[str]],
    c: np.ndarray,
    pointers: np.ndarray,
    code: np.ndarray,
    any_dx: np.ndarray | None = None,
) -> np.ndarray:
    """Whether the diagnosis a line points to (its first pointer; 1 when absent) supports its procedure;
    for lines flagged in `any_dx` (institutional claims, no pointers), whether any claim diagnosis does."""
    fits = np.empty(len(c), dtype=bool)
    whole = np.zeros(len(c), dtype=bool) if any_dx is None else any_dx
    for i, (ci, ptr, proc) in enumerate(zip(c.tolist(), pointers.tolist(), code.tolist(), strict=True)):
        dx = dx_lists[ci]
        if whole[i]:
            fits[i] = any(f"{DX_GROUP.get(d, '?')}|{proc}" in FIT_PAIRS for d in dx)
            continue
        first = ptr.split(" ")[0] if isinstance(ptr, str) and ptr else "1"
        k = max(int(first) - 1 if first.isdigit() else 0, 0)
        # A pointer past the claim's last diagnosis points at nothing, which supports nothing.
        fits[i] = k < len(dx) and f"{DX_GROUP.get(dx[k], '?')}|{proc}" in FIT_PAIRS
    return fits


def auth_match(
    auths: dict,
    claim_payer: np.ndarray,
    auth_number: np.ndarray,
    service_day: np.ndarray,
    c: np.ndarray,
    code: np.ndarray,
    required_keys: set[str],
) -> dict[str, np.ndarray]:
    """How each claim's authorization number matches the authorizations on file.

    Args:
        auths: `auth_number -> (start_day, end_day, " codes ", units)` from the snapshot.
        claim_payer: Payer of each claim. auth_number: Each claim's prior authorization number (or missing).
        service_day: Each claim's first service day. c: Claim position of each line. code: Each line's procedure.
        required_keys: `payer|procedure` pairs that need authorization.
    """
    required = in_set(required_keys, join_keys(claim_payer[c], code))
    record = map_keys(auths, auth_number)
    found = np.array([r is not None for r in record], dtype=bool)
    start = np.array([r[0] if r else np.nan for r in record], dtype=float)
    end = np.array([r[1] if r else np.nan for r in record], dtype=float)
    expired = found & ~((start <= service_day) & (service_day <= end))
    covered = np.array(
        [bool(record[ci]) and f" {proc} " in record[ci][2] for ci, proc in zip(c.tolist(), code.tolist(), strict=True)],
        dtype=bool,
    )
    return {
        "required": required,
        "mismatch": found[c] & required & ~covered,
        "found": found.astype(float),
        "expired": expired.astype(float),
        "covered": covered,
        "units_authorized": np.array([r[3] if r else np.nan for r in record], dtype=float),
    }


def units_exceeded(c: np.ndarray, units: np.ndarray, auth: dict, n: int) -> np.ndarray:
    """Whether the units billed on lines the authorization covers exceed the units it grants."""
    used = np.bincount(c, weights=units * auth["covered"], minlength=n)
    limit = auth["units_authorized"]
    return np.where(np.isnan(limit), 0.0, (used > limit).astype(float))


def line_flags(
    c: np.ndarray, n: int, code: np.ndarray, mods: np.ndarray, payer_type: np.ndarray, telehealth: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-line coding flags (before aggregation to claims)."""
    has = {m: (mods == m).any(axis=1) for m in ("25", "59", "GP", "95", "GT", "XU")}
    is_em = in_set(EM, code)
    claim_needs25 = any_by_claim(c, in_set(NEEDS_25, code), n)[c]
    has_pair = any_by_claim(c, np.isin(code, ["97530", "97110"]), n)[c]
    return {
        "missing_25": is_em & claim_needs25 & ~has["25"],
        "therapy_without_gp": in_set(THERAPY, code) & in_set(GP_PAYER_TYPES, payer_type[c]) & ~has["GP"],
        "telehealth_without_modifier": telehealth[c]
        & (is_em | np.char.startswith(code.astype(str), "908"))
        & ~(has["95"] | has["GT"]),
        "invalid_modifier": invalid_modifier(code, mods),
        "mod59_on_97140": (code == "97140") & has["59"] & has_pair,
        "has_mod_25": has["25"],
        "has_mod_59": has["59"] | has["XU"],
    }
