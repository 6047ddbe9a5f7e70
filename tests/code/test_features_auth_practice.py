"""Authorization requirements learnt from the practice's own claims (features/auth_practice.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.synthetic.world import generate_world
from denial_ml.explain.checks import run_checks
from denial_ml.explain.context import claim_views
from denial_ml.features.auth_practice import MIN_LINES, WINDOW_DAYS, learnt_requirement
from denial_ml.features.build import FeatureBuilder

# COM04 publishes no authorization rule for 97112, and the test world bills it none: only the lines added here count.
PAYER, CODE, SIBLING = "COM04", "97112", "97110"
DAY = pd.Timestamp("2025-06-02")


def test_learnt_requirement_needs_enough_lines_and_half_of_them_authorized():
    n = np.array([MIN_LINES - 1, MIN_LINES, MIN_LINES, 40, 40])
    authorized = np.array([MIN_LINES - 1, MIN_LINES // 2, MIN_LINES // 2 - 1, 20, 19])
    assert learnt_requirement(n, authorized).tolist() == [False, True, False, True, False]


def _with_authorized_history(world: dict, days_before: list[int], codes: str = CODE) -> dict:
    """The world plus one-line claims of PAYER x CODE submitted `days_before` DAY, each with an authorization
    on file that lists `codes`."""
    template = world["claims"].iloc[[0]]
    line = world["claim_lines"][world["claim_lines"]["claim_id"] == template["claim_id"].iloc[0]].iloc[[0]]
    claims, lines, auths = [], [], []
    for k, back in enumerate(days_before):
        cid, number, day = f"CLM-LEARN-{k}", f"AUTH-LEARN-{k}", DAY - pd.Timedelta(days=back)
        claims.append(
            template.assign(
                claim_id=cid, payer_id=PAYER, prior_auth_number=number, submission_date=day,
                service_date_from=day - pd.Timedelta(days=3), service_date_to=day - pd.Timedelta(days=3),
            )
        )  # fmt: skip
        lines.append(line.assign(claim_id=cid, procedure_code=CODE, line_number=1))
        auths.append(
            {
                "auth_number": number,
                "payer_id": PAYER,
                "patient_id": template["patient_id"].iloc[0],
                "procedure_codes": codes,
                "start_date": day - pd.Timedelta(days=30),
                "end_date": day + pd.Timedelta(days=60),
                "units_authorized": 10,
            }
        )
    return {
        **world,
        "claims": pd.concat([world["claims"], *claims], ignore_index=True),
        "claim_lines": pd.concat([world["claim_lines"], *lines], ignore_index=True),
        "authorizations": pd.concat([world["authorizations"], pd.DataFrame(auths)], ignore_index=True),
    }


@pytest.fixture(scope="module")
def base_world():
    return generate_world(3000, seed=5)


def _probe(world: dict, auth_number: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A PAYER x CODE claim submitted on DAY."""
    claim = world["claims"].iloc[[1]].assign(
        claim_id="CLM-PROBE", payer_id=PAYER, prior_auth_number=auth_number, submission_date=DAY,
        service_date_from=DAY - pd.Timedelta(days=2), service_date_to=DAY - pd.Timedelta(days=2),
    )  # fmt: skip
    first = world["claim_lines"][world["claim_lines"]["claim_id"] == world["claims"]["claim_id"].iloc[1]].iloc[[0]]
    return claim, first.assign(claim_id="CLM-PROBE", procedure_code=CODE, line_number=1, units=1)


def _auth_findings(builder: FeatureBuilder, claim: pd.DataFrame, lines: pd.DataFrame) -> dict:
    X = builder.transform_array(claim, lines)
    view = claim_views(claim.reset_index(drop=True), lines, X, builder)[0]
    return {f.code: f.message for f in run_checks(view) if f.code.startswith("AUTH")}


def test_a_pair_the_practice_now_authorizes_is_required_and_flagged_when_missing(base_world):
    world = _with_authorized_history(base_world, list(range(1, 13)))
    builder = FeatureBuilder().fit(world)
    claim, lines = _probe(world)
    row = builder.transform(claim, lines).iloc[0]
    assert row["auth_required"] == 1.0
    found = _auth_findings(builder, claim, lines)
    assert "AUTH_MISSING" in found
    assert f"{CODE} (not on {PAYER}'s published list; 100% of recent {CODE} lines" in found["AUTH_MISSING"]

    # Before the practice had enough such claims nothing is required: without the history, the same claim is clean.
    clean = FeatureBuilder().fit(base_world)
    assert clean.transform(claim, lines).iloc[0]["auth_required"] == 0.0
    assert _auth_findings(clean, claim, lines) == {}


def test_an_authorization_for_another_code_is_a_mismatch_on_a_learnt_pair(base_world):
    world = _with_authorized_history(base_world, list(range(1, 13)))
    world = _with_authorized_history(world, [200], codes=SIBLING)  # AUTH-LEARN-0 now lists only the sibling
    world["authorizations"] = world["authorizations"].drop_duplicates("auth_number", keep="last")
    builder = FeatureBuilder().fit(world)
    claim, lines = _probe(world, auth_number="AUTH-LEARN-0")
    row = builder.transform(claim, lines).iloc[0]
    assert (row["auth_required"], row["auth_found"], row["auth_code_mismatch"]) == (1.0, 1.0, 1.0)
    assert f"covers {SIBLING} but not {CODE}" in _auth_findings(builder, claim, lines)["AUTH_WRONG_CODE"]


@pytest.mark.parametrize(
    ("days_before", "required"),
    [
        ([0] * 12 + [-5] * 12, False),  # submitted on DAY or later: not yet known on DAY
        ([WINDOW_DAYS + 1 + k for k in range(12)], False),  # too long ago: the habit may have changed
        (list(range(1, MIN_LINES)), False),  # too few lines
        (list(range(1, 6)) + [WINDOW_DAYS + 5 + k for k in range(20)], False),
        (list(range(1, MIN_LINES + 1)), True),
    ],
)
def test_only_recent_lines_submitted_before_the_day_count(base_world, days_before, required):
    builder = FeatureBuilder().fit(_with_authorized_history(base_world, days_before))
    claim, lines = _probe(base_world)
    assert builder.transform(claim, lines).iloc[0]["auth_required"] == float(required)
