"""The generic rule engine: which claim lines each policy rule hits, and the hazard it adds there.

Every rule of `Policies.engine_rules()` becomes one line-level mechanism `policy:<rule id>` with the rule's
CARC/RARC and category. A rule first selects its lines (payer, procedure code, service date in its effective
window), then its kind decides which of those it denies: age and sex edits, place-of-service and diagnosis
coverage lists are filters on the claim or patient; a frequency limit ranks the patient's visits at the payer by
service date; a bundled pair looks at the other lines of the claim; a modifier requirement at the line's own
modifiers; a non-coverage rule denies every line it selects. The engine draws nothing at random, so a world
without engine rules keeps every random draw.

A rule with `cause:` feeds that built-in mechanism's hazard column instead of a column of its own
(`apply_cause_rules`): its probability replaces the column's background on the lines it hits, so the default
world's rules, written this way, give the same hazards as the generator's code did before they moved to data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import Coded, fixed_str
from denial_ml.data.synthetic.hidden import hidden
from denial_ml.data.synthetic.outcomes import MECH_INDEX, STRICT, Mechanism, hazard_of
from denial_ml.data.synthetic.params import PAYERS
from denial_ml.data.synthetic.policies import (
    AgeEdit,
    BaseRule,
    BundledPair,
    DiagnosisCoverage,
    FrequencyLimit,
    ModifierRequirement,
    NotCovered,
    PlaceOfServiceRule,
    Policies,
    SexEdit,
    applies_to,
)

PAYER_TYPE = {p.payer_id: p.payer_type for p in PAYERS}
MODIFIER_COLUMNS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")


def policy_mechanisms(policies: Policies) -> tuple[Mechanism, ...]:
    """One line-level mechanism per engine rule, named `policy:<rule id>`, in file order."""
    return tuple(
        Mechanism(f"policy:{r.id}", r.category, "line", r.carc, r.rarc, r.group) for r in policies.engine_rules()
    )


class _View:
    """The line-level facts the rules read, gathered once (claims' and patients' values repeated per line).

    Codes, payers, places of service and modifiers are kept as codes into their few distinct values
    (`Coded`): every rule tests membership in them, and a test per distinct value is far cheaper than per line.
    """

    def __init__(self, lines: pd.DataFrame, claims: pd.DataFrame, patients: pd.DataFrame) -> None:
        self.c = hidden(lines, "claim_lines", "_c").to_numpy()
        self.n_claims = len(claims)
        self.code = Coded(lines["procedure_code"])
        self.payer = Coded(claims["payer_id"]).take(self.c)
        self.patient = pd.factorize(claims["patient_id"])[0][self.c]
        self.service = claims["service_date_from"].to_numpy().astype("datetime64[D]")[self.c]
        self.pos = Coded(claims["place_of_service"]).take(self.c)
        self.lines = lines
        self.claims = claims
        self.patients = patients
        self._modifiers: list[Coded] | None = None
        self._strictness: np.ndarray | None = None

    def modifiers(self) -> list[Coded]:
        """The line's four modifier slots ("" where empty)."""
        if self._modifiers is None:
            self._modifiers = [Coded(self.lines[col]) for col in MODIFIER_COLUMNS]
        return self._modifiers

    def strictness(self) -> np.ndarray:
        """Each line's payer's strictness (1 for a payer without one)."""
        if self._strictness is None:
            self._strictness = self.payer.lookup(STRICT, 1.0, float)
        return self._strictness

    def patient_row(self) -> np.ndarray:
        """Each line's patient's row in the patients frame."""
        return hidden(self.claims, "claims", "_patient").to_numpy()[self.c]


def policy_hazards(lines: pd.DataFrame, claims: pd.DataFrame, patients: pd.DataFrame, policies: Policies) -> np.ndarray:
    """Line hazards of the engine rules, shape (n_lines, n_rules): -log(1 - strength) where a rule denies."""
    rules = policies.engine_rules()
    H = np.zeros((len(lines), len(rules)))
    if not rules:
        return H
    v = _View(lines, claims, patients)
    for j, rule in enumerate(rules):
        hit = rule_hits(rule, v)
        if rule.scale_by_strictness:
            H[:, j] = np.where(hit, hazard_of(_probability(rule, v)), 0.0)
        else:
            H[:, j] = np.where(hit, -np.log1p(-rule.strength), 0.0)
    return H


def apply_cause_rules(
    H_line: np.ndarray, lines: pd.DataFrame, claims: pd.DataFrame, patients: pd.DataFrame, policies: Policies
) -> np.ndarray:
    """The built-in line hazards with the `cause:` rules applied (a new array; `H_line` is left as it is).

    On the lines a rule hits, its mechanism's column becomes the hazard of the rule's probability (the largest,
    where several rules of one mechanism hit a line), replacing the column's background there.
    """
    rules = policies.cause_rules()
    out = H_line.copy()
    if not rules:
        return out
    v = _View(lines, claims, patients)
    for name in dict.fromkeys(r.cause for r in rules):
        hit_any = np.zeros(len(lines), dtype=bool)
        p = np.zeros(len(lines))
        for rule in (r for r in rules if r.cause == name):
            hit = rule_hits(rule, v)
            p = np.where(hit, np.maximum(p, _probability(rule, v)), p)
            hit_any |= hit
        col = MECH_INDEX[name]
        out[:, col] = np.where(hit_any, hazard_of(p), out[:, col])
    return out


def rule_hits(rule: BaseRule, v: _View) -> np.ndarray:
    """The lines a rule denies: those it selects that its kind's condition denies."""
    selected = _selected(rule, v)
    return selected & _denies(rule, v, selected)


def _probability(rule: BaseRule, v: _View) -> np.ndarray | float:
    """The rule's denial probability per line (its strength, times the payer's strictness when scaled)."""
    if rule.scale_by_strictness:
        return rule.strength * v.strictness()
    return rule.strength


def _selected(rule: BaseRule, v: _View) -> np.ndarray:
    """The lines a rule looks at: its payers, codes and effective dates."""
    payers = [p for p in v.payer.uniques if applies_to(rule, p, PAYER_TYPE.get(p, ""))]
    mask = v.payer.isin(payers) & v.code.isin(rule.codes)
    if rule.places_of_service:
        mask &= v.pos.isin(rule.places_of_service)
    if rule.line_modifiers:
        mask &= _has_modifier(v, rule.line_modifiers)
    if rule.billed_with:
        mask &= _claim_bills(v, rule.billed_with)
    if rule.effective_from is not None:
        mask &= v.service >= np.datetime64(rule.effective_from, "D")
    if rule.effective_to is not None:
        mask &= v.service <= np.datetime64(rule.effective_to, "D")
    return mask


def _denies(rule: BaseRule, v: _View, selected: np.ndarray) -> np.ndarray:
    """Among all lines, those the rule's own condition denies (combined with `selected` by the caller)."""
    if isinstance(rule, FrequencyLimit):
        return over_limit(v.patient, v.payer.codes, v.service, selected, rule.max_services, rule.period)
    if isinstance(rule, AgeEdit):
        age = ages_at(v.patients["birth_date"].to_numpy()[v.patient_row()], v.service)
        return (age < rule.min_age) | (age > rule.max_age)
    if isinstance(rule, SexEdit):
        sex = fixed_str(v.patients["sex"])[v.patient_row()]
        return ~np.isin(sex, list(rule.allowed_sex))
    if isinstance(rule, PlaceOfServiceRule):
        if rule.denied_pos:
            return v.pos.isin(rule.denied_pos)
        return ~v.pos.isin(rule.allowed_pos)
    if isinstance(rule, DiagnosisCoverage):
        dx = v.claims["diagnosis_codes"].fillna("").str.split(" ", expand=True).fillna("")
        covered = np.asarray(np.isin(dx.to_numpy(dtype=object), list(rule.covered_diagnoses)).any(axis=1))
        return ~covered[v.c]
    if isinstance(rule, BundledPair):
        return _claim_bills(v, rule.with_codes) & ~_has_modifier(v, rule.bypass_modifiers)
    if isinstance(rule, ModifierRequirement):
        return ~_has_modifier(v, rule.modifiers)
    if isinstance(rule, NotCovered):
        return np.ones(len(v.c), dtype=bool)
    raise TypeError(f"no engine for rule kind {type(rule).__name__}")  # a new kind must be added here


def _claim_bills(v: _View, codes: tuple[str, ...]) -> np.ndarray:
    """Per line: does the line's claim bill one of `codes` (on any of its lines)."""
    on_claim = np.bincount(v.c, weights=v.code.isin(codes), minlength=v.n_claims)
    return np.asarray(on_claim[v.c] > 0)


def _has_modifier(v: _View, modifiers: tuple[str, ...]) -> np.ndarray:
    hit = np.zeros(len(v.c), dtype=bool)
    for slot in v.modifiers() if modifiers else ():
        hit |= slot.isin(modifiers)
    return hit


def ages_at(birth: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Completed years of age on each service date (-1 where the birth date is missing)."""
    b = pd.DatetimeIndex(birth)
    s = pd.DatetimeIndex(service)
    before_birthday = (s.month < b.month) | ((s.month == b.month) & (s.day < b.day))
    age = (s.year - b.year - before_birthday).to_numpy(dtype=float)
    return np.where(np.isnan(age), -1, age).astype(np.int64)


def over_limit(
    patient: np.ndarray, payer: np.ndarray, service: np.ndarray, counted: np.ndarray, limit: int, period: str
) -> np.ndarray:
    """Per line: a `counted` line on a visit beyond the patient's `limit`-th at that payer in the period.

    A visit is a distinct service date with a counted line (a re-sent claim is the same visit). With
    `calendar_year` the count restarts each January; with `rolling_12_months` it covers the 365 days up to and
    including the visit.
    """
    out = np.zeros(len(patient), dtype=bool)
    rows = np.flatnonzero(counted)
    if not len(rows):
        return out
    group = pd.factorize(pd.MultiIndex.from_arrays([patient[rows], payer[rows]]))[0].astype(np.int64)
    day = service[rows].astype(np.int64)  # days since 1970
    if period == "calendar_year":
        year = service[rows].astype("datetime64[Y]").astype(np.int64)
        group = pd.factorize(pd.MultiIndex.from_arrays([group, year]))[0].astype(np.int64)
    key = group * 1_000_000 + day  # day < 1e6 for any date before 4700
    visits = np.unique(key)  # sorted by group, then date
    first_of_group = np.searchsorted(visits, (visits // 1_000_000) * 1_000_000, "left")
    if period == "calendar_year":
        start = first_of_group
    else:
        start = np.maximum(first_of_group, np.searchsorted(visits, visits - 364, "left"))
    number = np.arange(len(visits)) - start + 1  # the visit's number in its window
    out[rows] = number[np.searchsorted(visits, key)] > limit
    return out


def policy_truth(
    H_policy: np.ndarray, line_claim: np.ndarray, mech: np.ndarray, n_builtin: int, policies: Policies
) -> dict[str, object]:
    """The truth's policy columns per claim.

    Returns:
        `policy_rule`: the engine rule with the largest hazard on the claim ("" when none hits it);
        `policy_hazard`: that rule's hazard summed over the claim's lines (0 when none);
        `denial_rule`: the rule that denied the claim ("" when not denied by a policy rule).
    """
    n = len(mech)
    ids = np.array([r.id for r in policies.engine_rules()] + [""], dtype=object)
    if H_policy.shape[1]:
        per_claim = np.stack(
            [np.bincount(line_claim, weights=H_policy[:, j], minlength=n) for j in range(H_policy.shape[1])], axis=1
        )
        top = per_claim.argmax(axis=1)
        hazard = per_claim[np.arange(n), top]
    else:
        top, hazard = np.zeros(n, dtype=np.int64), np.zeros(n)
    rule = np.where(hazard > 0, ids[top], "")
    fired = np.where(mech >= n_builtin, ids[np.clip(mech - n_builtin, 0, len(ids) - 1)], "")
    return {"policy_rule": rule.astype(object), "policy_hazard": hazard, "denial_rule": fired.astype(object)}
