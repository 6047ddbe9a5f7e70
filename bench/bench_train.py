"""Benchmark: end-to-end training (features + models + evaluation + bundle) on a world folder.

Target (issue #3): 1,000,000 claims in at most 3 minutes and 6 GiB peak.
Run: .venv/bin/denial-ml generate --claims 1000000 --seed 11 --out /tmp/w1m
     .venv/bin/python bench/bench_train.py --data /tmp/w1m [--repeats 1]
Prints each step's wall and CPU time (from the pipeline's own progress callback) and the peak resident memory reached by
its end, the run's CPU time, the median total of `--repeats` runs and the process's peak resident memory, with the
machine's load average (the machine is shared).
MLflow logging is not timed: it is I/O to a tracking store, outside the training job itself.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from denial_ml.engine.threads import set_passive_waiting

set_passive_waiting()  # as `denial-ml train` runs it (before LightGBM loads: denial_ml.engine.threads)

from denial_ml.data.io import read_tables  # noqa: E402
from denial_ml.jobs.training import run_training  # noqa: E402


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run_once(data: Path) -> tuple[float, float, dict[str, float], dict[str, float], dict[str, float]]:
    """One training run from reading the tables to the written bundle: (wall s, CPU s, seconds per step, CPU
    seconds per step, the process's peak resident GiB at the end of each step)."""
    steps: dict[str, float] = {}
    cpus: dict[str, float] = {}
    peaks: dict[str, float] = {}
    mark: dict = {"name": "read tables", "t": time.perf_counter(), "c": time.process_time()}

    def step(name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        steps[mark["name"]] = now - mark["t"]
        cpus[mark["name"]] = cpu - mark["c"]
        peaks[mark["name"]] = _peak_gib()
        mark.update(name=name, t=now, c=cpu)

    t0, c0 = time.perf_counter(), time.process_time()
    tables = read_tables(data)
    with tempfile.TemporaryDirectory() as out:
        run_training(tables, Path(out), progress=step)
        step("done")
    return time.perf_counter() - t0, time.process_time() - c0, steps, cpus, peaks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="World folder (e.g. 1,000,000 claims).")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    walls = []
    for i in range(args.repeats):
        wall, cpu, steps, cpus, peaks = run_once(Path(args.data))
        walls.append(wall)
        detail = ", ".join(f"{name} {s:.1f} s" for name, s in steps.items())
        print(f"run {i + 1}: {wall:.1f} s (CPU {cpu:.1f} s, load {os.getloadavg()[0]:.2f}): {detail}", flush=True)
        print("  CPU: " + ", ".join(f"{k} {v:.1f} s" for k, v in cpus.items()), flush=True)
        print("  peak RSS by the end of: " + ", ".join(f"{k} {v:.2f} GiB" for k, v in peaks.items()), flush=True)
    print(f"median end-to-end training {statistics.median(walls):.1f} s, peak RSS {_peak_gib():.2f} GiB")


if __name__ == "__main__":
    main()
