"""A Dask client for the heavy paths: a `LocalCluster` by default, or a real cluster by scheduler address.

The same code runs on a laptop (two local worker processes) and on Kubernetes, YARN or a hosted cluster: only
`DENIAL_ML_DASK_SCHEDULER` changes. Dask is the optional extra `denial-ml[dask]`; asking for the engine without it
fails with the command that installs it, not with an ImportError from deep inside a job.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

Engine = Literal["local", "dask"]
ENGINES: tuple[Engine, ...] = ("local", "dask")


class EngineUnavailableError(RuntimeError):
    """The dask engine was asked for but the `dask` extra is not installed."""


class WorkerLostError(RuntimeError):
    """A worker died or was restarted during a job (most often past its memory limit) and its work was lost."""


@dataclass(frozen=True)
class ClusterSpec:
    """Where the work runs.

    Attributes:
        scheduler: A running scheduler's address (`tcp://host:8786`); None starts a `LocalCluster`.
        workers: Worker processes of the local cluster.
        threads_per_worker: Threads per local worker (1: LightGBM and numpy use their own threads).
        memory_limit: Per-worker memory limit of the local cluster (Dask's format, e.g. "3GiB").
    """

    scheduler: str | None = None
    workers: int = 2
    threads_per_worker: int = 1
    memory_limit: str = "3GiB"


def check_engine(engine: str) -> Engine:
    """Return `engine` if it is known and usable here, else raise naming the problem.

    Raises:
        ValueError: An engine name other than "local" or "dask".
        EngineUnavailableError: "dask" without the dask extra installed.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "dask" and (importlib.util.find_spec("distributed") is None):
        raise EngineUnavailableError("engine 'dask' needs the dask extra: pip install 'denial-ml[dask]'")
    return engine  # type: ignore[return-value]


@contextmanager
def open_client(spec: ClusterSpec) -> Iterator[Client]:
    """A Dask client for the duration of a job; a local cluster it started is closed on the way out.

    Args:
        spec: The cluster to use or start.

    Yields:
        A connected `distributed.Client`.
    """
    check_engine("dask")
    from distributed import Client, LocalCluster

    if spec.scheduler:
        log.info("dask: connecting to the scheduler at %s", spec.scheduler)
        with Client(spec.scheduler) as client, lost_work(spec):
            yield client
        return
    log.info("dask: starting a local cluster of %d workers (%s each)", spec.workers, spec.memory_limit)
    with (
        LocalCluster(
            n_workers=spec.workers,
            threads_per_worker=spec.threads_per_worker,
            memory_limit=spec.memory_limit,
            processes=True,
            dashboard_address=None,  # no dashboard (it needs bokeh, not a dependency) ...
            # ... but the scheduler's HTTP server (health, metrics) still starts, by default on 8787: a random
            # local port keeps a second cluster on the machine from warning "Port 8787 is already in use".
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        Client(cluster) as client,
        lost_work(spec),
    ):
        yield client


@contextmanager
def lost_work(spec: ClusterSpec) -> Iterator[None]:
    """Turn Dask's errors for work lost with a worker into a `WorkerLostError` that says what to change.

    Dask restarts a worker that passes 95 % of its memory limit; what the job had scattered to it cannot be made
    again, so its futures fail with "cancelled" or "already forgotten", and a task that killed workers three times
    fails with `KilledWorker`. Neither names the cause.

    Raises:
        WorkerLostError: from `FuturesCancelledError`, `CancelledError` or `KilledWorker`.
    """
    from concurrent.futures import CancelledError

    from distributed.scheduler import KilledWorker

    try:
        yield
    except (CancelledError, KilledWorker) as exc:
        limit = "the scheduler's workers' limit" if spec.scheduler else f"{spec.memory_limit} a worker"
        raise WorkerLostError(
            f"dask: a worker was lost during the job, with the work it held (most often it passed 95 % of its memory "
            f"limit, {limit}, and was restarted): give the workers more memory (DENIAL_ML_DASK_MEMORY_LIMIT) or add "
            f"workers (DENIAL_ML_DASK_WORKERS). Dask said: {type(exc).__name__}: {str(exc)[:300]}"
        ) from exc
