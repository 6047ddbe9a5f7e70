"""`HistoryIndex.before_codes` answers many queries in sorted chunks: the same sums as one by one, whatever the
chunk size, with unseen keys and broadcast codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from denial_ml.features import history
from denial_ml.features.history import build_index, lookup_codes


@pytest.fixture(scope="module")
def index() -> history.HistoryIndex:
    rng = np.random.default_rng(4)
    n = 6000
    keys = rng.choice(np.array([f"K{i}" for i in range(300)], dtype=object), n)
    days = rng.integers(18_000, 18_400, n)
    values = pd.DataFrame({"denied": rng.integers(0, 2, n).astype(float), "paid": rng.random(n)})
    return build_index(keys, days, values)


def _queries(index: history.HistoryIndex, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    keys = np.array([f"K{i}" for i in rng.integers(0, 330, n)], dtype=object)  # K300-K329 are unseen
    return lookup_codes(index.codes, keys), rng.integers(17_990, 18_420, n)


@pytest.mark.parametrize("chunk", [1 << 22, 4096, 1000, 7])
def test_sorted_chunks_equal_the_one_by_one_sums(index, monkeypatch, chunk: int) -> None:
    code, days = _queries(index, 20_000)
    monkeypatch.setattr(history, "SORTED_CHUNK", chunk)
    got = index.before_codes(code, days)
    assert (code < 0).sum() > 1000  # unseen keys are in the batch
    for i in range(0, 20_000, 997):  # each query alone takes the unsorted path
        alone = index.before_codes(code[i : i + 1], days[i : i + 1])
        for name in ("n", "denied", "paid"):
            assert got[name][i] == pytest.approx(alone[name][0], abs=1e-9), (name, i)
    assert got["n"].shape == (20_000,) and got["n"][code < 0].max() == 0


def test_one_code_broadcasts_over_chunked_days(index, monkeypatch) -> None:
    monkeypatch.setattr(history, "SORTED_CHUNK", 500)
    code = lookup_codes(index.codes, np.array(["K3"], dtype=object))
    days = np.arange(17_990, 18_420).repeat(5)
    got = index.before_codes(code, days)
    assert np.all(np.diff(got["n"]) >= 0)  # counts before a later day never fall
    assert got["n"][0] == 0 and got["n"][-1] > 0


def test_a_compact_index_answers_its_event_counts_as_n(monkeypatch) -> None:
    from denial_ml.engine.event_sums import event_sums, index_from_sums
    from denial_ml.features.history import Events

    rng = np.random.default_rng(2)
    n = 4000
    keys = pd.Series(rng.choice([f"P{i}" for i in range(40)], n))
    days = rng.integers(18_000, 18_030, n)  # many events a (key, day): the compact index sums them
    values = pd.DataFrame({"denied": rng.integers(0, 2, n).astype(float)})
    whole = build_index(keys, days, values)
    compact = index_from_sums(event_sums(Events(keys, days, values)), compact=True)
    assert "n" in compact.value_names and len(compact.sorted_keys) < len(whole.sorted_keys)
    q_keys = rng.choice([f"P{i}" for i in range(45)], 5000)
    q_days = rng.integers(17_995, 18_035, 5000)
    monkeypatch.setattr(history, "SORTED_CHUNK", 999)
    got = compact.before(q_keys, q_days)
    want = whole.before(q_keys, q_days)
    np.testing.assert_array_equal(got["n"], want["n"])
    np.testing.assert_array_equal(got["denied"], want["denied"])
    assert want["n"].max() > 50
