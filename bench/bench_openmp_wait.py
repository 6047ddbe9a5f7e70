"""Benchmark: LightGBM training with OpenMP's default spin-waiting against `OMP_WAIT_POLICY=PASSIVE`
(what `denial_ml.engine.threads` sets), with every core free and with one core taken by a busy process.

Run by hand:  .venv/bin/python bench/bench_openmp_wait.py [--rows 150000] [--rounds 200] [--repeats 3]

Each training runs in its own process (libgomp reads the policy once, when it loads) with LightGBM's 2 threads, on
the same random matrix; the busy process is a Python loop started before and stopped after. Prints the median wall
and CPU seconds of each case, the load average, and the ratios against the default in the same sitting.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys

TRAIN = """
import json, sys, time
import numpy as np, lightgbm as lgb
rows, rounds = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
X = rng.random((rows, 90))
y = (X[:, 0] + X[:, 1] * rng.random(rows) > 0.9).astype(int)
params = {"objective": "binary", "learning_rate": 0.15, "num_leaves": 8, "max_depth": 3, "num_threads": 2,
          "verbosity": -1, "deterministic": True, "seed": 7}
data = lgb.Dataset(X, label=y)
data.construct()
t, c = time.perf_counter(), time.process_time()
lgb.train(params, data, num_boost_round=rounds)
print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - c}))
"""


def spin() -> None:
    while True:
        pass


def train_once(policy: str | None, rows: int, rounds: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    out = subprocess.run(
        [sys.executable, "-c", TRAIN, str(rows), str(rounds)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    for busy in (False, True):
        spinner = multiprocessing.Process(target=spin, daemon=True) if busy else None
        if spinner is not None:
            spinner.start()
        try:
            medians = {}
            for policy in (None, "PASSIVE"):
                runs = [train_once(policy, args.rows, args.rounds) for _ in range(args.repeats)]
                medians[policy] = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu")}
        finally:
            if spinner is not None:
                spinner.terminate()
        label = "one core busy" if busy else "cores free"
        base, passive = medians[None], medians["PASSIVE"]
        print(
            f"{label}: default wall {base['wall']:.2f} s (CPU {base['cpu']:.2f} s); PASSIVE wall "
            f"{passive['wall']:.2f} s (CPU {passive['cpu']:.2f} s); ratio {passive['wall'] / base['wall']:.2f} "
            f"(load {os.getloadavg()[0]:.2f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
