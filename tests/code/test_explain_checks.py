"""Pre-submission checks: each check trips on a claim built to trip it; a clean claim trips none."""

from __future__ import annotations

import pandas as pd
import pytest

from denial_ml.data.synthetic.world import generate_world
from denial_ml.explain.checks import FILING_WARNING_DAYS, run_checks
from denial_ml.explain.context import claim_views
from denial_ml.features.build import FeatureBuilder


@pytest.fixture(scope="module")
def world_and_builder():
    world = generate_world(4000, seed=5)
    return world, FeatureBuilder().fit(world)


def _findings(builder, claim: pd.DataFrame, lines: pd.DataFrame) -> list:
    X = builder.transform_array(claim, lines)
    return run_checks(claim_views(claim.reset_index(drop=True), lines, X, builder)[0])


def _codes(builder, claim, lines) -> set[str]:
    return {f.code for f in _findings(builder, claim, lines)}


def _pick(world, builder, want_auth: bool, payer_type: str | None = None):
    """A claim (and its lines) that trips no check, optionally one with a valid authorization on a required code."""
    claims, lines = world["claims"], world["claim_lines"]
    X = builder.transform(claims, lines)
    ok = (X["auth_found"] == 1) & (X["auth_required"] == 1) if want_auth else (X["auth_required"] == 0)
    if payer_type:
        ok &= X["payer_type"] == payer_type
    for i in ok[ok].index[:400]:
        claim = claims.iloc[[i]]
        own = lines[lines["claim_id"] == claim["claim_id"].iloc[0]]
        if not _findings(builder, claim, own):
            return claim.copy(), own.copy()
    raise AssertionError("no clean claim in the test world")


def test_claims_with_errors_are_denied_far_more_often_than_clean_claims(world_and_builder):
    world, builder = world_and_builder
    claims = world["claims"].head(1500).reset_index(drop=True)
    lines = world["claim_lines"]
    views = claim_views(claims, lines, builder.transform_array(claims, lines), builder)
    has_error = pd.Series([any(f.severity == "error" for f in run_checks(v)) for v in views])
    denied = claims["claim_id"].map(world["truth"].set_index("claim_id")["denial_cause"]).ne("")
    assert 0.05 < has_error.mean() < 0.6  # checks neither stay silent nor flag everything
    assert denied[has_error].mean() > 2 * denied[~has_error].mean()


CLAIM_EDITS = {
    "ELIGIBILITY_INACTIVE": {"eligibility_status": "inactive"},
    "ELIGIBILITY_NOT_VERIFIED": {"eligibility_checked": False, "eligibility_status": "unknown"},
    "MEMBER_ID_MISMATCH": {"member_id": "XX0000000"},
    "RENDERING_NPI_MISSING": {"rendering_provider_npi": None},
    "DIAGNOSIS_INVALID": {"diagnosis_codes": "Z9999"},
    "AUTH_NOT_FOUND": {"prior_auth_number": "AUTH-NOT-ON-FILE"},
}


@pytest.mark.parametrize("code", sorted(CLAIM_EDITS))
def test_claim_field_checks_trip(world_and_builder, code):
    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=code.startswith("AUTH"))
    found = _findings(builder, claim.assign(**CLAIM_EDITS[code]), lines)
    hit = [f for f in found if f.code == code]
    assert len(hit) == 1, [f.code for f in found]
    assert hit[0].field and hit[0].message and hit[0].fix
    assert hit[0].severity in {"error", "warning"}


def test_authorization_missing_expired_wrong_code_and_units(world_and_builder):
    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=True)
    number = claim["prior_auth_number"].iloc[0]
    start, end, covered, units = builder.auths_[number]
    assert {f.code for f in _findings(builder, claim.assign(prior_auth_number=None), lines)} >= {"AUTH_MISSING"}
    missing = [f for f in _findings(builder, claim.assign(prior_auth_number=None), lines) if f.code == "AUTH_MISSING"]
    assert claim["payer_id"].iloc[0] in missing[0].message

    late = pd.Timestamp("1970-01-01") + pd.Timedelta(days=int(end) + 3)
    moved = claim.assign(service_date_from=late, service_date_to=late, submission_date=late + pd.Timedelta(days=2))
    assert "AUTH_EXPIRED" in _codes(builder, moved, lines.assign(service_date=late))

    assert "AUTH_UNITS_EXCEEDED" in _codes(builder, claim, lines.assign(units=int(units) + 1))

    required = {k.split("|")[1] for k in builder.auth_required_keys_ if k.startswith(claim["payer_id"].iloc[0] + "|")}
    other = sorted(required - set(covered.split()))
    if other:
        swapped = lines.copy()
        swapped.iloc[0, swapped.columns.get_loc("procedure_code")] = other[0]
        wrong = [f for f in _findings(builder, claim, swapped) if f.code == "AUTH_WRONG_CODE"]
        assert wrong and other[0] in wrong[0].message and wrong[0].field == "lines[0].procedure_code"


@pytest.mark.parametrize(
    ("offset", "code"), [(5, "FILING_LIMIT_PASSED"), (-3, "FILING_LIMIT_NEAR"), (-(FILING_WARNING_DAYS + 30), None)]
)
def test_filing_deadline(world_and_builder, offset, code):
    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=False)
    limit = builder.timely_days_[claim["payer_id"].iloc[0]]
    submitted = claim["service_date_from"].iloc[0] + pd.Timedelta(days=int(limit) + offset)
    codes = _codes(builder, claim.assign(submission_date=submitted), lines) & {
        "FILING_LIMIT_PASSED",
        "FILING_LIMIT_NEAR",
    }
    assert codes == ({code} if code else set())


def test_duplicate_of_an_earlier_claim_but_not_a_replacement(world_and_builder):
    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=False)
    again = claim.assign(claim_id="CLM-AGAIN", submission_date=claim["submission_date"] + pd.Timedelta(days=10))
    again_lines = lines.assign(claim_id="CLM-AGAIN")
    assert "DUPLICATE" in _codes(builder, again, again_lines)
    assert "DUPLICATE" not in _codes(builder, again.assign(claim_frequency_code="7"), again_lines)


def test_line_checks_pointer_procedure_and_modifiers(world_and_builder):
    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=False)
    assert "POINTER_MISSING" in _codes(builder, claim, lines.assign(diagnosis_pointers=None))
    assert "PROCEDURE_INVALID" in _codes(builder, claim, lines.assign(procedure_code="Z9999"))
    # A five-digit code may be a CPT code the catalog lacks (CPT's list is licensed): a note, never an error.
    assert "PROCEDURE_INVALID" not in _codes(builder, claim, lines.assign(procedure_code="99999"))
    em = lines.head(1).assign(
        procedure_code="99213", modifier_1="GP", modifier_2=None, modifier_3=None, modifier_4=None
    )
    bad = [f for f in _findings(builder, claim, em) if f.code == "MODIFIER_INVALID"]
    assert bad and bad[0].field == "lines[0].modifier_1" and "GP" in bad[0].message
    number = int(em["line_number"].iloc[0])
    assert bad[0].message.startswith(f"Line {number}: ")  # a finding about one line says which
    invalid = [
        f for f in _findings(builder, claim, lines.assign(procedure_code="Z9999")) if f.code == "PROCEDURE_INVALID"
    ]
    assert [f.message.split(":")[0] for f in invalid] == [f"Line {n}" for n in lines["line_number"]]
    pair = pd.concat([em.assign(modifier_1=None), em.assign(line_number=2, procedure_code="20610", modifier_1=None)])
    assert "MODIFIER_25_MISSING" in _codes(builder, claim, pair)
    assert "MODIFIER_25_MISSING" not in _codes(builder, claim, pair.assign(modifier_1=["25", None]))
    tele = claim.assign(place_of_service="02")
    assert "TELEHEALTH_MODIFIER_MISSING" in _codes(builder, tele, em.assign(modifier_1=None))
    assert "TELEHEALTH_MODIFIER_MISSING" not in _codes(builder, tele, em.assign(modifier_1="95"))


def test_therapy_without_gp_for_medicare(world_and_builder):
    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=False, payer_type="medicare")
    therapy = lines.head(1).assign(procedure_code="97110", modifier_1=None, modifier_2=None)
    assert "MODIFIER_GP_MISSING" in _codes(builder, claim, therapy)
    assert "MODIFIER_GP_MISSING" not in _codes(builder, claim, therapy.assign(modifier_1="GP"))


def _ended_coverage(world, claim: pd.DataFrame) -> pd.DataFrame:
    """The world's coverages with the claim's spell (patient x payer) ended 60 days before its service date."""
    cov = world["coverages"].copy()
    own = (cov["patient_id"] == claim["patient_id"].iloc[0]) & (cov["payer_id"] == claim["payer_id"].iloc[0])
    cov.loc[own, "coverage_end"] = claim["service_date_from"].iloc[0] - pd.Timedelta(days=60)
    return cov


def test_coverage_ended_on_file_trips_and_an_open_spell_clears(world_and_builder):
    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=False)
    assert "COVERAGE_ENDED" not in _codes(builder, claim, lines)
    ended = FeatureBuilder().fit({**world, "coverages": _ended_coverage(world, claim)})
    found = [f for f in _findings(ended, claim, lines) if f.code == "COVERAGE_ENDED"]
    assert len(found) == 1 and found[0].severity == "error" and claim["payer_id"].iloc[0] in found[0].message
    X = ended.transform(claim, lines)
    assert X["coverage_on_file"].iloc[0] == 0 and X["coverage_days_past_end"].iloc[0] == 60


def test_coverage_end_counts_only_once_the_enrollment_feed_could_know_it(world_and_builder):
    """Point in time: an end date is on file ENROLLMENT_DELAY_DAYS after it, not on the day coverage ends."""
    from denial_ml.features.coverage import ENROLLMENT_DELAY_DAYS

    world, builder = world_and_builder
    claim, lines = _pick(world, builder, want_auth=False)
    ended = FeatureBuilder().fit({**world, "coverages": _ended_coverage(world, claim)})
    end = claim["service_date_from"].iloc[0] - pd.Timedelta(days=60)
    service = end + pd.Timedelta(days=10)  # after the end: not covered, once the end is known
    early = claim.assign(service_date_from=service, submission_date=end + pd.Timedelta(days=ENROLLMENT_DELAY_DAYS - 1))
    on_time = early.assign(submission_date=end + pd.Timedelta(days=ENROLLMENT_DELAY_DAYS))
    assert ended.transform(early, lines)["coverage_on_file"].iloc[0] == 1  # not yet known: still open
    assert ended.transform(on_time, lines)["coverage_on_file"].iloc[0] == 0


def test_pre_submission_fixes_speak_of_submitting_not_of_resubmitting_or_appealing():
    """The claim has not gone out yet: no fix tells a biller to resubmit or appeal it."""
    import inspect

    from denial_ml.explain import checks, code_checks, sentences, slice_sentences

    for module in (checks, code_checks, sentences, slice_sentences):
        text = inspect.getsource(module).lower()
        assert "resubmit" not in text and "appeal" not in text, module.__name__
