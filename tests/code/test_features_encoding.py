"""Batch feature helpers that work once per distinct value give the same answers as working value by value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.features.coverage import ENROLLMENT_DELAY_DAYS, coverage_features
from denial_ml.features.history import argsort_small, build_index
from denial_ml.features.history_features import worst_lines
from denial_ml.features.line_features import FIT_PAIRS, line_dx_fit
from denial_ml.features.lookup import SMALL, TINY, encode, encode_pairs


@pytest.mark.parametrize("n", [0, 1, TINY, TINY + 1, SMALL, SMALL + 1, 5000])
def test_encode_gives_back_the_values(n):
    rng = np.random.default_rng(n)
    words = np.array([f"k{i}" for i in rng.integers(0, 40, n)], dtype=object)
    numbers = rng.integers(-5, 1000, n)
    for values in (words, numbers):
        codes, uniques = encode(values)
        assert codes.dtype == np.int64
        assert np.array_equal(uniques[codes], values)
        if n > TINY:
            assert len(uniques) == len(set(values.tolist()))


@pytest.mark.parametrize("size_a", [7, 100_000])  # pairs counted in a table, and pairs too spread for one
def test_encode_pairs_gives_back_both_codes(size_a):
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, size_a, 3000), rng.integers(0, 11, 3000)
    codes, first, second = encode_pairs(a, 11, b)
    assert np.array_equal(first[codes], a) and np.array_equal(second[codes], b)
    assert len(first) == len(set(zip(a.tolist(), b.tolist(), strict=True)))


def test_worst_lines_match_a_sort_by_claim_then_rate_then_line():
    rng = np.random.default_rng(2)
    for _ in range(200):
        n, lines = int(rng.integers(1, 20)), int(rng.integers(0, 50))
        c = rng.integers(0, n, lines)
        recent = rng.choice([0.0, -0.0, 0.1, 0.2, np.nan, -np.inf, np.inf], lines)
        order = np.lexsort((np.arange(lines), -recent, c))
        claims, first = np.unique(c[order], return_index=True)
        got_claims, got_lines = worst_lines(c, recent, n)
        assert np.array_equal(got_claims, claims)
        assert np.array_equal(got_lines, order[first])


def test_history_batch_answers_equal_one_query_at_a_time():
    rng = np.random.default_rng(3)
    events = 4000
    keys = pd.Series([f"p{i}" for i in rng.integers(0, 30, events)])
    values = pd.DataFrame({"denied": rng.integers(0, 2, events), "cat_x": rng.random(events)})
    index = build_index(keys, rng.integers(19000, 19400, events), values)
    queries = 3000  # above the size from which queries are answered in sorted order
    code = rng.integers(-1, 35, queries)  # -1 and codes past the index's are unseen keys
    code = np.where(code >= len(index.codes), -1, code)
    days = rng.integers(18990, 19410, queries)
    batch = index.before_codes(code, days)
    for name in ("n", "denied", "cat_x"):
        one_by_one = [index.before_codes(code[i : i + 1], days[i : i + 1])[name][0] for i in range(0, queries, 37)]
        assert np.array_equal(batch[name][::37], np.array(one_by_one))
    assert (batch["n"][code < 0] == 0).all()
    one_code = index.before_codes(np.array([4]), days)  # one key's code for every day
    assert np.array_equal(one_code["n"], index.before_codes(np.full(queries, 4), days)["n"])


@pytest.mark.parametrize("top", [50, 10**12])  # a range the table covers, and one only a sort does
def test_argsort_small_orders_like_argsort(top):
    values = np.random.default_rng(4).integers(0, top, 5000)
    order = argsort_small(values.copy())
    assert np.array_equal(values[order], np.sort(values))
    assert np.array_equal(np.sort(order), np.arange(len(values)))


def test_line_dx_fit_uses_the_pointed_diagnosis_or_any_for_institutional_lines():
    group_code, proc = "F840", "90847"  # autism supports 90847 in the catalog
    assert f"autism|{proc}" in FIT_PAIRS
    dx_lists = [["Z0000", group_code], ["UNKNOWN"]]
    dx_row = np.array([0, 1])
    c = np.array([0, 0, 0, 0, 1])
    pointers = np.array(["1", "2 1", "3", "", "1"], dtype=object)
    code = np.array([proc] * 5, dtype=object)
    fits = line_dx_fit(dx_lists, dx_row, c, pointers, code)
    # pointer 1 -> Z0000 (no), 2 -> F840 (yes), 3 -> past the last diagnosis, "" -> 1, unknown code -> no
    assert fits.tolist() == [False, True, False, False, False]
    institutional = np.array([True, False, False, True, True])
    assert line_dx_fit(dx_lists, dx_row, c, pointers, code, institutional).tolist() == [True, True, False, True, False]


def test_coverage_features_from_distinct_keys():
    spells = {"a|P": ((100.0, 200.0),), "b|P": ((100.0, 150.0), (300.0, np.inf))}
    keys = (np.array([0, 0, 1, 1, 2]), np.array(["a|P", "b|P", "none|P"], dtype=object))
    service = np.array([150.0, 250.0, 200.0, 320.0, 150.0])
    submit = np.array([160.0, 200.0 + ENROLLMENT_DELAY_DAYS + 1, 200.0, 330.0, 160.0])
    out = coverage_features(spells, keys, service, submit)
    on_file, past_end = out["coverage_on_file"], out["coverage_days_past_end"]
    assert on_file[:4].tolist() == [1.0, 0.0, 0.0, 1.0] and np.isnan(on_file[4])
    assert past_end[1] == 50.0 and past_end[2] == 50.0
    assert np.isnan(past_end[[0, 3, 4]]).all()


def test_build_index_of_categorical_keys_equals_that_of_their_strings():
    rng = np.random.default_rng(5)
    events = 5000
    words = np.array([f"k|{i}" for i in range(60)], dtype=object)
    position = rng.integers(0, 50, events)  # the last ten keys are categories without an event
    days = rng.integers(19000, 19400, events)
    values = pd.DataFrame({"denied": rng.integers(0, 2, events).astype(float)})
    from_strings = build_index(words[position], days, values)
    from_categories = build_index(pd.Series(pd.Categorical.from_codes(position, categories=words)), days, values)
    assert from_categories.codes == from_strings.codes and len(from_strings.codes) == 50
    for name in ("sorted_keys", "starts", "cumsums"):
        assert np.array_equal(getattr(from_categories, name), getattr(from_strings, name))
