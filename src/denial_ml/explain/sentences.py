"""A sentence and a fix for each factor, written from the claim's own values.

Sentences state facts about this claim ("authorization A123 covers 97153 but not 97155"); fixes say what the
biller changes before submitting. Both follow DOMAIN.md's denial categories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from denial_ml.domain.denials import CATEGORY_FIX
from denial_ml.explain.authorization import authorization_state
from denial_ml.explain.context import ClaimView
from denial_ml.explain.slice_sentences import modifier_slices, patient_services, procedure_slices
from denial_ml.features.line_features import ACCEPTED, DX_GROUP, FIT_PAIRS, MODS

Sentence = tuple[str, str]
COVERAGE_FIX = "Bill the payer that covered the patient on the service date, or re-verify coverage (270/271)."


def _pct(x: float) -> str:
    return "no" if x != x else f"{100 * x:.0f}%"


def _day(days: float) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(days))).isoformat()


def _authorization(v: ClaimView) -> Sentence:
    a = authorization_state(v)
    number, verdict = a.number, a.verdict
    if verdict == "missing":
        return (
            f"No prior authorization number on the claim; {v.payer} requires one for "
            f"{v.describe_auth_codes(list(a.required))}.",
            f"Obtain prior authorization for {', '.join(a.required)} from {v.payer} (or a retro-authorization) and "
            "enter its number.",
        )
    if verdict == "not_on_file":
        return (
            f"Authorization {number} is not on file for this patient and payer.",
            "Check the authorization number against the payer's approval letter and correct it.",
        )
    if verdict == "expired":
        return (
            f"Authorization {number} is valid {_day(a.start)} to {_day(a.end)}, not on the service date "
            f"{v.date('service_date_from')}.",
            f"Request an extension or a new authorization from {v.payer} covering the service date.",
        )
    if verdict == "wrong_code":
        missing = ", ".join(a.uncovered_codes)
        return (
            f"Authorization {number} covers {a.covered.strip()} but not {missing}.",
            f"Ask {v.payer} to add {missing} to the authorization, or bill only the authorized codes.",
        )
    if verdict == "units_exceeded":
        return (
            f"The claim bills {a.units_used:g} units against authorization {number}, which grants {a.units_granted:g}.",
            "Bill no more than the authorized units, or request more units before submitting.",
        )
    if verdict == "covered":
        return (f"Authorization {number} on file covers the billed codes on the service date.", "None needed.")
    return ("No code on the claim needs prior authorization from this payer.", "None needed.")


def _eligibility_check(v: ClaimView) -> Sentence:
    f = v.features
    if f["eligibility_status"] == "inactive":
        return (
            "The eligibility check returned coverage inactive for the date of service.",
            "Re-verify coverage (270/271) and bill the payer that covered the patient on the service date.",
        )
    if not f["eligibility_checked"] or f["eligibility_status"] == "unknown":
        return (
            "Eligibility was not verified before the visit.",
            "Run an eligibility inquiry (270/271) for the service date before submitting.",
        )
    gap = f["eligibility_check_gap"]
    return (f"Eligibility was verified active {gap:.0f} days before the service date.", "None needed.")


def _member_id(v: ClaimView) -> Sentence:
    if v.features["member_id_known"]:
        return ("The member ID matches the patient's coverage on file with this payer.", "None needed.")
    return (
        "The member ID on the claim does not match the patient's coverage on file with this payer.",
        "Copy the member ID exactly from the insurance card or the 271 response before you submit.",
    )


def _coverage(v: ClaimView) -> Sentence:
    on_file, past = v.features["coverage_on_file"], v.features["coverage_days_past_end"]
    if on_file != on_file:  # NaN: no spell with this payer at all
        return (f"No coverage with {v.payer} is on file for this patient.", COVERAGE_FIX)
    if on_file:
        return (f"The patient's coverage with {v.payer} on file spans the service date.", "None needed.")
    service = v.date("service_date_from")
    if past == past and service is not None:
        end = service - dt.timedelta(days=int(past))
        return (
            f"The patient's coverage with {v.payer} ended {end.isoformat()}, {past:.0f} days before the service date.",
            COVERAGE_FIX,
        )
    return (f"No coverage with {v.payer} on file spans the service date.", COVERAGE_FIX)


def _patient_eligibility(v: ClaimView) -> Sentence:
    n = v.features["hist_patient_payer_eligibility_denials"]
    if n:
        return (
            f"{n:.0f} earlier claim(s) of this patient with {v.payer} were denied for eligibility.",
            "Confirm the patient's current coverage and payer order before submitting.",
        )
    return (f"No earlier eligibility denials for this patient with {v.payer}.", "None needed.")


def _modifiers(v: ClaimView) -> Sentence:
    f = v.features
    if f["invalid_modifier"]:
        bad_text = _invalid_modifiers(v)
        return (
            f"Modifier {bad_text} is not valid with its procedure.",
            "Remove or correct the modifier per the procedure's coding rules.",
        )
    learnt = modifier_slices(v)
    if learnt is not None:
        return learnt
    rate = f["hist_payer_mod_rate"]
    if rate:
        return (f"{v.payer} denied {_pct(rate)} of recent claims with these modifiers.", CATEGORY_FIX["coding"])
    return ("The lines carry the modifiers their procedures need.", "None needed.")


def _invalid_modifiers(v: ClaimView) -> str:
    out = []
    for line in v.lines:
        for m in MODS:
            mod = line.get(m)
            if mod and f"{line['procedure_code']}|{mod}" not in ACCEPTED:
                out.append(f"{mod} on {line['procedure_code']}")
    return ", ".join(out) or "(unknown procedure)"


def _diagnosis(v: ClaimView) -> Sentence:
    f = v.features
    dx = (v.claim.get("diagnosis_codes") or "").split(" ")
    if f["inactive_dx"]:
        return (
            f"A diagnosis code among {', '.join(dx)} is not valid on the service date {v.date('service_date_from')}.",
            "Replace it with the code valid on the service date (check the ICD-10-CM annual update).",
        )
    if f["line_dx_misfit"]:
        misfit = _misfit_lines(v, dx)
        return (
            f"The diagnosis pointed to does not support {misfit}.",
            "Point each line to the diagnosis that supports it, or add the supporting diagnosis from the record.",
        )
    return (f"The {len(dx)} diagnosis code(s) support the billed procedures.", "None needed.")


def _misfit_lines(v: ClaimView, dx: list[str]) -> str:
    out = []
    for line in v.lines:
        pointer = (line.get("diagnosis_pointers") or "1").split(" ")[0]
        k = int(pointer) - 1 if pointer.isdigit() else 0
        code = dx[k] if 0 <= k < len(dx) else ""
        if f"{DX_GROUP.get(code, '?')}|{line['procedure_code']}" not in FIT_PAIRS:
            out.append(f"{line['procedure_code']} (diagnosis {code or 'none'})")
    return ", ".join(out) or "a line"


def _rendering_npi(v: ClaimView) -> Sentence:
    if v.features["missing_rendering_npi"]:
        return (
            "The rendering provider NPI is missing.",
            "Enter the rendering provider's NPI (loop 2310B) before you submit.",
        )
    return ("The rendering provider NPI is present.", "None needed.")


def _diagnosis_pointer(v: ClaimView) -> Sentence:
    missing = [str(line["line_number"]) for line in v.lines if not line.get("diagnosis_pointers")]
    if missing:
        return (
            f"Line {', '.join(missing)} has no diagnosis pointer.",
            "Point every line to at least one diagnosis code (SV107).",
        )
    return ("Every line points to a diagnosis.", "None needed.")


def _timely(v: ClaimView) -> Sentence:
    f = v.features
    lag, left = f["lag_days"], f["filing_days_left"]
    limit = lag + left
    if left < 0:
        return (
            f"Submitted {lag:.0f} days after service, {-left:.0f} days past {v.payer}'s {limit:.0f}-day filing limit.",
            "Submit only with proof of timely filing (an earlier clearinghouse acceptance); otherwise write off.",
        )
    return (
        f"Submitted {lag:.0f} days after service; {left:.0f} of {v.payer}'s {limit:.0f} filing days remain.",
        "Submit today." if left <= 14 else "None needed.",
    )


def _duplicate(v: ClaimView) -> Sentence:
    f = v.features
    if f["dup_earlier_claims"]:
        return (
            f"{f['dup_earlier_claims']:.0f} earlier claim(s) were submitted for the same patient, date and procedure.",
            "Check the original claim's status; send a replacement (frequency 7) instead of a new claim.",
        )
    if f["is_replacement"]:
        return ("This is a replacement claim (frequency code 7).", "Make sure it references the original claim.")
    return ("No earlier claim for the same patient, date and procedure.", "None needed.")


def _payer_procedure(v: ClaimView) -> Sentence:
    code, recent, overall, n = v.worst_procedure()
    days = v.builder.recent_days
    if n:
        sentence = f"{v.payer} denied {_pct(recent)} of {code} claims in the last {days} days ({n:.0f} decided)"
        sentence += f", {_pct(overall)} over its whole history." if overall == overall else "."
    else:
        sentence = f"{v.payer} decided no {code} claims in the last {days} days."
    return sentence, _history_fix(v)


def _payer(v: ClaimView) -> Sentence:
    f = v.features
    category = v.cache.get("likely_category") or "coding"
    return (
        f"{v.payer} ({f['payer_type'].replace('_', ' ')}) has denied {_pct(f['hist_payer_rate'])} of claims so far, "
        f"{_pct(f[f'hist_payer_{category}_rate'])} for {category.replace('_', ' ')}.",
        _history_fix(v),
    )


def _provider(v: ClaimView) -> Sentence:
    return (
        f"The rendering provider's claims have been denied {_pct(v.features['hist_provider_rate'])} of the time "
        f"(specialty: {(v.features['specialty'] or 'unknown').replace('_', ' ')}).",
        _history_fix(v),
    )


def _patient_history(v: ClaimView) -> Sentence:
    f = v.features
    return (
        f"The patient had {f['hist_patient_prior_denials']:.0f} of {f['hist_patient_prior_claims']:.0f} earlier "
        f"claims denied ({f['hist_patient_payer_denials']:.0f} with {v.payer}).",
        _history_fix(v),
    )


def _service(v: ClaimView) -> Sentence:
    f = v.features
    return (
        f"{f['n_lines']:.0f} line(s), {f['total_units']:.0f} unit(s), ${v.claim['total_charge']:,.2f} billed "
        f"({v.claim['claim_type']}, place of service {v.claim['place_of_service']}).",
        _history_fix(v),
    )


def _history_fix(v: ClaimView) -> str:
    return CATEGORY_FIX[v.cache.get("likely_category") or "coding"]


BUILDERS: dict[str, Callable[[ClaimView], Sentence]] = {
    "authorization": _authorization,
    "eligibility_check": _eligibility_check,
    "member_id": _member_id,
    "coverage": _coverage,
    "patient_eligibility_history": _patient_eligibility,
    "modifiers": _modifiers,
    "diagnosis_coding": _diagnosis,
    "rendering_npi": _rendering_npi,
    "diagnosis_pointer": _diagnosis_pointer,
    "timely_filing": _timely,
    "duplicate": _duplicate,
    "payer_procedure_history": _payer_procedure,
    "payer_procedure_slices": lambda v: procedure_slices(v) or _payer_procedure(v),
    "patient_service_history": patient_services,
    "payer": _payer,
    "provider": _provider,
    "patient_history": _patient_history,
    "service": _service,
}


# The factors whose sentence reads the claim's slice evidence or its worst procedure: a batch looks those up, in
# one pass, only for the claims that report one of them.
USES_SLICE_EVIDENCE = frozenset({"modifiers", "payer_procedure_slices", "patient_service_history"})
USES_WORST_PROCEDURE = frozenset({"payer_procedure_history", "payer_procedure_slices"})


def describe(factor: str, view: ClaimView) -> Sentence:
    """The sentence and the fix for one factor of one claim."""
    return BUILDERS[factor](view)
