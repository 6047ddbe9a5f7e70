"""Benchmark: batch scoring throughput including feature building, beside LightGBM's raw `predict`.

Target (issue #3): at least 50,000 claims/s including features; the ratio to raw `predict` on the same rows (a
baseline run in the same process, so it holds on a busy machine) shows what the feature pipeline costs.
Run: .venv/bin/python bench/bench_score.py --data /tmp/w200 --model /tmp/m200/denial-risk [--claims 200000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from denial_ml.data.io import read_tables
from denial_ml.modeling.bundle import Scorer


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tables = read_tables(args.data, ["claims", "claim_lines"])
    claims = tables["claims"].tail(args.claims).reset_index(drop=True)
    lines = tables["claim_lines"][tables["claim_lines"]["claim_id"].isin(claims["claim_id"])]
    scorer = Scorer.load(args.model)
    X = scorer.builder.transform_array(claims, lines)
    n = len(claims)
    raw = _median_time(lambda: scorer.denial_model.predict(X), args.repeats)
    models = _median_time(lambda: scorer.predict_features(X), args.repeats)
    features = _median_time(lambda: scorer.builder.transform_array(claims, lines), args.repeats)
    full = _median_time(lambda: scorer.score(claims, lines), args.repeats)
    print(f"{n:,} claims, {len(lines):,} lines, median of {args.repeats}, load {os.getloadavg()[0]:.2f}")
    print(f"raw denial-model predict : {n / raw:>10,.0f} claims/s ({raw:.2f} s)")
    print(f"risk + categories        : {n / models:>10,.0f} claims/s ({models:.2f} s)")
    print(f"features only            : {n / features:>10,.0f} claims/s ({features:.2f} s)")
    print(f"score (features + models): {n / full:>10,.0f} claims/s ({full:.2f} s), {full / raw:.1f}x raw predict")


if __name__ == "__main__":
    main()
