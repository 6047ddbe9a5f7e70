"""Benchmark: batch scoring throughput including feature building, beside LightGBM's raw `predict`.

Targets: at least 50,000 claims/s including features (issue #3); batch scoring at least 0.67 x the throughput of
the raw `predict` of the denial and category models together on the same rows (issue #20: the features cost at
most half of what the models do). The raw predict is a baseline run in the same process, so the ratio holds on a
busy machine; it is given for wall time and for CPU time (the machine is shared).
Run: .venv/bin/python bench/bench_score.py --data /tmp/w200 --model /tmp/m200/denial-risk [--claims 200000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from denial_ml.data.io import read_tables
from denial_ml.modeling.bundle import Scorer, prediction_threads


def _median_time(fn, repeats: int) -> tuple[float, float]:
    """Median wall and median CPU seconds of `repeats` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


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
    threads = prediction_threads(n)  # as `Scorer.predict_features` runs the models
    raw_denial = _median_time(lambda: scorer.denial_model.predict(X, num_threads=threads), args.repeats)
    raw = _median_time(
        lambda: (
            scorer.denial_model.predict(X, num_threads=threads),
            scorer.category_model.predict(X, num_threads=threads),
        ),
        args.repeats,
    )
    models = _median_time(lambda: scorer.predict_features(X), args.repeats)
    features = _median_time(lambda: scorer.builder.transform_array(claims, lines), args.repeats)
    full = _median_time(lambda: scorer.score(claims, lines), args.repeats)
    print(f"{n:,} claims, {len(lines):,} lines, median of {args.repeats}, load {os.getloadavg()[0]:.2f}")
    for label, (wall, cpu) in [
        ("raw denial-model predict", raw_denial),
        ("raw predict, both models", raw),
        ("risk + categories", models),
        ("features only", features),
        ("score (features + models)", full),
    ]:
        print(f"{label:<26}: {n / wall:>10,.0f} claims/s ({wall:.2f} s, CPU {cpu:.2f} s)")
    print(
        f"score throughput / raw predict of both models: {raw[0] / full[0]:.2f} (wall), {raw[1] / full[1]:.2f} (CPU);"
        f" features / raw predict: {features[0] / raw[0]:.2f} (wall), {features[1] / raw[1]:.2f} (CPU)"
    )


if __name__ == "__main__":
    main()
