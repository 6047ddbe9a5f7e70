"""Benchmark: generate and write a synthetic world (target: 1,000,000 claims in <= 60 s, <= 4 GiB peak).

Run: .venv/bin/python bench/bench_generate.py [--claims 1000000] [--repeats 3]
Prints the median wall time of `generate_world` + `write_tables` and the process's peak resident memory, with
the CPU time of each run and the machine's load average (the machine is shared: a loaded run's wall time is
mostly waiting for a core, while its CPU time stays close to a quiet run's).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time

from denial_ml.data.io import write_tables
from denial_ml.data.synthetic.world import generate_world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times, gen_times, cpu_times = [], [], []
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as out:
            t0, c0 = time.perf_counter(), time.process_time()
            tables = generate_world(args.claims, seed=100 + i)
            t1 = time.perf_counter()
            write_tables(tables, out)
            t2, c2 = time.perf_counter(), time.process_time()
        gen_times.append(t1 - t0)
        times.append(t2 - t0)
        cpu_times.append(c2 - c0)
        del tables
        print(
            f"run {i + 1}: generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s, total {t2 - t0:.1f} s "
            f"(CPU {c2 - c0:.1f} s, load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"claims={args.claims:,} median total {statistics.median(times):.1f} s "
        f"(generate {statistics.median(gen_times):.1f} s, CPU {statistics.median(cpu_times):.1f} s), "
        f"peak RSS {peak_gib:.2f} GiB"
    )


if __name__ == "__main__":
    main()
