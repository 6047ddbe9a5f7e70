"""Benchmark: ranking 100,000 denials (scoring + expected recovery + routing + sort); target <= 5 s.

Builds the triage frame of a generated world once, tiles its denials to 100,000 rows, then times
`rank_denials` (feature matrix, calibrated P(overturn), expected recovery, deadlines, routing, priority,
sort). Feature building and training are outside the timed part.

Run: .venv/bin/python bench/bench_triage.py [--claims 60000] [--denials 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from denial_ml.data.synthetic.world import generate_world
from denial_ml.triage.rank import rank_denials
from denial_ml.triage.train import train_triage


def main() -> None:
    """Time the ranking and print the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=60_000)
    parser.add_argument("--denials", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    world = generate_world(args.claims, seed=7)
    model, _, frame = train_triage(world, 57.23)
    rows = np.resize(np.arange(len(frame)), args.denials)
    big = frame.iloc[rows].reset_index(drop=True)
    big["claim_id"] = pd.Series(np.arange(len(big))).map("B{:09d}".format).to_numpy()
    as_of = big["adjudication_date"].max()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ranked = rank_denials(big, model, as_of)
        times.append(time.perf_counter() - start)
    routes = ranked["route"].value_counts().to_dict()
    print(
        f"ranked {len(ranked):,} denials: median {statistics.median(times):.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}, {args.repeat} runs); routes {routes}"
    )


if __name__ == "__main__":
    main()
