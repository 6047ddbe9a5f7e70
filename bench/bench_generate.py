"""Benchmark: generate and write a synthetic world (target: 1,000,000 claims in <= 60 s, <= 4 GiB peak).

Run: .venv/bin/python bench/bench_generate.py [--claims 1000000] [--repeats 3]
Prints the median wall time of `generate_world` + `write_tables` and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
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
    times, gen_times = [], []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            tables = generate_world(args.claims, seed=100 + i)
            t1 = time.perf_counter()
            write_tables(tables, out)
            t2 = time.perf_counter()
        gen_times.append(t1 - t0)
        times.append(t2 - t0)
        del tables
        print(
            f"run {i + 1}: generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s, total {t2 - t0:.1f} s", flush=True
        )
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"claims={args.claims:,} median total {statistics.median(times):.1f} s "
        f"(generate {statistics.median(gen_times):.1f} s), peak RSS {peak_gib:.2f} GiB"
    )


if __name__ == "__main__":
    main()
