"""The generator's array helpers: joins, first occurrences, lookups and ids agree with plain Python."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.arrays import (
    as_str,
    concat_str,
    day_str,
    decode,
    first_occurrences,
    join_codes,
    join_slots,
    lookup,
    number_ids,
)


def test_join_slots_matches_python_join_of_kept_non_empty_slots():
    rng = np.random.default_rng(0)
    slots = rng.choice(np.array(["M5450", "E119", "I10", "", "G4733"]), (500, 4))
    keep = rng.random((500, 4)) < 0.7
    expected = [
        " ".join(s for s, k in zip(row, ks, strict=True) if k and s) for row, ks in zip(slots, keep, strict=True)
    ]
    assert join_slots(slots, keep).tolist() == expected
    assert join_slots(np.array([["a", "b"]], dtype=object), np.array([[False, True]])).tolist() == ["b"]
    assert join_slots(np.zeros((0, 3), dtype=object), np.zeros((0, 3), dtype=bool)).tolist() == []


def test_join_codes_joins_vocabulary_words():
    vocabulary = np.array(["", "I10", "E119", "M5450"])
    codes = np.array([[1, 2, 0], [3, 3, 1], [0, 0, 0]])
    keep = codes > 0
    assert join_codes(codes, keep, vocabulary).tolist() == ["I10 E119", "M5450 M5450 I10", ""]


def test_first_occurrences_marks_repeats_and_points_at_the_first():
    slots = np.array([["A", "B", "A", ""], ["C", "C", "", "D"]], dtype=object)
    new, pointer = first_occurrences(slots)
    assert new.tolist() == [[True, True, False, False], [True, False, False, True]]
    assert pointer.tolist() == [[1, 2, 1, 0], [1, 1, 0, 2]]
    new_int, pointer_int = first_occurrences(np.array([[5, 0, 5, 7]]), 0)
    assert new_int.tolist() == [[True, False, False, True]] and pointer_int.tolist() == [[1, 0, 1, 2]]


def test_lookup_maps_series_and_arrays_with_a_default_for_missing():
    series = pd.Series(["a", "b", None, "c"], dtype="str")
    assert lookup(series, {"a": 1.0, "b": 2.0}, dtype=float).tolist()[:2] == [1.0, 2.0]
    assert np.isnan(lookup(series, {"a": 1.0}, dtype=float)[2:]).all()
    assert lookup(np.array(["a", "z"], dtype=object), {"a": "x"}, None, object).tolist() == ["x", None]


def test_str_columns_equal_pandas_inference():
    values = np.array(["x", None, "yz"], dtype=object)
    pd.testing.assert_series_equal(pd.Series(as_str(values)), pd.Series(values))
    assert pd.Series(decode(np.array([2, 0, 1]), np.array(["a", "b", "c"]))).tolist() == ["c", "a", "b"]
    assert number_ids("CLM", 3, 9).tolist() == ["CLM000000000", "CLM000000001", "CLM000000002"]
    assert number_ids("R", 2, 8, "-1").tolist() == ["R00000000-1", "R00000001-1"]


def test_concat_str_joins_columns_and_repeated_strings_like_python():
    ids = pd.Series(["CLM000000001", "CLM000000002", "CLM000000010"], dtype="str")
    joined = concat_str("E", ids, "/271")
    assert joined.tolist() == ["ECLM000000001/271", "ECLM000000002/271", "ECLM000000010/271"]
    assert joined.dtype == pd.Series(["x"]).dtype


def test_day_str_is_strftime_of_each_date_and_missing_for_nat():
    dates = np.array(["2024-01-05", "NaT", "2025-12-31", "2024-01-05", "1999-02-28"], dtype="datetime64[ns]")
    expected = pd.Series(dates).dt.strftime("%Y%m%d")
    got = pd.Series(day_str(dates))
    assert got.tolist()[:1] + got.tolist()[2:] == ["20240105", "20251231", "20240105", "19990228"]
    assert pd.isna(got[1])
    pd.testing.assert_series_equal(got, expected)
    assert day_str(dates[:0]).tolist() == []
