"""Benchmark: `ingest` of many X12 files in one process vs `--engine dask` on a local cluster (issue #20).

Run: PYTHONPATH=src .venv/bin/python bench/bench_ingest_engine.py [--claims 20000] [--per-file 2000]
    [--workers 2] [--repeats 3] [--out /tmp/bench_ingest_engine]

Writes a synthetic world's X12 files (`--per-file` claims an 837 or 835 file), then ingests them into a fresh
store, `--repeats` times each way: locally, and on a local cluster started once (its start-up timed apart).
Prints the median wall time of each, their ratio, the client's CPU seconds, and the machine's load average
(on a shared machine a loaded run's wall time is mostly waiting for a core). Checks that both stores hold the
same rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import time
from pathlib import Path

import pandas as pd

from denial_ml.data.claims_store import load_manifest, read_all_rows
from denial_ml.data.synthetic.world import generate_world
from denial_ml.engine.cluster import ClusterSpec, open_client
from denial_ml.ingest.x12_write import write_x12
from denial_ml.jobs.ingest import run_ingest


def cpu_seconds() -> float:
    """CPU time this process has used (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_runs(files: list[Path], out: Path, repeats: int, client=None) -> tuple[list[float], float]:
    """Wall seconds of each run into a fresh store, and the client's CPU seconds over all of them."""
    walls, cpu = [], cpu_seconds()
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        run_ingest(files, out, client=client)
        walls.append(time.perf_counter() - start)
    return walls, cpu_seconds() - cpu


def same_store(left: Path, right: Path) -> bool:
    """Whether two stores hold the same rows in every table."""
    tables = load_manifest(left).tables()
    if set(tables) != set(load_manifest(right).tables()):
        return False
    for table in tables:
        try:
            pd.testing.assert_frame_equal(read_all_rows(left, table), read_all_rows(right, table))
        except AssertionError:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--per-file", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_ingest_engine"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    files = [p for p in write_x12(generate_world(args.claims, seed=7), args.out / "x12", args.per_file) if p.is_file()]
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"{len(files)} X12 files, {size:.1f} MB, {args.claims:,} claims; load average {os.getloadavg()}")
    local, local_cpu = timed_runs(files, args.out / "local", args.repeats)
    start = time.perf_counter()
    with open_client(ClusterSpec(workers=args.workers, memory_limit="2GiB")) as client:
        started = time.perf_counter() - start
        dask, dask_cpu = timed_runs(files, args.out / "dask", args.repeats, client)
    one, many = statistics.median(local), statistics.median(dask)
    print(f"local: median {one:.1f} s of {[round(w, 1) for w in local]}, client CPU {local_cpu:.1f} s")
    print(
        f"dask ({args.workers} workers): median {many:.1f} s of {[round(w, 1) for w in dask]} "
        f"(+{started:.1f} s cluster start), client CPU {dask_cpu:.1f} s"
    )
    print(f"ratio dask / local: {many / one:.2f}; same store: {same_store(args.out / 'local', args.out / 'dask')}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
