"""The generic rule engine on hand-built claims: which lines each rule kind hits, and the truth it records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.synthetic.hidden import add_hidden
from denial_ml.data.synthetic.outcomes import MECH_INDEX, MECHANISMS
from denial_ml.data.synthetic.policies import PolicyError, default_policies, parse_policies
from denial_ml.data.synthetic.policy_rules import (
    ages_at,
    apply_cause_rules,
    over_limit,
    policy_hazards,
    policy_mechanisms,
    policy_truth,
)

H80 = -np.log(0.2)  # the hazard of strength 0.8


def _world(rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One claim per row: (payer, patient row, service date, POS, diagnoses, [(code, modifier), ...])."""
    claims = pd.DataFrame(
        {
            "claim_id": [f"C{i}" for i in range(len(rows))],
            "patient_id": [f"P{r[1]}" for r in rows],
            "payer_id": [r[0] for r in rows],
            "service_date_from": pd.to_datetime([r[2] for r in rows]),
            "place_of_service": [r[3] for r in rows],
            "diagnosis_codes": [r[4] for r in rows],
        }
    )
    claims = add_hidden(claims, "claims", _patient=[r[1] for r in rows])
    lines = [(i, code, mod) for i, r in enumerate(rows) for code, mod in r[5]]
    ln = pd.DataFrame(
        {
            "procedure_code": [x[1] for x in lines],
            "modifier_1": [x[2] for x in lines],
            **{f"modifier_{k}": [None] * len(lines) for k in (2, 3, 4)},
        }
    )
    ln = add_hidden(ln, "claim_lines", _c=[x[0] for x in lines])
    patients = pd.DataFrame(
        {"birth_date": pd.to_datetime(["2010-06-15", "1980-01-01", "1950-03-01"]), "sex": ["F", "M", "F"]}
    )
    return ln, claims, patients


def _hits(rule: dict, rows: list[tuple]) -> list[bool]:
    policies = parse_policies({"rules": [{"id": "r", "strength": 0.8} | rule]})
    H = policy_hazards(*_world(rows), policies)
    assert H.shape[1] == 1 and set(np.round(H[:, 0], 9)) <= {0.0, round(H80, 9)}
    return list(H[:, 0] > 0)


def test_frequency_limit_counts_visits_per_calendar_year_and_skips_other_payers():
    rule = {"kind": "frequency_limit", "payers": ["MCD01"], "codes": ["97110", "97530"], "max_services": 1}
    rows = [
        ("MCD01", 1, "2024-02-01", "11", "M545", [("97110", None), ("97530", None)]),
        ("MCD01", 1, "2024-02-01", "11", "M545", [("97110", None)]),  # a re-send: the same visit
        ("COM01", 1, "2024-03-01", "11", "M545", [("97110", None)]),  # another payer
        ("MCD01", 1, "2024-04-01", "11", "M545", [("97530", None), ("99213", None)]),  # the 2nd visit of the family
        ("MCD01", 1, "2025-01-05", "11", "M545", [("97110", None)]),  # a new year
        ("MCD01", 2, "2024-05-01", "11", "M545", [("97110", None)]),  # another patient
    ]
    assert _hits(rule, rows) == [False, False, False, False, True, False, False, False]


def test_rolling_limit_looks_back_365_days():
    days = ["2024-01-10", "2025-01-09", "2025-03-01", "2026-03-02"]
    rows = [("MCR01", 0, d, "11", "E785", [("80061", None)]) for d in days]
    rule = {"kind": "frequency_limit", "codes": ["80061"], "max_services": 1, "period": "rolling_12_months"}
    # The window is the 365 days ending on the visit: 2025-01-09 is 365 days after 2024-01-10 (a leap year), so
    # just outside; 2025-03-01 falls within 2025-01-09's; 2026-03-02 is 366 days after 2025-03-01.
    assert _hits(rule, rows) == [False, False, True, False]


def test_over_limit_ignores_lines_not_counted():
    patient = np.array([0, 0, 0])
    payer = np.array(["A", "A", "A"])
    service = np.array(["2024-01-01", "2024-02-01", "2024-03-01"], dtype="datetime64[D]")
    counted = np.array([True, False, True])
    assert list(over_limit(patient, payer, service, counted, 1, "calendar_year")) == [False, False, True]


def test_ages_are_completed_years_on_the_service_date():
    birth = np.array(["2010-06-15", "2010-06-15", "NaT"], dtype="datetime64[ns]")
    service = np.array(["2024-06-14", "2024-06-15", "2024-06-15"], dtype="datetime64[D]")
    assert list(ages_at(birth, service)) == [13, 14, -1]


def test_age_sex_and_place_of_service_edits_filter_rows():
    rows = [
        ("COM02", 0, "2024-06-14", "11", "F840", [("97153", None)]),  # 13 years old
        ("COM02", 1, "2024-06-14", "02", "F840", [("97153", None)]),  # 44, male, telehealth
        ("COM02", 2, "2024-06-14", "10", "F840", [("97153", None)]),  # 74, female, telehealth at home
    ]
    assert _hits({"kind": "age", "codes": ["97153"], "max_age": 20}, rows) == [False, True, True]
    assert _hits({"kind": "sex", "codes": ["97153"], "allowed_sex": ["F"]}, rows) == [False, True, False]
    tele = {"kind": "place_of_service", "codes": ["97153"], "denied_pos": ["02", "10"]}
    assert _hits(tele, rows) == [False, True, True]
    office = {"kind": "place_of_service", "codes": ["97153"], "allowed_pos": ["11"]}
    assert _hits(office, rows) == [False, True, True]
    dated = {"kind": "sex", "codes": ["97153"], "allowed_sex": ["F"], "effective_from": "2024-07-01"}
    assert _hits(dated, rows) == [False, False, False]


def test_diagnosis_coverage_needs_one_listed_diagnosis_on_the_claim():
    rows = [
        ("COM01", 1, "2024-01-01", "11", "M1711 E119", [("20610", "RT")]),
        ("COM01", 1, "2024-01-02", "11", "E119 M25561", [("20610", "LT")]),
        ("COM01", 1, "2024-01-03", "11", "M5416", [("20610", "RT"), ("99213", None)]),
    ]
    rule = {"kind": "diagnosis_coverage", "codes": ["20610"], "covered_diagnoses": ["M17.11", "M25.561"]}
    assert _hits(rule, rows) == [False, False, True, False]


def test_bundled_pair_and_modifier_requirement_read_the_claim_and_the_line():
    rows = [
        ("MCR01", 2, "2024-01-01", "11", "I10", [("99214", None), ("93000", None)]),
        ("MCR01", 2, "2024-01-02", "11", "I10", [("99214", None), ("93000", "59")]),
        ("MCR01", 2, "2024-01-03", "11", "I10", [("93000", None)]),
    ]
    pair = {"kind": "bundled_pair", "codes": ["93000"], "with_codes": ["99214"], "bypass_modifiers": ["59"]}
    assert _hits(pair, rows) == [False, True, False, False, False]
    needs = {"kind": "modifier_required", "codes": ["93000"], "modifiers": ["59", "XU"]}
    assert _hits(needs, rows) == [False, True, False, False, True]


def test_truth_names_the_strongest_rule_and_the_rule_that_denied():
    policies = parse_policies(
        {
            "rules": [
                {"id": "a", "kind": "modifier_required", "codes": ["1"], "modifiers": ["GP"], "carc": "4"},
                {"id": "b", "kind": "sex", "codes": ["1"], "allowed_sex": ["F"], "rarc": "N30", "category": "coding"},
            ]
        }
    )
    names = [(m.name, m.carc, m.rarc, m.category, m.level) for m in policy_mechanisms(policies)]
    assert names == [("policy:a", "4", "", "coding", "line"), ("policy:b", "7", "N30", "coding", "line")]
    H = np.array([[0.5, 0.0], [0.2, 0.9], [0.0, 0.0]])
    truth = policy_truth(H, np.array([0, 1, 2]), np.array([24, 3, -1]), 24, policies)
    assert list(truth["policy_rule"]) == ["a", "b", ""]
    assert list(truth["policy_hazard"]) == [0.5, 0.9, 0.0]
    assert list(truth["denial_rule"]) == ["a", "", ""]


def test_an_authorization_list_refuses_a_strength():
    with pytest.raises(
        PolicyError, match=r"rule 'x' \(#1\) rule: Value error, an authorization rule takes no strength"
    ):
        parse_policies({"rules": [{"id": "x", "kind": "authorization", "codes": ["97153"], "strength": 0.5}]})


def test_selectors_narrow_a_rule_to_a_place_a_flagged_line_and_a_claim_billing_a_code():
    rows = [
        ("COM02", 1, "2024-01-01", "02", "I10", [("99214", None), ("93000", "59")]),
        ("COM02", 1, "2024-01-02", "11", "I10", [("99214", None), ("93000", "XU")]),
        ("COM02", 1, "2024-01-03", "02", "I10", [("99214", None)]),
    ]
    base = {"kind": "not_covered", "codes": ["99214", "93000"]}
    assert _hits(base, rows) == [True] * 5
    assert _hits(base | {"places_of_service": ["02"]}, rows) == [True, True, False, False, True]
    assert _hits(base | {"line_modifiers": ["59"]}, rows) == [False, True, False, False, False]
    assert _hits(base | {"billed_with": ["93000"]}, rows) == [True, True, True, True, False]


def test_the_default_bundling_edit_denies_97140_flagged_59_next_to_97530_at_com02_only():
    rows = [
        ("COM02", 1, "2024-01-01", "11", "M545", [("97530", "GP"), ("97140", "59")]),
        ("COM02", 1, "2024-01-02", "11", "M545", [("97530", "GP"), ("97140", "XU")]),
        ("COM02", 1, "2024-01-03", "11", "M545", [("97140", "59")]),
        ("COM01", 1, "2024-01-04", "11", "M545", [("97110", "GP"), ("97140", "59")]),
    ]
    policies = default_policies()
    bundling = next(r for r in policies.cause_rules() if r.cause == "coding_bundled59")
    H = policy_hazards(*_world(rows), parse_policies({"rules": [bundling.model_dump() | {"cause": ""}]}))
    assert list(H[:, 0] > 0) == [False, True, False, False, False, False, False]
    assert H[1, 0] == pytest.approx(-np.log(0.3))  # strength 0.70


def test_a_strength_scaled_by_strictness_follows_the_payer():
    rows = [
        ("MCR01", 1, "2024-01-01", "11", "H02831", [("15823", "RT")]),  # strictness 0.40
        ("COM02", 1, "2024-01-01", "11", "H02831", [("15823", "RT")]),  # strictness 1.20
    ]
    rule = {"id": "cosmetic", "kind": "not_covered", "codes": ["15823"], "strength": 0.3, "scale_by_strictness": True}
    H = policy_hazards(*_world(rows), parse_policies({"rules": [rule]}))
    assert H[:, 0] == pytest.approx([-np.log(1 - 0.12), -np.log(1 - 0.36)])


def test_a_cause_rule_replaces_its_mechanisms_background_where_it_hits_and_the_strongest_wins():
    rows = [
        ("MCR01", 1, "2024-01-01", "11", "Z0000", [("99396", None), ("99213", None)]),
        ("COM02", 1, "2024-01-01", "11", "Z0000", [("99396", None)]),
    ]
    common = {"kind": "not_covered", "codes": ["99396"], "carc": "96", "rarc": "N130", "cause": "noncovered"}
    policies = parse_policies(
        {
            "rules": [
                common | {"id": "weak", "strength": 0.5},
                common | {"id": "strong", "strength": 0.92, "payer_types": ["medicare"]},
            ]
        }
    )
    assert policies.engine_rules() == [] and policy_mechanisms(policies) == ()
    background = np.full((3, len(MECHANISMS)), 0.01)
    H = apply_cause_rules(background, *_world(rows), policies)
    col = MECH_INDEX["noncovered"]
    assert H[:, col] == pytest.approx([-np.log(0.08), 0.01, -np.log(0.5)])
    assert (np.delete(H, col, axis=1) == 0.01).all() and (background == 0.01).all()
