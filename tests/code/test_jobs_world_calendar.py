"""`generate --end-date`: the world's calendar moved as a whole, everything else unchanged (#21)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from denial_ml.jobs.world import build_world, last_event_day

N_CLAIMS = 2_500


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("calendar")
    build_world(N_CLAIMS, 5, root / "own")
    build_world(N_CLAIMS, 5, root / "moved", end_date=dt.date(2027, 2, 14))
    build_world(N_CLAIMS, 5, root / "again", end_date=dt.date(2027, 2, 14))
    return root / "own", root / "moved", root / "again"


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def test_the_moved_world_ends_on_its_end_date_with_every_date_moved_alike(worlds) -> None:
    own, moved, _ = (tables(w) for w in worlds)
    assert last_event_day(moved) == dt.date(2027, 2, 14)
    assert (last_event_day(moved) - last_event_day(own)).days > 300
    shifts, dated = set(), 0
    for name, frame in own.items():
        assert list(frame.columns) == list(moved[name].columns) and len(frame) == len(moved[name]), name
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                dated += 1
                assert (frame[column].isna() == moved[name][column].isna()).all(), (name, column)
                shifts |= set((moved[name][column] - frame[column]).dropna().dt.days)
            else:
                pd.testing.assert_series_equal(frame[column], moved[name][column], obj=f"{name}.{column}")
    assert dated >= 20 and shifts == {(last_event_day(moved) - last_event_day(own)).days}


def test_the_same_seed_and_end_date_give_the_same_files(worlds) -> None:
    _, moved, again = worlds
    for path in sorted(moved.glob("*.parquet")):
        pd.testing.assert_frame_equal(pd.read_parquet(path), pd.read_parquet(again / path.name))
