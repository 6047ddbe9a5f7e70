"""One short sentence per recovery factor, written from the denial's own values (pure).

`row` is one record of `rank_denials` output plus `payer_name`. Sentences state facts ("Authorization denials
of Acme Health were overturned 78 % of the time"); the factor's direction says which way they move P(overturn).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Row = dict[str, Any]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(row: Row, key: str, default: float = 0.0) -> float:
    value = row.get(key)
    if value is None:
        return default
    number = float(value)
    return default if math.isnan(number) else number


def _pct(rate: float) -> str:
    return f"{100 * rate:.0f} %"


def _words(value: object) -> str:
    return "unknown" if _missing(value) else str(value).replace("_", " ")


def _denial_reason(row: Row) -> str:
    scope = "the whole claim" if _num(row, "claim_level_denial") else "some lines"
    extra = ", remark MA130 (unprocessable)" if _num(row, "has_ma130") else ""
    return (
        f"Denied for {_words(row.get('denial_category'))} (CARC {row.get('denial_carc')}, "
        f"group {row.get('denial_group_code')}) on {scope}{extra}."
    )


def _payer_overturn_history(row: Row) -> str:
    category = _words(row.get("denial_category")).capitalize()
    rate, n = _num(row, "payer_category_overturn_rate"), int(_num(row, "payer_category_appeals"))
    if n == 0:
        return (
            f"No {category.lower()} appeal with {row['payer_name']} decided yet; "
            f"the overall rate ({_pct(rate)} overturned) stands in."
        )
    return f"{category} denials of {row['payer_name']} were overturned {_pct(rate)} of the time ({n} decided appeals)."


def _provider_overturn_history(row: Row) -> str:
    rate, n = _num(row, "provider_overturn_rate"), int(_num(row, "provider_appeals"))
    if n == 0:
        return f"No appeal of this provider's denials decided yet; the overall rate ({_pct(rate)}) stands in."
    return f"Appeals of this provider's denials were overturned {_pct(rate)} of the time ({n} decided)."


def _expected_payment(row: Row) -> str:
    procedure = row.get("primary_procedure")
    what = f"for {procedure}" if not _missing(procedure) else "for these services"
    return (
        f"${_num(row, 'expected_payment'):,.0f} expected payment from this payer's history {what} "
        f"(${_num(row, 'denied_amount'):,.0f} denied)."
    )


def _appeal_window(row: Row) -> str:
    window = f"{row['payer_name']} allows {_num(row, 'appeal_deadline_days'):.0f} days to appeal"
    left = _num(row, "days_left", math.nan)
    if math.isnan(left):
        return window + "."
    if left < 0:
        return f"{window}; the deadline passed {-left:.0f} days ago."
    return f"{window}; {left:.0f} days left."


def _authorization(row: Row) -> str:
    if _num(row, "auth_required") and not _num(row, "auth_number_present"):
        return "No prior authorization number on the claim, though the payer requires one."
    if _num(row, "auth_number_present") and not _num(row, "auth_found"):
        return "The authorization number on the claim is not on file for this patient and payer."
    if _num(row, "auth_expired"):
        return "The authorization on file was not valid on the service date."
    if _num(row, "auth_code_mismatch"):
        return "The authorization on file does not cover every billed code."
    if _num(row, "auth_units_exceeded"):
        return "The claim bills more units than the authorization grants."
    if _num(row, "auth_found"):
        return "An authorization on file covers the billed codes on the service date."
    return "No billed code needs prior authorization from this payer."


def _eligibility(row: Row) -> str:
    status = _words(row.get("eligibility_status"))
    checked = "verified" if _num(row, "eligibility_checked") else "not verified"
    member = "matches" if _num(row, "member_id_known") else "does not match"
    return f"Eligibility {checked} before the visit (status {status}); the member ID {member} coverage on file."


CODING_FLAGS = (
    ("invalid_modifier", "a modifier the code does not accept"),
    ("inactive_dx", "an inactive diagnosis code"),
    ("line_dx_misfit", "a diagnosis that does not fit the procedure"),
    ("missing_rendering_npi", "no rendering provider NPI"),
    ("missing_pointer", "a line without diagnosis pointer"),
)


def _coding(row: Row) -> str:
    issues = [text for key, text in CODING_FLAGS if _num(row, key)]
    if issues:
        return "The claim form has " + ", ".join(issues) + "."
    return f"No coding issue found on the claim form ({_num(row, 'n_dx'):.0f} diagnosis codes)."


def _timely_filing(row: Row) -> str:
    lag = _num(row, "lag_days")
    if _num(row, "past_filing_limit"):
        return f"Filed {lag:.0f} days after the service, past the payer's filing limit."
    return f"Filed {lag:.0f} days after the service, {_num(row, 'filing_days_left'):.0f} days inside the limit."


def _duplicate(row: Row) -> str:
    n = int(_num(row, "dup_earlier_claims"))
    text = f"{n} earlier claim(s) for the same service" if n else "No earlier claim for the same service"
    return text + ("; this is a replacement claim." if _num(row, "is_replacement") else ".")


def _payer_procedure_history(row: Row) -> str:
    procedure = row.get("primary_procedure")
    n = int(_num(row, "hist_payer_proc_n"))
    if _missing(procedure) or n == 0:
        return f"Little history of {row['payer_name']} with this procedure."
    rate = _num(row, "hist_payer_proc_rate")
    return f"{row['payer_name']} denied {_pct(rate)} of {n} earlier claims for {procedure}."


def _payer(row: Row) -> str:
    kind = _words(row.get("payer_type"))
    return f"{row['payer_name']}, a {kind} payer, denied {_pct(_num(row, 'hist_payer_rate'))} of earlier claims."


def _provider(row: Row) -> str:
    specialty = row.get("specialty")
    who = "The rendering provider" + ("" if _missing(specialty) else f" ({_words(specialty)})")
    return f"{who} had {_pct(_num(row, 'hist_provider_rate'))} of earlier claims denied."


def _patient_history(row: Row) -> str:
    denials, claims = _num(row, "hist_patient_prior_denials"), _num(row, "hist_patient_prior_claims")
    return f"The patient had {denials:.0f} denial(s) on {claims:.0f} earlier claim(s)."


def _service(row: Row) -> str:
    lines, units = _num(row, "n_lines"), _num(row, "total_units")
    return (
        f"{_words(row.get('claim_type'))} claim, {lines:.0f} line(s), {units:.0f} unit(s), "
        f"place of service {_words(row.get('place_of_service'))}."
    )


SENTENCES: dict[str, Callable[[Row], str]] = {
    "denial_reason": _denial_reason,
    "payer_overturn_history": _payer_overturn_history,
    "provider_overturn_history": _provider_overturn_history,
    "expected_payment": _expected_payment,
    "appeal_window": _appeal_window,
    "authorization": _authorization,
    "eligibility": _eligibility,
    "coding": _coding,
    "timely_filing": _timely_filing,
    "duplicate": _duplicate,
    "payer_procedure_history": _payer_procedure_history,
    "payer": _payer,
    "provider": _provider,
    "patient_history": _patient_history,
    "service": _service,
}


def describe(factor: str, row: Row, label: str | None = None) -> str:
    """The sentence of `factor` for one denial (its label, else its name, when it has no sentence of its own)."""
    write = SENTENCES.get(factor)
    if write is not None:
        return write(row)
    return (label or factor.replace("_", " ").capitalize()) + "."
