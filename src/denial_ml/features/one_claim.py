"""One claim's feature row in plain Python: the service's path for requests of one claim or a few.

`FeatureBuilder.transform_records` builds a row with the batch code: a few thousand NumPy calls on arrays of one
or two values, some 2.4 ms a claim (issue #20). This module computes the same row from the claim's fields with
dict lookups, Python arithmetic and one `searchsorted` per history index. The values are the batch path's bit
for bit (the same float operations in the same order, NaN where it gives NaN): the constants, key parts and
per-value helpers come from the batch modules, and what is written again here, each feature's arithmetic, is
guarded by tests/code/test_features_one_claim.py, which compares both paths claim by claim over every column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from denial_ml.domain.catalog import PROCEDURE_BY_CODE
from denial_ml.domain.code_families import procedure_level
from denial_ml.domain.denials import CATEGORIES
from denial_ml.features import line_features as lf
from denial_ml.features.auth_practice import INDEX_NAME as AUTH_INDEX
from denial_ml.features.auth_practice import WINDOW_DAYS
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.coverage import ENROLLMENT_DELAY_DAYS, Spells
from denial_ml.features.history import HistoryIndex
from denial_ml.features.history_features import BASE_RATE, PROVIDER_CATEGORIES
from denial_ml.features.line_features import dx_window, pointed_index
from denial_ml.features.one_claim_inputs import (
    ClaimFields,
    LineFields,
    before,
    claim_fields,
    column,
    found_rows,
    key_codes,
    learnt_rule,
    line_fields,
    rows,
    search_codes,
    smoothed,
)
from denial_ml.features.one_claim_slices import ClaimSlices, claim_slices, maximum, patient_age
from denial_ml.features.revenue_lines import REVENUE_KEY_PREFIX
from denial_ml.features.snapshot import CATEGORY_COLUMNS

Features = dict[str, object]  # feature name -> value (categoricals as their level until coded)


def claim_row(builder: FeatureBuilder, claim: dict, lines: Sequence[dict]) -> tuple[list[float], ClaimSlices]:
    """One claim's feature row (`builder.feature_names_` order, categoricals coded as `transform_records` codes
    them) and its slice lookups (for the explanations).

    Args:
        builder: The fitted feature builder.
        claim: The claim record (keyed by the `claims` columns, None when missing), with its submission date.
        lines: Its line records, in the order the batch path would read them (lines of other claims are ignored).
    """
    h = claim_fields(claim)
    if h.submit_day != h.submit_day:
        raise ValueError("a claim without a submission date has no point in time for its history")
    own = [line_fields(line) for line in lines if line.get("claim_id") == h.claim_id]
    out = header_features(builder, h)
    day = int(h.submit_day)
    idx, m = builder.snapshot_.indexes, builder.smoothing
    everything = before(idx["all"], "all", day)
    prior = smoothed(everything["denied"], everything["n"], BASE_RATE, m)
    out.update(claim_history(idx, h, day, prior, m))
    proc_keys = [f"{h.payer}|{line.code}" for line in own]
    out.update(line_features(builder, h, own, proc_keys, day))
    index = idx["payer_proc"]
    coded = key_codes(index, proc_keys) * 2  # each key asked on two days, looked up once
    proc = found_rows(
        index, len(coded), search_codes(index, coded, [day] * len(own) + [day - builder.recent_days] * len(own))
    )
    now, then = proc[: len(own)], proc[len(own) :]
    denied = column(index, "denied")
    rates = [smoothed(q[denied], q[0], prior, m) for q in now]
    out.update(procedure_history(index, proc_keys, now, then, rates, prior, m))
    out.update(modifier_and_duplicate_history(idx, h, own, day, prior, m))
    slices = claim_slices(builder, h, own, day, rates)
    out.update(slices.features())
    codes: dict[str, dict[object, float]] = builder.category_codes_
    row = [codes[n].get(out[n], np.nan) if n in codes else out[n] for n in builder.feature_names_]
    return cast(list[float], row), slices


def header_features(builder: FeatureBuilder, h: ClaimFields) -> Features:
    """The claim header's features (`FeatureBuilder._claim_features`)."""
    limit = builder.timely_days_.get(h.payer, np.nan)
    lag = h.submit_day - h.service_day
    pair = f"{h.patient}|{h.payer}"
    dx = h.dx_text.split(" ")
    return coverage(builder.coverage_spells_, pair, h.service_day, h.submit_day) | {
        "payer_id": h.payer,
        "payer_type": builder.payer_type_.get(h.payer),
        "claim_type": h.claim_type,
        "place_of_service": h.pos,
        "specialty": builder.specialty_.get(h.provider, "unknown"),
        "principal_dx_group": lf.dx_group(dx[0]),
        "eligibility_status": h.eligibility_status,
        "n_dx": float(len(dx)),
        "inactive_dx": float(inactive(dx, h.service_day)),
        "missing_rendering_npi": float(h.provider == ""),
        "lag_days": lag,
        "filing_days_left": limit - lag,
        "past_filing_limit": float(lag > limit),
        "eligibility_checked": h.eligibility_checked,
        "eligibility_check_gap": h.service_day - h.check_day,
        "member_id_known": float(f"{pair}|{h.member}" in builder.member_keys_),
        "patient_age": patient_age(builder, h),
        "is_replacement": float(h.frequency == "7"),
        "log_total_charge": float(np.log1p(np.array([h.charge]))[0]),  # NumPy's log1p, as the batch column
        "auth_number_present": float(h.auth_number != ""),
    }


def coverage(spells: Spells, key: str, service: float, submit: float) -> dict[str, float]:
    """`coverage.coverage_features` of one claim (`key`: its `patient|payer`)."""
    found = spells.get(key) or ()
    on_file = bool(found) and service == service
    covered, last_end = False, -np.inf
    for start, end in found:
        known_end = end if end + ENROLLMENT_DELAY_DAYS <= submit else np.inf
        covered = covered or (start <= service and service <= known_end)
        if known_end < service:
            last_end = max(last_end, known_end)
    ended = on_file and not covered and last_end > -np.inf
    return {
        "coverage_on_file": float(covered) if on_file else np.nan,
        "coverage_days_past_end": service - last_end if ended else np.nan,
    }


def inactive(dx: list[str], service: float) -> bool:
    """`line_features.any_inactive` of one claim's diagnosis list."""
    windows = [dx_window(d) for d in dx if d]
    start = max([w[0] for w in windows], default=-np.inf)
    stop = min([w[1] for w in windows], default=np.inf)
    return any(dx) and not (start <= service and service <= stop)


def invalid_modifier(code: str, mods: Sequence[str]) -> bool:
    """`line_features.invalid_modifier` of one line."""
    known = code in PROCEDURE_BY_CODE
    if not known:
        return not lf.is_code_form(code)
    return any(m != "" and f"{code}|{m}" not in lf.ACCEPTED for m in mods)


def dx_fits(groups: list[str], pointers: str, code: str, institutional: bool) -> bool:
    """`line_features.line_dx_fit` of one line (`groups`: its claim's diagnosis groups, "?" for none)."""
    if code not in PROCEDURE_BY_CODE:
        return True  # which diagnoses support a code outside the catalog is not known here
    if institutional:
        return any(f"{g}|{code}" in lf.FIT_PAIRS for g in groups)
    k = pointed_index(pointers)
    return k < len(groups) and f"{groups[k]}|{code}" in lf.FIT_PAIRS


def learnt(builder: FeatureBuilder, proc_keys: list[str], day: int) -> list[bool]:
    """`auth_practice.learnt_lines` of one claim's lines (only keys that ever could be learnt are looked up)."""
    out = [False] * len(proc_keys)
    asked = [i for i, key in enumerate(proc_keys) if key in builder.learnable_auth_keys_]
    if asked:
        keys = [proc_keys[i] for i in asked]
        index = builder.snapshot_.indexes[AUTH_INDEX]
        coded = key_codes(index, keys) * 2
        q = found_rows(
            index, len(coded), search_codes(index, coded, [day] * len(keys) + [day - WINDOW_DAYS] * len(keys))
        )
        authorized = column(index, "authorized")
        for j, i in enumerate(asked):
            now, then = q[j], q[j + len(keys)]
            out[i] = bool(learnt_rule(now[0] - then[0], now[authorized] - then[authorized]))
    return out


def line_features(
    builder: FeatureBuilder, h: ClaimFields, lines: list[LineFields], proc_keys: list[str], day: int
) -> Features:
    """The coding, authorization and size features of the claim's lines (`FeatureBuilder`'s line part)."""
    institutional = h.claim_type == "837I"
    groups = [lf.dx_group(d) or "?" for d in h.dx_text.split(" ")]
    record = builder.auths_.get(h.auth_number)
    found = record is not None
    learnt_keys = learnt(builder, proc_keys, day)
    flags = dict.fromkeys(
        ("invalid_modifier", "has_mod_25", "has_mod_59", "missing_pointer", "line_dx_misfit"), False
    ) | {"auth_required": False, "auth_code_mismatch": False}
    used, total, largest, n_modifiers = 0.0, 0.0, -np.inf, 0
    for line, key, learnt_key in zip(lines, proc_keys, learnt_keys, strict=True):
        flags["invalid_modifier"] |= invalid_modifier(line.code, line.mods)
        flags["has_mod_25"] |= "25" in line.mods
        flags["has_mod_59"] |= "59" in line.mods or "XU" in line.mods
        flags["missing_pointer"] |= line.pointers == "" and not institutional
        flags["line_dx_misfit"] |= not dx_fits(groups, line.pointers, line.code, institutional)
        required = key in builder.auth_required_keys_ or learnt_key
        covered = record is not None and f" {line.code} " in record.codes
        flags["auth_required"] |= required
        flags["auth_code_mismatch"] |= found and required and not covered
        used += line.units * float(covered)
        total += line.units
        largest = maximum(largest, line.units)
        n_modifiers += sum(m != "" for m in line.mods)
    limit = record.units if record is not None else np.nan
    has_lines = bool(lines)
    out: Features = {name: float(flag) for name, flag in flags.items()}
    return out | {
        "primary_procedure": procedure_level(lines[0].code) if has_lines else None,
        "n_lines": float(len(lines)),
        "total_units": total if has_lines else np.nan,
        "max_units": largest if has_lines else np.nan,
        "n_modifiers": float(n_modifiers),
        "auth_found": float(found),
        "auth_expired": float(record is not None and not (record.start <= h.service_day <= record.end)),
        "auth_units_exceeded": 0.0 if limit != limit else float(used > limit),
    }


def claim_history(idx: dict[str, HistoryIndex], h: ClaimFields, day: int, prior: float, m: float) -> Features:
    """`history_features.claim_history` of one claim (`prior`: its overall prior rate)."""
    payer = before(idx["payer"], h.payer, day)
    out: Features = {"hist_payer_rate": smoothed(payer["denied"], payer["n"], prior, m)}
    for cat, col in zip(CATEGORIES, CATEGORY_COLUMNS, strict=True):
        out[f"hist_payer_{cat}_rate"] = smoothed(payer[col], payer["n"], prior / 8, m)
    prov = before(idx["provider"], h.provider or "none", day)
    out["hist_provider_rate"] = smoothed(prov["denied"], prov["n"], prior, m)
    for cat in PROVIDER_CATEGORIES:
        out[f"hist_provider_{cat}_rate"] = smoothed(prov[f"cat_{cat}"], prov["n"], prior / 8, m)
    pp = before(idx["patient_payer"], f"{h.patient}|{h.payer}", day)
    pat = before(idx["patient"], h.patient, day)
    return out | {
        "hist_patient_payer_denials": pp["denied"],
        "hist_patient_payer_eligibility_denials": pp["cat_eligibility"],
        "hist_patient_prior_denials": pat["denied"],
        "hist_patient_prior_claims": pat["n"],
    }


def procedure_history(
    index: HistoryIndex,
    proc_keys: list[str],
    now: list[list[float]],
    then: list[list[float]],
    rates: list[float],
    prior: float,
    m: float,
) -> Features:
    """The payer x procedure part of `history_features.line_history`: the worst line's rates and the hazard.

    Args:
        index: The payer x procedure index. proc_keys: The lines' keys in it. now, then: Their `rows` on the
            submission day and `recent_days` before. rates: The lines' smoothed rates.
    """
    names = ["rate", "recent", "trend", "n", *(f"{c}_rate" for c in CATEGORIES)]
    if not proc_keys:
        return {f"hist_payer_proc_{name}": np.nan for name in [*names[:4], "hazard", *names[4:]]}
    denied = column(index, "denied")
    recent = [
        smoothed(a[denied] - b[denied], a[0] - b[0], rate, m) for a, b, rate in zip(now, then, rates, strict=True)
    ]
    revenue_only = [f"|{REVENUE_KEY_PREFIX}" in key for key in proc_keys]
    masked = [np.nan if rev else r for rev, r in zip(revenue_only, recent, strict=True)]
    rated = [r for r in masked if r == r]
    top = max(rated, default=-np.inf)
    pick = next(i for i, r in enumerate(masked) if r == top or not rated)
    q = dict(zip(("n", *index.value_names), now[pick], strict=True))
    out: Features = {
        "hist_payer_proc_rate": rates[pick],
        "hist_payer_proc_recent": recent[pick],
        "hist_payer_proc_trend": recent[pick] - rates[pick],
        "hist_payer_proc_n": q["n"],
    }
    for cat, col in zip(CATEGORIES, CATEGORY_COLUMNS, strict=True):
        out[f"hist_payer_proc_{cat}_rate"] = smoothed(q[col], q["n"], prior / 8, m)
    # The batch expression on the claim's lines (NumPy's log1p), summed in line order as `bincount` sums.
    rate_or_zero = np.where(np.array(revenue_only), 0.0, np.array(rates))
    hazard = 0.0
    for value in (-np.log1p(-np.clip(rate_or_zero, 0.0, 0.999))).tolist():
        hazard += value
    out["hist_payer_proc_hazard"] = hazard
    return out


def modifier_and_duplicate_history(
    idx: dict[str, HistoryIndex], h: ClaimFields, lines: list[LineFields], day: int, prior: float, m: float
) -> Features:
    """The payer x modifier rate and the earlier claims of the same service (`line_history`'s last part)."""
    n = len(lines)
    keys = [f"{h.payer}|{line.mods[j] or 'none'}" for j in range(2) for line in lines]
    q = rows(idx["payer_mod"], keys, [day] * (2 * n))
    denied = column(idx["payer_mod"], "denied")
    mod_max = 0.0
    for j in range(2):
        for i, line in enumerate(lines):
            r = q[j * n + i]
            mod_max = maximum(mod_max, smoothed(r[denied], r[0], prior, m) if line.mods[j] != "" else 0.0)
    dup_keys = [f"{h.patient}|{line.service_day}|{line.code}" for line in lines]
    dup_max = 0.0
    for r in rows(idx["submitted"], dup_keys, [day] * n):
        dup_max = maximum(dup_max, r[0])
    return {"hist_payer_mod_rate": mod_max, "dup_earlier_claims": dup_max}
