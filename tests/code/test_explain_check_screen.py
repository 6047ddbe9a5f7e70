"""The batch screen of the checks never drops a check that would find something: over a small world whose claims
and lines are scrambled to trip every check, and over hand-made edge cases."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.synthetic.world import generate_world
from denial_ml.explain.check_screen import screen_checks
from denial_ml.explain.checks import CHECKS, run_checks
from denial_ml.explain.context import claim_views, fill_learnt_auth_shares, views_from_records
from denial_ml.features.build import FeatureBuilder


@pytest.fixture(scope="module")
def world_and_builder():
    world = generate_world(3000, seed=11)
    return world, FeatureBuilder().fit(world)


def _assert_screen_keeps_every_finding(views, X, builder) -> int:
    """Every check the screen drops finds nothing, so screened findings equal all findings; the number fired."""
    fill_learnt_auth_shares(views)
    screened = screen_checks(views, X, builder)
    assert len(screened) == len(views)
    fired = 0
    for view, kept in zip(views, screened, strict=True):
        assert all(not list(check(view)) for check in CHECKS if check not in kept), view.claim["claim_id"]
        found = run_checks(view)
        assert run_checks(view, kept) == found
        fired += len(found)
    return fired


def _scramble(claims: pd.DataFrame, lines: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claims and lines with fields set, at random, to values that trip (or nearly trip) each check."""
    rng = np.random.default_rng(seed)
    claims, lines = claims.copy(), lines.copy()

    def some(frame: pd.DataFrame, share: float = 0.08) -> np.ndarray:
        return rng.random(len(frame)) < share

    def pick(frame: pd.DataFrame, column: str, options: list) -> None:
        chosen = some(frame)
        frame.loc[chosen, column] = rng.choice(np.array(options, dtype=object), chosen.sum())

    claims.loc[some(claims), "eligibility_status"] = "inactive"
    claims.loc[some(claims), "eligibility_status"] = "unknown"
    claims.loc[some(claims), "eligibility_checked"] = False
    late = some(claims)
    claims.loc[late, "eligibility_check_date"] = claims.loc[late, "service_date_from"] - pd.Timedelta(days=31)
    edge = some(claims)
    claims.loc[edge, "eligibility_check_date"] = claims.loc[edge, "service_date_from"] - pd.Timedelta(days=30)
    claims.loc[some(claims), "eligibility_check_date"] = pd.NaT
    claims.loc[some(claims, 0.02), "service_date_from"] = pd.NaT
    claims.loc[some(claims), "member_id"] = "XX0000000"
    claims.loc[some(claims), "rendering_provider_npi"] = None
    pick(claims, "diagnosis_codes", ["Z9999", "M54", "M545", "M5450 E119", "", None])
    claims.loc[some(claims), "prior_auth_number"] = "AUTH-NOT-ON-FILE"
    claims.loc[some(claims), "prior_auth_number"] = None
    pick(claims, "place_of_service", ["02", "10"])
    claims.loc[some(claims), "claim_frequency_code"] = "7"
    claims.loc[some(claims), "claim_type"] = "837I"
    claims.loc[some(claims), "facility_type_code"] = None
    shifted = some(claims)
    claims.loc[shifted, "submission_date"] = claims.loc[shifted, "service_date_from"] + pd.Timedelta(days=400)
    lines.loc[some(lines), "diagnosis_pointers"] = None
    pick(lines, "procedure_code", ["Z9999", "99999", "99213", "97110", "20610", "90834", ""])
    pick(lines, "modifier_1", ["GP", "25", "95", "GT", "59", "XX"])
    pick(lines, "modifier_2", ["GP", "25", "95", "GT", "59"])
    lines.loc[some(lines), "modifier_1"] = None
    pick(lines, "revenue_code", ["0300", "0450", "0250", "0636"])
    lines.loc[some(lines), "service_date"] = pd.Timestamp("2015-01-01")
    lines.loc[some(lines), "service_date"] = pd.NaT
    return claims, lines


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_screen_drops_no_check_that_fires_on_a_scrambled_world(world_and_builder, seed):
    world, builder = world_and_builder
    claims, lines = _scramble(world["claims"].head(1200), world["claim_lines"], seed)
    claims = claims.reset_index(drop=True)
    lines = lines[lines["claim_id"].isin(claims["claim_id"])]
    X = builder.transform_array(claims, lines)
    views = claim_views(claims, lines, X, builder)
    fired = _assert_screen_keeps_every_finding(views, X, builder)
    assert fired > len(claims) / 2  # the scrambling trips checks; the property is not vacuous


def test_the_screen_leaves_most_clean_claims_unchecked(world_and_builder):
    world, builder = world_and_builder
    claims = world["claims"].head(1000).reset_index(drop=True)
    lines = world["claim_lines"][world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    X = builder.transform_array(claims, lines)
    views = claim_views(claims, lines, X, builder)
    _assert_screen_keeps_every_finding(views, X, builder)
    screened = screen_checks(views, X, builder)
    clean = [not run_checks(v) for v in views]
    skipped = [not kept for kept, ok in zip(screened, clean, strict=True) if ok]
    assert sum(skipped) > 0.5 * len(skipped)


def _records(world, n: int = 40) -> tuple[list[dict], list[dict]]:
    from denial_ml.explain.context import frame_records

    claims = world["claims"].head(n).reset_index(drop=True)
    lines = world["claim_lines"][world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    return frame_records(claims), frame_records(lines)


@pytest.mark.parametrize(
    "edit",
    [
        {"service_date_from": "2024-03-01"},  # dates as text: the screen leaves the decision to the checks
        {"eligibility_check_date": pd.Timestamp("2020-01-01")},
        {"service_date_from": None},
        {"eligibility_checked": None},
        {"diagnosis_codes": "M54.50, Z99.99"},
        {"rendering_provider_npi": ""},
    ],
)
def test_hand_made_claim_fields_keep_every_finding(world_and_builder, edit):
    world, builder = world_and_builder
    claims, lines = _records(world)
    X = builder.transform_records_with_slices(claims, lines)[0]
    edited = [dict(c, **edit) if i % 2 else c for i, c in enumerate(claims)]
    _assert_screen_keeps_every_finding(views_from_records(edited, lines, X, builder), X, builder)


@pytest.mark.parametrize(
    "edit",
    [
        {"service_date": dt.date(1999, 1, 1)},  # before the catalog's codes were valid
        {"service_date": "2024-03-01"},
        {"procedure_code": None, "revenue_code": "0450"},
        {"procedure_code": "G0283", "modifier_1": None},
        {"procedure_code": "99213", "modifier_1": "25", "modifier_2": "GP"},
        {"diagnosis_pointers": ""},
    ],
)
def test_hand_made_line_fields_keep_every_finding(world_and_builder, edit):
    world, builder = world_and_builder
    claims, lines = _records(world)
    X = builder.transform_records_with_slices(claims, lines)[0]
    edited = [dict(line, **edit) if i % 3 == 0 else line for i, line in enumerate(lines)]
    _assert_screen_keeps_every_finding(views_from_records(claims, edited, X, builder), X, builder)
