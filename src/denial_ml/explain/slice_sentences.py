"""Sentences for the factors learnt from history slices: they say what the payer's history shows for claims like
this one ("MCD01 denied 88% of 97110 lines that were a patient's 3rd of the year (22 of 25 decided)") and how
to check the rule behind it, since no rule is named anywhere in the model.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from denial_ml.domain.denials import CATEGORY_FIX
from denial_ml.explain.context import ClaimView
from denial_ml.features.slice_evidence import SliceEvidence
from denial_ml.features.slice_keys import ORDINAL_CAP, RANK_KINDS, families

Sentence = tuple[str, str]
CODING_KINDS = ("any_mods", "any_mods_pos", "any_pair", "mods", "mods_pos", "pair")
CLAIM_KINDS = ("pos", "age", "sex", "dx", "units")
MIN_LIFT = 0.02  # below this a slice says nothing the procedure's own record does not


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


@lru_cache(maxsize=1 << 12)
def family_words(code: str) -> str:
    """The procedure's family in words ("pathology laboratory services"), for visits counted by family (once per
    code: the family lookup is a numpy call, tens of microseconds for one code)."""
    family = str(families(np.array([code], dtype=object))[0])
    if family == code:
        return f"{code} services"
    return family.removeprefix("cpt_").removeprefix("hcpcs_").replace("_", " ") + " services"


def rank_words(e: SliceEvidence) -> str:
    """Where the line falls among the patient's earlier services: "3rd of the year", "2nd visit with pathology
    laboratory services in 365 days"."""
    k = int(e.value[1:])
    nth = f"{_ordinal(k)}{' or later' if k == ORDINAL_CAP else ''}"
    if e.kind == "family_365":
        return f"{nth} visit with {family_words(e.code)} in 365 days"
    if e.kind == "family_year":
        return f"{nth} visit with {family_words(e.code)} of the year"
    return f"{nth} of the year"


def describe_slice(e: SliceEvidence) -> str:
    """The slice in words: "billed with modifier 59", "for patients aged 6-17", "billed with 97530 on the same
    claim", "that were a patient's 3rd of the year"."""
    return _slice_words(e.kind, e.code, e.value)


@lru_cache(maxsize=1 << 14)
def _slice_words(kind: str, code: str, value: str) -> str:
    # Once per distinct slice of a batch: the words depend on nothing else, and a batch repeats its slices.
    e = SliceEvidence(kind, code, value, 0.0, 0.0, 0.0, 0.0)
    kind = kind.removeprefix("any_")
    if kind == "mods":
        return "billed without modifiers" if value == "none" else f"billed with modifier {value.replace('+', ' and ')}"
    if kind == "mods_pos":
        mods, pos = value.split("|")
        with_mods = "without modifiers" if mods == "none" else f"with modifier {mods.replace('+', ' and ')}"
        return f"billed {with_mods} at place of service {pos}"
    if kind == "pair":
        mods, _, other = value.split("|")
        on = "" if mods == "none" else f" (modifier {mods.replace('+', ' and ')})"
        return f"billed{on} with {other} on the same claim"
    if e.kind == "pos":
        return f"at place of service {value}"
    if e.kind == "age":
        return "for patients of unknown age" if value == "age?" else f"for patients aged {value[3:]}"
    if e.kind == "sex":
        return f"for patients of sex {value}"
    if e.kind == "dx":
        return f"with diagnosis {value or '(none)'}"
    if e.kind == "units":
        return f"billed with {value[1:]} unit(s)"
    return f"that were a patient's {rank_words(e)}"


def top_slice(view: ClaimView, kinds: tuple[str, ...], min_lift: float = MIN_LIFT) -> SliceEvidence | None:
    """The claim's slice of these kinds that raises its line's rate most above its parent (None when none does
    by `min_lift`). A view whose evidence comes from a batch (`ClaimEvidence`) has it found for the whole batch
    at once."""
    source = view.cache.get("slice_source")
    if source is not None:
        best = source.top(kinds)
    else:
        evidence = [e for e in view.slice_evidence()[0] if e.kind in kinds and e.n > 0]
        best = max(evidence, key=lambda e: e.rate - e.parent, default=None)
    return best if best is not None and best.rate - best.parent >= min_lift else None


# What a slice's rate is compared with, by kind (any other: the procedure at the claim's payer).
PARENT_WORDS = {
    "mods": "for {code} with these modifiers at all payers",
    "pair": "for the same pair at all payers",
    "mods_pos": "for {code} with these modifiers at any place of service",
    "any_mods_pos": "for {code} with these modifiers at any place of service",
}


def history_sentence(view: ClaimView, e: SliceEvidence) -> str:
    """ "MCD01 denied 88% of 97110 lines that were a patient's 3rd of the year (22 of 25 decided before this
    claim), against 12% for 97110 at MCD01 overall." with the raw share and counts (the feature is smoothed)."""
    subject = "Payers together" if e.kind.startswith("any_") else view.payer
    template = PARENT_WORDS.get(e.kind)
    parent = template.format(code=e.code) if template is not None else f"for {e.code} at {view.payer} overall"
    return (
        f"{subject} denied {_pct(e.denied / e.n)} of {e.code} lines {describe_slice(e)} ({e.denied:.0f} of "
        f"{e.n:.0f} decided before this claim), against {_pct(e.parent)} {parent}."
    )


def coding_fix(view: ClaimView, e: SliceEvidence) -> str:
    """What to check for a modifier or same-claim pair slice."""
    if e.kind in ("pair", "any_pair"):
        other = e.value.split("|")[2]
        return (
            f"Check the NCCI edit for {e.code} with {other}: add the modifier it allows (25, 59 or XE/XS/XP/XU) "
            f"only when the record documents a separate service, otherwise drop the bundled code."
        )
    where = f" at place of service {e.value.split('|')[1]}" if e.kind.endswith("mods_pos") else ""
    return (
        f"Check which modifiers {view.payer} requires on {e.code}{where} (e.g. GP for therapy, 95 for telehealth) "
        "and correct the line before submitting."
    )


def claim_fix(view: ClaimView, e: SliceEvidence) -> str:
    """What to check for a place-of-service, age, sex, diagnosis or units slice."""
    policy = f"{view.payer}'s coverage policy for {e.code}"
    if e.kind == "dx":
        return (
            f"Check {policy}'s covered diagnoses: code the supporting diagnosis from the record, or get a prior "
            "authorization or the patient's signed waiver (ABN) if it is not covered."
        )
    if e.kind == "units":
        return f"Check {policy}'s unit limit: bill the units it allows, or attach documentation for more."
    if e.kind == "pos":
        return f"Check {policy} at place of service {e.value} (some payers pay it only in another setting)."
    return f"Check {policy} for this patient's {'age' if e.kind == 'age' else 'sex'}; get authorization if needed."


def procedure_slices(view: ClaimView) -> Sentence | None:
    """The "payer's record with this procedure for claims like this one" factor (None when no slice of the claim
    has history: the caller says what the procedure's own record shows)."""
    e = top_slice(view, CLAIM_KINDS) or top_slice(view, CLAIM_KINDS, min_lift=-1.0)
    return (history_sentence(view, e), claim_fix(view, e)) if e else None


OWN_KIND = {"any_mods": "mods", "any_mods_pos": "mods_pos", "any_pair": "pair"}


def payer_share(view: ClaimView, e: SliceEvidence) -> str:
    """For a slice pooled over payers, what this claim's payer did in the same slice (" COM01 alone: 80% of 10
    decided."), so the sentence still names whose rule it is; "" when the payer has no such lines."""
    source = view.cache.get("slice_source")
    if source is not None:
        first = source.find(OWN_KIND.get(e.kind), e.code, e.value)
        own = [first] if first is not None else []
    else:
        own = [
            o
            for o in view.slice_evidence()[0]
            if o.kind == OWN_KIND.get(e.kind) and o.code == e.code and o.value == e.value and o.n > 0
        ]
    if not own:
        return ""
    return f" {view.payer} alone: {_pct(own[0].denied / own[0].n)} of {own[0].n:.0f} decided."


def modifier_slices(view: ClaimView) -> Sentence | None:
    """The modifier / same-claim pair part of the "modifiers" factor (None when no such slice stands out)."""
    e = top_slice(view, CODING_KINDS)
    return (history_sentence(view, e) + payer_share(view, e), coding_fix(view, e)) if e else None


def rank_intro(view: ClaimView, e: SliceEvidence) -> str:
    """ "This is the patient's 3rd 97110 line billed to MCD01 this year", or for a family rank "This 80061 line is
    on the patient's 2nd visit with pathology laboratory services billed to MCR01 in 365 days"."""
    if e.kind == "ordinal":
        k = int(e.value[1:])
        nth = f"{_ordinal(k)}{' or later' if k == ORDINAL_CAP else ''}"
        return f"This is the patient's {nth} {e.code} line billed to {view.payer} this year"
    return f"This {e.code} line is on the patient's {rank_words(e)} billed to {view.payer}"


def patient_services(view: ClaimView) -> Sentence:
    """The "patient's earlier services with this payer" factor: where this line falls in the patient's year, and
    what the payer did with such lines."""
    e = top_slice(view, RANK_KINDS)
    fix = CATEGORY_FIX[view.cache.get("likely_category") or "non_covered"]
    if e is not None:
        period = "in the last 12 months" if e.kind == "family_365" else "this year"
        return (
            f"{rank_intro(view, e)}; {history_sentence(view, e)}",
            f"Check the patient's remaining {view.payer} benefit for {e.code} {period} (a visit or frequency "
            "limit): get an authorization for more visits, or the patient's signed waiver, before the service.",
        )
    lines = view.lines
    if not lines:
        return ("The claim has no lines.", fix)
    source = view.cache.get("slice_source")
    counts = source.counts() if source is not None else view.slice_evidence()[1]
    i = int(counts["pat_proc_year_n"].argmax())
    code, n_year = lines[i]["procedure_code"], counts["pat_proc_year_n"][i]
    denials = counts["pat_proc_denials"][i]
    since = counts["pat_proc_days_since"][i]
    last = f", the last {since:.0f} days before this submission" if since == since else ""
    return (
        f"The patient had {n_year:.0f} earlier {code} line(s) billed to {view.payer} this year "
        f"({counts['pat_proc_365_n'][i]:.0f} in the last 365 days{last}); {denials:.0f} earlier {code} line(s) "
        f"of this patient with {view.payer} were denied.",
        fix,
    )
