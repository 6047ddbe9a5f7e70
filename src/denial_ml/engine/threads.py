"""How the OpenMP threads under LightGBM wait for work: passively, unless the environment says otherwise.

LightGBM's OpenMP runtime (GNU libgomp) spins a waiting thread for a long while by default. When another process
holds a core (a shared machine, two Dask workers on two cores, the test suite's two workers), the spinning thread
takes the core from the thread it waits for, and training crawls: 200 rounds on 150,000 rows x 90 features took
33.4 s on this 2-core machine at load 4 with the default, 3.4 s with `OMP_WAIT_POLICY=PASSIVE`; with a core free,
2.8 s against 3.0 s (`bench/bench_openmp_wait.py`). libgomp reads the variable once, when it is loaded, so it must be
set before LightGBM is imported: the CLI does it first thing, and Dask's local workers inherit it.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

WAIT_POLICY = "OMP_WAIT_POLICY"
PASSIVE = "PASSIVE"


def set_passive_waiting(environ: MutableMapping[str, str] | None = None) -> str:
    """Set `OMP_WAIT_POLICY=PASSIVE` unless the environment already sets a policy; return the policy in force.

    Args:
        environ: The environment to set it in (default: this process's, which the processes it starts inherit).
    """
    env = os.environ if environ is None else environ
    return env.setdefault(WAIT_POLICY, PASSIVE)
