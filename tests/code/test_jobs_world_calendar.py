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


def test_the_demo_world_ends_today(monkeypatch, tmp_path: Path) -> None:
    from denial_ml.config import Settings
    from denial_ml.jobs import demo

    asked: dict = {}

    class StopError(Exception):
        pass

    def fake_build(*args, **kwargs):
        asked.update(kwargs)
        raise StopError

    monkeypatch.setattr(demo.world, "build_world", fake_build)
    with pytest.raises(StopError):
        demo.run_demo(Settings(_env_file=None, data_dir=tmp_path / "demo"), lambda _: None)  # type: ignore[call-arg]
    assert asked["end_date"] == dt.date.today()


def test_a_bad_end_date_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from denial_ml.cli import world as world_cli

    app = typer.Typer()
    world_cli.register(app)
    result = CliRunner().invoke(
        app, ["generate", "--claims", "10", "--out", str(tmp_path / "w"), "--end-date", "12/07"]
    )
    assert result.exit_code == 2
    assert "--end-date must be YYYY-MM-DD or 'today', got '12/07'" in result.output
    assert not (tmp_path / "w").exists()
