"""Slice rates and the patient's service history (features/slices.py, features/slice_keys.py): exact numbers on
hand-built lines, and no leakage from later claims or outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.data.point_in_time import world_as_of
from denial_ml.data.synthetic.world import generate_world
from denial_ml.domain.denials import CLP_DENIED
from denial_ml.features.build import FeatureBuilder
from denial_ml.features.slice_keys import (
    AGE_EDGES,
    AGE_LABELS,
    SliceLines,
    bands,
    line_pairs,
    modifier_sets,
    pointed_diagnoses,
    service_years,
)
from denial_ml.features.slices import PATIENT_FEATURES, SLICE_FEATURES, line_indexes, slice_features
from denial_ml.labels import label_claims

M = 20.0


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def _lines(rows: list[dict]) -> SliceLines:
    """Lines with defaults: patient X, payer P, code 97110, no modifiers, POS 11, age 30, sex F, dx M545, 1 unit."""
    base = {
        "claim": 0, "payer": "P", "code": "97110", "mods": "none", "pos": "11", "age": 30.0, "sex": "F",
        "dx": "M545", "units": 1.0, "patient": "X", "year": "2025", "family": "cpt_physical_medicine",
    }  # fmt: skip
    full = [base | r for r in rows]
    arrays = {}
    for name in base:
        values = [r[name] for r in full]
        arrays[name] = np.array(values, dtype=float if name in ("age", "units") else object)
    arrays["claim"] = np.array([r["claim"] for r in full], dtype=np.int64)
    return SliceLines(**arrays)


def _features(history: list[dict], submit: list[str], decided: list[str | None], denied: list[int], query: list[dict],
              query_day: str, proc_rate: float = 0.2) -> dict[str, np.ndarray]:  # fmt: skip
    idx = line_indexes(
        _lines(history),
        np.array([_day(d) for d in submit], dtype=np.int64),
        np.array([np.nan if d is None else _day(d) for d in decided], dtype=float),
        np.array(denied, dtype=float),
    )
    q = _lines(query)
    n = int(q.claim.max()) + 1
    day = np.full(len(q.claim), _day(query_day), dtype=np.int64)
    return slice_features(idx, q, day, np.full(len(q.claim), proc_rate), M, n)


def test_modifier_slices_shrink_towards_their_parents():
    history = [{"claim": i, "mods": "59"} for i in range(4)] + [{"claim": 4 + i} for i in range(6)]
    out = _features(
        history,
        submit=["2025-01-02"] * 10,
        decided=["2025-01-20"] * 10,
        denied=[1, 1, 1, 0] + [0] * 6,
        query=[{"mods": "59"}],
        query_day="2025-02-01",
    )
    pooled = (3 + M * 0.2) / (4 + M)  # 3 of 4 lines with 59 denied (all payers), prior 0.2
    mods = (3 + M * pooled) / (4 + M)  # the same lines at payer P, prior the pooled rate
    assert out["slice_any_mods_lift"][0] == pytest.approx(pooled - 0.2)
    assert out["slice_mods_lift"][0] == pytest.approx(mods - pooled)
    assert out["slice_mods_pos_lift"][0] == pytest.approx((3 + M * mods) / (4 + M) - mods)
    # All ten lines are at POS 11, 3 denied: the place-of-service slice is the procedure's own record.
    assert out["slice_pos_lift"][0] == pytest.approx((3 + M * 0.2) / (10 + M) - 0.2)
    assert out["slice_pair_lift"][0] == 0.0  # a one-line claim has no pair


def test_outcomes_count_only_when_decided_strictly_before_the_submission_day():
    out = _features(
        [{"mods": "59"}, {"claim": 1, "mods": "59"}],
        submit=["2025-01-02", "2025-01-02"],
        decided=["2025-02-01", None],  # decided on the query day; never decided
        denied=[1, 1],
        query=[{"mods": "59"}],
        query_day="2025-02-01",
    )
    assert out["slice_mods_lift"][0] == 0.0


def test_same_claim_pair_slice_takes_the_worst_partner():
    # History: 99213 without 25 billed with 20610 on 5 claims, 4 denied; with 97110 on 5 claims, none denied.
    history, denied = [], []
    for k in range(10):
        history += [{"claim": k, "code": "99213"}, {"claim": k, "code": "20610" if k < 5 else "97110"}]
        denied += [int(k < 4)] * 2
    out = _features(
        history,
        submit=["2025-01-02"] * 20,
        decided=["2025-01-10"] * 20,
        denied=denied,
        query=[{"code": "99213"}, {"code": "20610"}, {"claim": 1, "code": "99213"}, {"claim": 1, "code": "97110"}],
        query_day="2025-03-01",
    )
    # Both lines of a 99213 + 20610 claim are in a 4-of-5 pair slice; the 99213 + 97110 claim's in 0-of-5 ones.
    pooled = np.array([(4 + M * 0.2) / (5 + M), (M * 0.2) / (5 + M)])
    assert out["slice_any_pair_lift"].tolist() == pytest.approx((pooled - 0.2).tolist())
    payer = (np.array([4, 0]) + M * pooled) / (5 + M)  # payer P's own pair slices start from the pooled rates
    assert out["slice_pair_lift"].tolist() == pytest.approx((payer - pooled).tolist())


def test_patient_history_counts_this_year_last_365_days_days_since_and_denials():
    history = [
        {"year": "2024"},  # submitted 2024-12-20
        {"claim": 1},  # 2025-01-10, denied, decided 2025-01-30
        {"claim": 2, "code": "97140"},  # same family, other code
        {"claim": 3},  # 2025-02-01, denied, decided 2025-03-05 (after the query)
        {"claim": 4},  # submitted on the query day: not yet known
        {"claim": 5, "patient": "Y"},  # another patient
        {"claim": 6, "payer": "Q"},  # another payer
    ]
    out = _features(
        history,
        submit=["2024-12-20", "2025-01-10", "2025-01-20", "2025-02-01", "2025-03-01", "2025-02-01", "2025-02-01"],
        decided=["2025-01-05", "2025-01-30", "2025-02-05", "2025-03-05", "2025-03-20", "2025-02-10", "2025-02-10"],
        denied=[0, 1, 0, 1, 1, 1, 1],
        query=[{}],
        query_day="2025-03-01",
    )
    assert out["pat_proc_year_n"][0] == 2  # 2025-01-10 and 2025-02-01 (the 2024 service is another year)
    assert out["pat_family_year_n"][0] == 3  # plus 97140
    assert out["pat_proc_365_n"][0] == 3  # plus 2024-12-20
    assert out["pat_proc_days_since"][0] == 28  # 2025-02-01 to 2025-03-01
    assert out["pat_proc_denials"][0] == 1  # the 2025-02-01 denial was decided after the query day


def test_ordinal_slice_learns_a_yearly_limit():
    # Ten patients with three 97110 visits each in 2025: the payer denies every third one.
    history, submit, denied = [], [], []
    for p in range(10):
        for k, day in enumerate(["2025-01-06", "2025-01-13", "2025-01-20"]):
            history.append({"claim": 3 * p + k, "patient": f"P{p}"})
            submit.append(day)
            denied.append(int(k == 2))
    query_history = [{"claim": 30, "patient": "Z"}, {"claim": 31, "patient": "Z"}]
    out = _features(
        history + query_history,
        submit=submit + ["2025-02-03", "2025-02-10"],
        decided=["2025-01-31"] * 30 + [None, None],
        denied=denied + [0, 0],
        query=[{"patient": "Z"}, {"claim": 1, "patient": "W"}],
        query_day="2025-03-02",
    )
    # Patient Z's third visit: 10 of 10 third visits denied; patient W's first: 0 of 10 first visits.
    assert out["slice_ordinal_lift"].tolist() == pytest.approx([(10 + M * 0.2) / 30 - 0.2, M * 0.2 / 30 - 0.2])
    assert out["pat_proc_year_n"].tolist() == [2, 0]
    assert np.isnan(out["pat_proc_days_since"][1])


def test_family_365_rank_counts_visits_of_the_family_across_codes_and_years():
    # Ten patients: a 2024-06 laboratory visit with three lines (one visit), then a 2025-02 83036 visit, denied.
    lab = {"family": "lab"}
    history, submit, decided, denied = [], [], [], []
    for p in range(10):
        for code in ("80061", "83036", "36415"):
            history.append(lab | {"claim": 2 * p, "patient": f"P{p}", "code": code, "year": "2024"})
            submit.append("2024-06-01"), decided.append("2024-06-20"), denied.append(0)
        history.append(lab | {"claim": 2 * p + 1, "patient": f"P{p}", "code": "83036"})
        submit.append("2025-02-01"), decided.append("2025-02-20"), denied.append(1)
    # Patient Z had a two-line 80061 visit in 2024-09 (inside 365 days), patient W one 400 days before the query.
    for code in ("80061", "36415"):
        history.append(lab | {"claim": 20, "patient": "Z", "code": code, "year": "2024"})
        submit.append("2024-09-01"), decided.append(None), denied.append(0)
    history.append(lab | {"claim": 21, "patient": "W", "code": "80061", "year": "2024"})
    submit.append("2024-01-26"), decided.append(None), denied.append(0)
    out = _features(
        history,
        submit=submit,
        decided=decided,
        denied=denied,
        query=[lab | {"patient": "Z", "code": "83036"}, lab | {"claim": 1, "patient": "W", "code": "83036"}],
        query_day="2025-03-01",
    )
    assert out["pat_family_365_visits"].tolist() == [1, 0]  # Z's two lines are one visit; W's is too old
    assert out["pat_family_year_visits"].tolist() == [0, 0]  # both were in 2024
    # 83036 on a 2nd laboratory visit in 365 days: 10 of 10 denied; on a 1st: 0 of 10.
    assert out["slice_family_365_lift"].tolist() == pytest.approx([(10 + M * 0.2) / 30 - 0.2, M * 0.2 / 30 - 0.2])
    # By calendar year every 83036 line was a 1st visit of its year: 10 of 20 denied, whatever the rank.
    assert out["slice_family_year_lift"].tolist() == pytest.approx([(10 + M * 0.2) / 40 - 0.2] * 2)


def test_key_parts():
    mods = np.array([["59", "GP", "", ""], ["GP", "59", "", ""], ["", "", "", ""]], dtype=object)
    assert modifier_sets(mods).tolist() == ["59+GP", "59+GP", "none"]
    assert bands(np.array([3.0, 6.0, 17.9, 18.0, 70.0, np.nan]), AGE_EDGES, AGE_LABELS).tolist() == [
        "age<6", "age6-17", "age6-17", "age18-39", "age65+", "age?",
    ]  # fmt: skip
    line, other = line_pairs(np.array([0, 1, 0, 0]))
    assert sorted(zip(line.tolist(), other.tolist(), strict=True)) == [(0, 2), (0, 3), (2, 0), (2, 3), (3, 0), (3, 2)]
    dx = pointed_diagnoses([["A", "B"], ["C"]], np.array([0, 0, 1, 1]), np.array(["2 1", "", "1", "3"], dtype=object))
    assert dx.tolist() == ["B", "A", "C", ""]
    assert service_years(np.array([_day("2024-12-31"), _day("2025-01-01")])).tolist() == ["2024", "2025"]


@pytest.fixture(scope="module")
def world() -> dict:
    return generate_world(6000, seed=5)


def test_slice_features_ignore_later_claims_and_outcomes(world):
    submitted = world["claims"]["submission_date"]
    day = submitted[submitted > submitted.quantile(0.6)].value_counts().idxmax()  # the busiest later day
    todays = world["claims"][world["claims"]["submission_date"] == day]
    lines = world["claim_lines"]
    names = SLICE_FEATURES + PATIENT_FEATURES
    full = FeatureBuilder().fit(world).transform(todays, lines)[names]
    cut = FeatureBuilder().fit(world_as_of(world, day)).transform(todays, lines)[names]
    pd.testing.assert_frame_equal(full, cut)
    # Later claims altered: other modifiers, and every later outcome flipped to a denial of all lines.
    later = world["claims"]["submission_date"] > day
    later_ids = set(world["claims"].loc[later, "claim_id"])
    altered_lines = lines.assign(modifier_1=np.where(lines["claim_id"].isin(later_ids), "59", lines["modifier_1"]))
    altered = {**world, "claim_lines": altered_lines}
    remits = world["remittances"]
    late = remits["adjudication_date"] >= day
    altered["remittances"] = remits.assign(claim_status_code=np.where(late, CLP_DENIED, remits["claim_status_code"]))
    tables = ("remittances", "remittance_lines", "adjustments")
    denials = [label_claims(*(w[t] for t in tables))["denied"].sum() for w in (world, altered)]
    assert denials[1] > denials[0]
    again = FeatureBuilder().fit(altered).transform(todays, lines)[names]
    pd.testing.assert_frame_equal(full, again)
    assert (full["pat_proc_year_n"] > 0).any() and (full["slice_mods_lift"].abs() > 0).any()  # history was used
    assert (full["pat_family_365_visits"] > 0).any() and (full["slice_family_365_lift"].abs() > 0).any()


def test_records_path_gives_the_frame_path_values(world):
    builder = FeatureBuilder().fit(world)
    claims = world["claims"].iloc[::97]
    lines = world["claim_lines"][world["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    frame = builder.transform_array(claims, lines)
    records = builder.transform_records(
        claims.astype(object).where(claims.notna(), None).to_dict("records"),
        lines.astype(object).where(lines.notna(), None).to_dict("records"),
    )
    np.testing.assert_array_equal(frame, records)
    single = builder.transform_records(
        [claims.astype(object).where(claims.notna(), None).iloc[0].to_dict()],
        lines[lines["claim_id"] == claims["claim_id"].iloc[0]].astype(object).to_dict("records"),
    )
    np.testing.assert_array_equal(frame[:1], single)


def test_line_rows_are_independent_of_the_batch(world):
    builder = FeatureBuilder().fit(world)
    claims = world["claims"].iloc[:400]
    lines = world["claim_lines"]
    whole = builder.transform_array(claims, lines)
    halves = np.vstack(
        [builder.transform_array(claims.iloc[:150], lines), builder.transform_array(claims.iloc[150:], lines)]
    )
    np.testing.assert_array_equal(whole, halves)
