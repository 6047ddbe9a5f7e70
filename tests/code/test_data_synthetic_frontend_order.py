"""The front end's event order: by day, then by event id, whether or not the ids allow the integer shortcut."""

from __future__ import annotations

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.frontend import _by_day_then_id


def events(claim_ids: list[str], seed: int) -> tuple[pd.DataFrame, pd.Series, np.ndarray, np.ndarray]:
    """Each claim's "/277CA" event, then a "/277" event for some: random days, in that (unsorted) order."""
    rng = np.random.default_rng(seed)
    ids = pd.Series(claim_ids, dtype="str")
    some = np.flatnonzero(rng.random(len(ids)) < 0.4)
    rows = np.concatenate([np.arange(len(ids)), some])
    suffixes = np.repeat(["/277CA", "/277"], [len(ids), len(some)])
    frame = pd.DataFrame(
        {
            "status_date": np.datetime64("2025-01-01") + rng.integers(0, 4, len(rows)).astype("timedelta64[D]"),
            "event_id": ids.to_numpy()[rows].astype(object) + suffixes.astype(object),
        }
    )
    frame["status_date"] = frame["status_date"].astype("datetime64[ns]")
    return frame, ids, rows, np.where(suffixes == "/277", 0, 1)


def test_fixed_width_ascending_ids_sort_as_the_strings_do():
    frame, ids, rows, suffix = events([f"CLM{i:09d}" for i in range(300)], seed=1)
    expected = frame.sort_values(["status_date", "event_id"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(_by_day_then_id(frame, "status_date", "event_id", ids, rows, suffix), expected)


def test_ids_of_several_widths_fall_back_to_sorting_the_strings():
    frame, ids, rows, suffix = events([f"C{i}" for i in range(300)], seed=2)  # "C10/277" sorts before "C1/277CA"
    expected = frame.sort_values(["status_date", "event_id"], kind="stable", ignore_index=True)
    got = _by_day_then_id(frame, "status_date", "event_id", ids, rows, suffix)
    pd.testing.assert_frame_equal(got, expected)
    assert got["event_id"].tolist() != frame.take(np.lexsort((suffix, rows, frame["status_date"]))).event_id.tolist()
