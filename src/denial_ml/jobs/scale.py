"""Jobs on the Dask engine (issue #20): generate, score, explain and report over a partitioned world.

Each opens a client on the configured cluster (`DENIAL_ML_DASK_SCHEDULER`, else a local cluster of
`DENIAL_ML_DASK_WORKERS` processes) for its duration and runs the matching `denial_ml.engine` module on it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from denial_ml.config import Settings
from denial_ml.data.synthetic.params import WorldTimeline
from denial_ml.engine.cluster import ClusterSpec, open_client
from denial_ml.engine.scoring import PartsResult

log = logging.getLogger(__name__)


def cluster_spec(settings: Settings) -> ClusterSpec:
    """The cluster the settings name: a scheduler address, or the size of a local cluster."""
    return ClusterSpec(
        scheduler=settings.dask_scheduler, workers=settings.dask_workers, memory_limit=settings.dask_memory_limit
    )


def generate_world_dask(
    settings: Settings,
    n_claims: int,
    seed: int,
    parts: int,
    out: Path,
    timeline: WorldTimeline | None = None,
    policies: Path | None = None,
) -> dict[str, float]:
    """Generate a partitioned world on the cluster (`engine.world.generate_partitioned`); returns its summary."""
    from denial_ml.data.synthetic.partition import split_claims
    from denial_ml.engine.world import generate_partitioned

    split_claims(n_claims, parts)  # a bad part count is refused before a cluster starts
    with open_client(cluster_spec(settings)) as client:
        log.info("generate: %d claims in %d parts on the cluster", n_claims, parts)
        return generate_partitioned(client, n_claims, seed, parts, out, timeline, policies)


def score_dask(settings: Settings, model: Path, world: Path, out: Path) -> PartsResult:
    """Score a world's claims part by part on the cluster into `out/part-NNNNN.parquet`."""
    from denial_ml.engine.scoring import score_partitioned

    with open_client(cluster_spec(settings)) as client:
        return score_partitioned(client, model, world, out)


def explain_dask(settings: Settings, model: Path, world: Path, out: Path, top: int) -> PartsResult:
    """Explain a world's claims part by part on the cluster into `out/part-NNNNN.jsonl`."""
    from denial_ml.engine.scoring import explain_partitioned

    with open_client(cluster_spec(settings)) as client:
        return explain_partitioned(client, model, world, out, top)


def report_dask(
    settings: Settings, world: Path | str, as_of: pd.Timestamp | None = None, recorded: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The denial report of a world, its sums computed part by part on the cluster (`recorded`: the appeal
    outcomes recorded in the worklist)."""
    from denial_ml.engine.report import report_partitioned

    with open_client(cluster_spec(settings)) as client:
        return report_partitioned(client, world, as_of, recorded)
