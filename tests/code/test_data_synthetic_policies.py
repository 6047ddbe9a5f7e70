"""Policy files: the schema, the loader's error messages and the packaged default world's rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.data.synthetic.policies import (
    DiagnosisCoverage,
    FrequencyLimit,
    PolicyError,
    default_policies,
    load_policies,
    parse_policies,
    published_auth_codes,
)

ROTATIONS = Path(__file__).resolve().parents[1] / "data" / "policies"


def _limit(**extra) -> dict:
    rule = {"id": "pt-limit", "kind": "frequency_limit", "payers": ["MCD01"], "codes": ["97110"], "max_services": 2}
    return rule | extra


def test_default_file_holds_each_payers_published_auth_list():
    policies = default_policies()
    assert len(policies.auth_lists()) == 10
    assert policies.engine_rules() == []
    assert published_auth_codes(policies, "MCR01", "medicare") == ("15823",)
    assert published_auth_codes(policies, "COM03", "commercial") == (
        "97151", "97153", "97155", "97156", "29881", "27447", "15823", "72148", "73721",
    )  # fmt: skip


def test_default_file_holds_the_rules_that_were_in_code_with_their_mechanisms():
    policies = default_policies()
    (com01,) = policies.unpublished_auths()
    assert (com01.payers, com01.codes, com01.effective_from, com01.learned_after_days) == (
        ("COM01",), ("97110", "97530"), dt.date(2025, 3, 10), 120,
    )  # fmt: skip
    assert "97110" not in published_auth_codes(policies, "COM01", "commercial")  # unannounced: not in `payers`
    causes = {r.id: (r.kind, r.cause, r.strength) for r in policies.cause_rules()}  # type: ignore[attr-defined]
    assert causes == {
        "em-with-minor-procedure-25": ("modifier_required", "coding_missing25", 0.65),
        "telehealth-95-gt": ("modifier_required", "coding_telehealth", 0.60),
        "therapy-gp": ("modifier_required", "coding_missing_gp", 0.80),
        "com02-97140-59-bundled": ("bundled_pair", "coding_bundled59", 0.70),
        "medicare-no-preventive-visit": ("not_covered", "noncovered", 0.92),
        "cosmetic-blepharoplasty": ("not_covered", "noncovered", 0.30),
        "wellness-visit-medicare-only": ("not_covered", "noncovered_plan", 0.92),
    }
    timeline = WorldTimeline()
    assert (timeline.rule_change_payer, timeline.rule_change_codes) == ("COM01", ("97110", "97530"))
    assert (timeline.rule_change_start, timeline.practice_learns_after_days) == (dt.date(2025, 3, 10), 120)


def test_without_drops_rules_by_id_and_names_an_unknown_one():
    policies = default_policies()
    fewer = policies.without("therapy-gp", "com01-therapy-auth-2025")
    assert len(fewer.rules) == len(policies.rules) - 2
    assert fewer.unpublished_auths() == [] and "therapy-gp" not in {r.id for r in fewer.rules}
    with pytest.raises(KeyError, match="no rule with id nope"):
        policies.without("nope")


def test_a_rule_file_parses_with_dates_defaults_and_undotted_diagnoses():
    policies = parse_policies(
        {
            "rules": [
                _limit(effective_from="2025-01-01"),
                {"id": "dx", "kind": "diagnosis_coverage", "codes": ["20610"], "covered_diagnoses": ["m17.11"]},
            ]
        }
    )
    limit, dx = policies.rules
    assert isinstance(limit, FrequencyLimit) and limit.effective_from == dt.date(2025, 1, 1)
    assert (limit.carc, limit.period, limit.category) == ("119", "calendar_year", "non_covered")
    assert isinstance(dx, DiagnosisCoverage) and dx.covered_diagnoses == ("M1711",)
    assert dx.category == "medical_necessity"


def test_extends_default_puts_the_default_rules_first():
    policies = parse_policies({"extends": "default", "rules": [_limit()]})
    assert [r.id for r in policies.rules][-1] == "pt-limit"
    assert len(policies.auth_lists()) == 10


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (_limit(max_services=0), r"rule 'pt-limit' \(#1\) max_services: Input should be greater than or equal to 1"),
        (_limit(strength=1.5), r"rule 'pt-limit' \(#1\) strength: Input should be less than 1"),
        (_limit(period="weekly"), r"rule 'pt-limit' \(#1\) period: Input should be 'calendar_year'"),
        (_limit(maximum=3), r"rule 'pt-limit' \(#1\) maximum: Extra inputs are not permitted"),
        (_limit(carc="abc"), r"rule 'pt-limit' \(#1\) carc: String should match pattern"),
        (_limit(codes=[]), r"rule 'pt-limit' \(#1\) codes: Tuple should have at least 1 item"),
        (
            _limit(effective_from="2025-02-01", effective_to="2025-01-01"),
            r"rule 'pt-limit' \(#1\) rule: Value error, effective_to 2025-01-01 is before effective_from 2025-02-01",
        ),
        ({"id": "x", "kind": "quota", "codes": ["1"]}, r"rule 'x' \(#1\) rule: Input tag 'quota' found using 'kind'"),
        (
            {"id": "pos", "kind": "place_of_service", "codes": ["90837"]},
            r"rule 'pos' \(#1\) rule: Value error, give exactly one of denied_pos or allowed_pos",
        ),
        (
            {"id": "nc", "kind": "not_covered", "codes": ["99396"], "cause": "noncovered", "carc": "50"},
            r"rule 'nc' \(#1\) rule: Value error, cause 'noncovered' sends carc '96', rarc 'N130'.*gives '50', ''",
        ),
        (
            {"id": "nc", "kind": "not_covered", "codes": ["99396"], "cause": "examiner"},
            r"rule 'nc' \(#1\) rule: Value error, cause 'examiner' is not one of the line-level mechanisms",
        ),
        (
            {"id": "au", "kind": "authorization", "codes": ["97110"], "learned_after_days": 30},
            r"rule 'au' \(#1\) rule: Value error, learned_after_days is for an unpublished rule",
        ),
        (
            {"id": "au", "kind": "authorization", "codes": ["97110"], "published": False},
            r"rule 'au' \(#1\) rule: Value error, an unpublished rule needs effective_from",
        ),
        (
            {"id": "au", "kind": "authorization", "codes": ["97110"], "places_of_service": ["02"]},
            r"rule 'au' \(#1\) rule: Value error, an authorization rule takes no places_of_service",
        ),
        (
            {"id": "nc", "kind": "not_covered", "codes": ["99396"], "scale_by_strictness": "often"},
            r"rule 'nc' \(#1\) scale_by_strictness: Input should be a valid boolean",
        ),
    ],
)
def test_a_bad_rule_is_named_with_its_field(rule, message):
    with pytest.raises(PolicyError, match=message):
        parse_policies({"rules": [rule]}, "mine.yaml")


def test_a_bad_rule_in_a_file_names_the_file_the_rule_and_the_field(tmp_path):
    path = tmp_path / "my_payers.yaml"
    path.write_text(
        "extends: default\nrules:\n  - id: gp\n    kind: modifier_required\n    codes: ['97110']\n"
        "    modifiers: [GP]\n    strength: 0.8\n    cause: coding_missing_gp\n    carc: '4'\n    rarc: N30\n"
    )
    with pytest.raises(PolicyError) as err:
        load_policies(path)
    assert str(err.value) == (
        f"{path}: rule 'gp' (#1) rule: Value error, cause 'coding_missing_gp' sends carc '4', rarc '', group 'CO', "
        "category 'coding'; the rule gives '4', 'N30', 'CO', 'coding'"
    )
    path.write_text(
        "rules:\n  - {id: ok, kind: not_covered, codes: ['99396']}\n"
        "  - {id: nc, kind: not_covered, codes: ['G0439'], strength: 1.2}\n"
    )
    with pytest.raises(PolicyError) as err:
        load_policies(path)
    assert str(err.value) == f"{path}: rule 'nc' (#2) strength: Input should be less than 1"


def test_repeated_ids_and_bad_files_are_refused(tmp_path):
    with pytest.raises(PolicyError, match="repeated: pt-limit"):
        parse_policies({"rules": [_limit(), _limit()]})
    with pytest.raises(PolicyError, match="repeated: auth-mcr01"):
        parse_policies({"extends": "default", "rules": [_limit(id="auth-mcr01")]})
    with pytest.raises(PolicyError, match="only `default` can be extended"):
        parse_policies({"extends": "other.yaml", "rules": []})
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policies(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [unclosed\n")
    with pytest.raises(PolicyError, match="bad.yaml: not valid YAML"):
        load_policies(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(PolicyError, match="must be a mapping with a `rules:` list, got list"):
        load_policies(bad)


@pytest.mark.parametrize("name", ["rotation_a", "rotation_b", "rotation_c"])
def test_rotation_files_add_rules_the_default_world_lacks(name):
    policies = load_policies(ROTATIONS / f"{name}.yaml")
    kinds = {r.kind for r in policies.engine_rules()}  # type: ignore[attr-defined]
    assert len(kinds) >= 2
    assert len(policies.auth_lists()) == 10
