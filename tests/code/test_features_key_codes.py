"""The compact key store of history indexes: the answers of the dict it replaces, saved and merged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.features import key_codes
from denial_ml.features.history import build_index, lookup_codes
from denial_ml.features.key_codes import FEW, KeyCodes
from denial_ml.features.snapshot_parts import load_index, merge_indexes, save_index


def events(keys: list[str], seed: int) -> tuple[pd.Series, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 600
    chosen = pd.Series(rng.choice(keys, n))
    return chosen, rng.integers(19000, 19100, n), pd.DataFrame({"denied": rng.integers(0, 2, n).astype(float)})


KEYS = [f"P{i:03d}|PAY{i % 7}" for i in range(120)] + ["Zoë|ÅB", "", "a|b|c", "P000|PAY0|long"]


@pytest.mark.parametrize("dict_up_to", [0, 1 << 18], ids=["bisect", "dict"])
def test_codes_answer_as_the_dict_of_the_sorted_keys(monkeypatch, dict_up_to):
    monkeypatch.setattr(key_codes, "DICT_UP_TO", dict_up_to)  # one-by-one lookups by bisection, or by a dict
    store = KeyCodes.from_sorted(sorted(KEYS))
    as_dict = {k: i for i, k in enumerate(sorted(KEYS))}
    queries = KEYS + ["P999|PAY1", "P000", "Zoë", "zz", "P000|PAY0|longer"]
    expected = np.array([as_dict.get(q, -1) for q in queries])
    assert np.array_equal(lookup_codes(store, pd.Series(queries)), expected)  # the batch search
    one_by_one = [lookup_codes(store, [q])[0] for q in queries]  # the one-claim path
    assert one_by_one == expected.tolist() and len(queries) > FEW
    assert dict(store.items()) == as_dict and len(store) == len(KEYS) and "Zoë|ÅB" in store and "x" not in store
    assert store.get("nope", -1) == -1 and store["a|b|c"] == as_dict["a|b|c"]
    assert [store.get(q) for q in queries] == [as_dict.get(q) for q in queries]  # `Mapping.get`'s answers
    assert [store.getter()(q, -1) for q in queries] == expected.tolist()
    assert (store._small is not None) == (dict_up_to > 0)


def test_merged_codes_in_a_dict_are_the_codes_of_their_keys():
    merged = KeyCodes.concat([KeyCodes.from_sorted(sorted(KEYS[1::2])), KeyCodes.from_sorted(sorted(KEYS[::2]))])
    by_search = {k: int(merged.lookup(np.array([k] * (FEW + 1), dtype=object))[0]) for k in KEYS}
    assert {k: merged.get(k, -1) for k in KEYS} == by_search
    assert sorted(by_search.values()) == list(range(len(KEYS)))  # merged codes are not the sorted ranks


def test_an_index_saved_and_loaded_answers_as_built(tmp_path):
    index = build_index(*events(KEYS, 1))
    save_index(tmp_path / "i.npz", index)
    loaded = load_index(tmp_path / "i.npz", list(index.value_names))
    days = np.arange(18990, 19110)
    for key in ("P001|PAY1", "Zoë|ÅB", "missing"):
        a, b = index.before(np.array([key] * len(days)), days), loaded.before(np.array([key] * len(days)), days)
        assert all(np.array_equal(a[n], b[n]) for n in a)


def test_indexes_of_disjoint_keys_merged_answer_as_one_built_from_all_events():
    halves = [KEYS[::2], KEYS[1::2]]
    parts = [events(keys, seed) for seed, keys in enumerate(halves)]
    merged = merge_indexes([build_index(*p) for p in parts])
    whole = build_index(
        pd.concat([p[0] for p in parts], ignore_index=True),
        np.concatenate([p[1] for p in parts]),
        pd.concat([p[2] for p in parts], ignore_index=True),
    )
    queries = np.array(KEYS * 30 + ["nope"] * 30, dtype=object)
    days = np.random.default_rng(9).integers(18990, 19110, len(queries))
    a, b = whole.before(queries, days), merged.before(queries, days)
    assert sorted(a) == sorted(b) == ["denied", "n"]
    assert all(np.array_equal(a[n], b[n]) for n in a)
    assert set(merged.codes) == set(KEYS) and sorted(merged.codes.values()) == list(range(len(KEYS)))
