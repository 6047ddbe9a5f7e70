"""Benchmark: the CPU cost of explaining one claim at a time (`Explainer.explain` with one-row DataFrames).

Run each tree in its own process, in the same sitting, against the same world and a bundle its code loads:
    PYTHONPATH=/tmp/base/src python bench/bench_explain_one.py --data W --model M_OLD/denial-risk
    PYTHONPATH=src python bench/bench_explain_one.py --data W --model M/denial-risk
Explains `--claims` different random claims (one `explain` call each, after `--warmup` other claims), `--rounds`
times, and prints the median and p90 CPU milliseconds of a call (CPU time: hardly moved by other processes' load,
unlike wall time, which is printed beside it) and of `transform_array` of the same claims alone.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from denial_ml.data.io import read_tables
from denial_ml.explain.explainer import Explainer
from denial_ml.modeling.bundle import Scorer

Pair = tuple[pd.DataFrame, pd.DataFrame]


def one_claims(data: str, n: int, seed: int) -> list[Pair]:
    """`n` random claims of the world, each as a one-row frame with its own lines."""
    tables = read_tables(data)
    claims, lines = tables["claims"], tables["claim_lines"]
    picks = claims.iloc[np.random.default_rng(seed).choice(len(claims), n, replace=False)]
    wanted = lines[lines["claim_id"].isin(picks["claim_id"])]
    by_claim = {cid: part for cid, part in wanted.groupby("claim_id", sort=False)}
    return [(picks.iloc[[i]], by_claim.get(cid, wanted.iloc[:0])) for i, cid in enumerate(picks["claim_id"])]


def timed(fn: Callable[[pd.DataFrame, pd.DataFrame], object], pairs: list[Pair]) -> tuple[list[float], list[float]]:
    """CPU and wall seconds of each call."""
    cpu, wall = [], []
    for one, own in pairs:
        c0, w0 = time.process_time(), time.perf_counter()
        fn(one, own)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--claims", type=int, default=70)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    explainer = Explainer(Scorer.load(args.model))
    pairs = one_claims(args.data, args.claims + args.warmup, args.seed)
    measured = pairs[: args.claims]
    for one, own in pairs[args.claims :]:  # warm-up: lazy tables and caches built on other claims
        explainer.explain(one, own)
    runs: dict[str, tuple[list[float], list[float]]] = {"explain": ([], []), "transform_array": ([], [])}
    for _ in range(args.rounds):
        for name, fn in (("explain", explainer.explain), ("transform_array", explainer.scorer.builder.transform_array)):
            cpu, wall = timed(fn, measured)
            runs[name][0].extend(cpu)
            runs[name][1].extend(wall)
    for name, (cpu, wall) in runs.items():
        print(
            f"{name}: CPU median {1e3 * statistics.median(cpu):.2f} ms, p90 {1e3 * float(np.percentile(cpu, 90)):.2f} "
            f"ms; wall median {1e3 * statistics.median(wall):.2f} ms ({len(cpu)} calls, {args.claims} claims)"
        )


if __name__ == "__main__":
    main()
