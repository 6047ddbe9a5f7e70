"""How the OpenMP threads under LightGBM wait for work: passively, unless the environment says otherwise.

LightGBM's OpenMP runtime (GNU libgomp) spins a waiting thread for a long while by default. When another process
holds a core (a shared machine, two Dask workers on two cores, the test suite's two workers), the spinning thread
takes the core from the thread it waits for, and training crawls (`bench/bench_openmp_wait.py`, 2 threads, 150,000
rows x 90 features, on this 2-core machine): 200 rounds took 41-58 s with the default and 4.6-5.5 s passive while
other sessions ran (load 2-3.5); 100 rounds with one core taken by a busy loop, 5.08 s against 2.35 s. The price on
an idle machine: 1.17 s against 1.46 s (100 rounds). A shared, busy machine is this product's usual home (a
service, Dask workers and batch jobs side by side), so passive is the default; `OMP_WAIT_POLICY=ACTIVE` (or any
value) in the environment wins. libgomp reads the variable once, when it is loaded, so it must be set before
LightGBM is imported: the CLI does it first thing, and Dask's local workers inherit it.
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
