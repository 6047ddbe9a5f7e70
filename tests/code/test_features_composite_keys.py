"""Composite history keys (features/composite.py, composite_codes.py): an index built from the parts' integers is
the index built from the joined strings (codes, sorted keys, running sums), answers the same by parts and by
string (one key or many at once), and saves and loads as format 2; keys the integers cannot stand for fall back to
the strings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.features import composite, composite_codes
from denial_ml.features.composite import Composite, chain, compose, tag
from denial_ml.features.composite_codes import CompositeCodes, CompositeRows
from denial_ml.features.history import build_index
from denial_ml.features.lookup import Keys, encode
from denial_ml.features.slices import key_codes
from denial_ml.features.snapshot_parts import load_index, save_index

RNG = np.random.default_rng(3)
# Values that are prefixes of each other and hold characters below and above `|`: the joined strings' order is
# not the parts' plain order, which is what the ranks must reproduce.
PATIENTS = np.array(["A", "AB", "A-1", "A}", "B", "b", "é", ""], dtype=object)
CODES = np.array(["99213", "9921", "99213X", "J0", "~"], dtype=object)


def _part(values: np.ndarray, n: int) -> Keys:
    return encode(values[RNG.integers(0, len(values), n)].astype(object))


def _composite(n: int, patients: np.ndarray = PATIENTS) -> Composite:
    patient, code = _part(patients, n), _part(CODES, n)
    same = compose(patient, code)
    return chain([compose(tag("proc", n), same), compose(tag("pr", n), patient, code, _part(CODES, n))])


def _same(a, b) -> None:
    assert dict(a.codes.items()) == dict(b.codes.items())
    for name in ("sorted_keys", "starts", "cumsums"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def _built(c: Composite):
    n = len(c)
    days = RNG.integers(19000, 19400, n)
    values = pd.DataFrame({"denied": RNG.integers(0, 2, n).astype(float)})
    strings = np.asarray(CompositeRows(c), dtype=object)
    return build_index(CompositeRows(c), days, values), build_index(strings, days, values), strings


def test_an_index_of_composite_keys_is_the_index_of_their_strings():
    by_parts, by_strings, strings = _built(_composite(300))
    assert isinstance(by_parts.codes, CompositeCodes)
    _same(by_parts, by_strings)
    for key in [*strings[:50].tolist(), "proc|A|x", "proc|A", "nope|A|99213", "pr|A|99213|~|more"]:
        assert by_parts.codes.get(key) == by_strings.codes.get(key)


def test_queries_by_parts_find_the_codes_of_their_strings():
    index, by_strings, _ = _built(_composite(300))
    query = _composite(200, np.append(PATIENTS, "new"))
    strings = np.asarray(CompositeRows(query), dtype=object)
    np.testing.assert_array_equal(key_codes(index, query), by_strings.codes.lookup(strings))
    np.testing.assert_array_equal(key_codes(by_strings, query), by_strings.codes.lookup(strings))


def test_a_value_holding_the_separator_falls_back_to_the_strings():
    by_parts, by_strings, _ = _built(_composite(100, np.append(PATIENTS, "A|B")))
    assert not isinstance(by_parts.codes, CompositeCodes)
    _same(by_parts, by_strings)


def test_an_index_of_composite_keys_saves_and_loads_as_format_2(tmp_path):
    index, by_strings, strings = _built(_composite(300))
    save_index(tmp_path / "i.npz", index)
    with np.load(tmp_path / "i.npz") as data:
        assert int(data["composite_format"][0]) == 2 and "keys" not in data.files
    loaded = load_index(tmp_path / "i.npz", ["denied"])
    assert isinstance(loaded.codes, CompositeCodes)
    _same(loaded, by_strings)
    query = _composite(50)
    np.testing.assert_array_equal(key_codes(loaded, query), key_codes(index, query))
    assert loaded.codes.get(strings[0]) == by_strings.codes.get(strings[0])


@pytest.mark.parametrize("dict_up_to", [composite_codes.DICT_UP_TO, 0])
def test_keys_looked_up_together_find_each_keys_code(monkeypatch, dict_up_to):
    # 0: every part is searched (the patients of a large world) instead of read from a dict.
    monkeypatch.setattr(composite_codes, "DICT_UP_TO", dict_up_to)
    index, by_strings, strings = _built(_composite(300))
    odd = ["proc||99213", "proc|A|x", "proc|A", "nope|A|99213", "pr|A|99213|~|more", "proc|A|99213\x00", "proc|é|J0"]
    empty = [k for k in strings.tolist() if k.split("|")[1] == ""][:1]  # first: a search remembers its last text
    assert empty
    keys = [*empty, *strings[:80].tolist(), *odd, *strings[:5].tolist(), "proc|new|99213"]
    expected = [by_strings.codes.get(k, -1) for k in keys]
    assert index.codes.codes_of(keys) == expected
    assert [index.codes.get(k, -1) for k in keys] == expected
    assert index.codes.codes_of(["nope"]) == [-1] and index.codes.codes_of([]) == []


def _few_rows_query(patients: np.ndarray) -> Composite:
    """One claim's keys: a few rows a group, every value standing for itself (`encode` of a few values)."""
    n = 3
    patient = encode(patients[:n].astype(object))
    code = encode(np.array(["99213", "J0", "nope"], dtype=object))
    same = compose(patient, code)
    return chain([compose(tag("proc", n), same), compose(tag("pr", n), patient, code, encode(CODES[:n].copy()))])


def test_a_claims_few_keys_find_the_codes_the_vectorized_search_finds(monkeypatch):
    index, by_strings, _ = _built(_composite(300))
    for patients in (np.array(["A", "é", "new"], dtype=object), np.array(["", "A}", "b"], dtype=object)):
        query = _few_rows_query(patients)
        strings = np.asarray(CompositeRows(query), dtype=object)
        few = key_codes(index, query)
        np.testing.assert_array_equal(few, by_strings.codes.lookup(strings))
        monkeypatch.setattr(composite, "FEW_ROWS", 0)  # every group through the vectorized pass
        monkeypatch.setattr(composite_codes, "FEW_ROWS", 0)
        np.testing.assert_array_equal(key_codes(index, query), few)
        monkeypatch.undo()


def test_a_claims_few_keys_with_a_separator_or_nul_are_left_to_the_vectorized_search(monkeypatch):
    index, _, _ = _built(_composite(300))
    lay = index.codes.layout
    for odd in ("A|B", "A\0"):
        query = _few_rows_query(np.array(["A", odd, "B"], dtype=object))
        assert composite._few_integers(lay, query, True) is None
        found = composite.integers(lay, query)
        monkeypatch.setattr(composite, "FEW_ROWS", 0)
        vectorized = composite.integers(lay, query)
        monkeypatch.undo()
        if "|" in odd:
            assert found is None and vectorized is None  # the caller falls back to the strings
        else:
            np.testing.assert_array_equal(found, vectorized)
