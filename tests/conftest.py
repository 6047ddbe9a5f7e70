"""Fixtures shared by every suite (code, data, model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from denial_ml.engine.threads import set_passive_waiting

# Load shedding by event-loop lag (0.1 s by default) would answer 503 to the tests' own concurrent requests on a
# busy test machine (seen: 1 of 20 concurrent outcomes shed in CI). The tests of shedding set their thresholds
# themselves (tests/code/test_api_overload.py); every other app a test builds, or a service it starts, waits.
os.environ.setdefault("DENIAL_ML_MAX_QUEUE_SECONDS", "30")
# The suite runs two workers on two cores: LightGBM's OpenMP threads must wait passively, as the CLI makes them
# (`denial_ml.engine.threads`), or a spinning thread of one worker starves the other's training.
set_passive_waiting()

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data`: real X12 files and code lists from public test suites."""
    if not SHARED.is_dir():
        pytest.skip(f"reference data folder {SHARED} is not present")
    return SHARED


@pytest.fixture(scope="session")
def small_world() -> dict:
    """A 30,000-claim synthetic world (seed 11), generated once per test worker."""
    from denial_ml.data.synthetic.world import generate_world

    return generate_world(30_000, seed=11)


@pytest.fixture(scope="session")
def trained(small_world, tmp_path_factory):
    """A bundle trained (without MLflow) on the small world, and its loaded scorer."""
    from denial_ml.jobs.training import run_training
    from denial_ml.modeling.bundle import Scorer

    result = run_training(small_world, tmp_path_factory.mktemp("models"), name="test-bundle")
    return result, Scorer.load(result.bundle)


# Session fixtures that generate the 30,000-claim world or train on it: a test asking for one is in the slow tier
# even when its file does not say so (`make test-fast` runs `-m "not slow"`).
SLOW_FIXTURES = {"small_world", "trained"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow every test of the model tier (tests/model: behaviour of trained models), the tests of the slow
    session fixtures, and the PostgreSQL runs of the two-backend store tests (each migrates a fresh schema; the
    fast tier keeps their SQLite runs); group each module's tests that no group names by their module."""
    for item in items:
        in_model_tier = item.path.parent.name == "model"
        if (
            in_model_tier
            or SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
            or item.get_closest_marker("postgres")
        ):
            item.add_marker(pytest.mark.slow)
        if not item.get_closest_marker("xdist_group"):
            # A module's tests run on one xdist worker (`--dist loadgroup` keeps a group together), so its
            # module-scoped fixtures (worlds, written X12, Dask clusters, pyx12 runs) are built once, not on both
            # workers: measured 250 s of a 2,555 s suite built twice.
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
