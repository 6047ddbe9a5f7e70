"""Benchmark: explaining claims (targets: one claim <= 5 ms p99 in process; 10,000 claims <= 1 s, issue #20).

Run: .venv/bin/python bench/bench_explain.py [--data data/synthetic/demo] [--model models/denial-risk]
Prints p50/p99 for one claim (with and without building its features) over `--singles` claims, and the median of
`--repeats` runs explaining a batch of `--batch` claims, next to plain scoring of the same batch and next to
LightGBM's TreeSHAP (`pred_contrib`) alone on the batch's features with every core (the floor of exact SHAP by
LightGBM's recursion) and the same values from the explainer's per-tree tables (`denial_ml.explain.treeshap`),
with their largest difference (baselines run in the same process, so the ratios hold on a busy machine). The
batch's stages are timed one by one: features, claim views, TreeSHAP grouped into factors, the category model, the
rest (slice evidence, sentences, checks: whole minus those) and JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from denial_ml.data.io import read_tables
from denial_ml.explain.context import claim_views
from denial_ml.explain.explainer import Explainer, factor_contributions
from denial_ml.modeling.bundle import Scorer


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _cpu_timed(fn) -> tuple[float, float]:
    """Wall and CPU seconds (all threads of this process) of one call."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/synthetic/demo")
    parser.add_argument("--model", default="models/denial-risk")
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tables = read_tables(args.data)
    explainer = Explainer(Scorer.load(args.model))
    builder = explainer.scorer.builder
    claims, lines = tables["claims"], tables["claim_lines"]
    by_claim = {cid: part for cid, part in lines.groupby("claim_id", sort=False)}
    rng = np.random.default_rng(0)
    picks = claims.iloc[rng.choice(len(claims), args.singles, replace=False)]
    full, explain_only = [], []
    for i in range(len(picks)):
        one = picks.iloc[[i]]
        own = by_claim[one["claim_id"].iloc[0]]
        full.append(_timed(lambda one=one, own=own: explainer.explain(one, own)))
        X = builder.transform_array(one, own)
        explain_only.append(_timed(lambda one=one, own=own, X=X: explainer.explain_features(one, own, X)))
    ms = lambda xs, q: 1e3 * float(np.percentile(xs, q))  # noqa: E731
    print(f"one claim, features + explanation + checks: p50 {ms(full, 50):.2f} ms, p99 {ms(full, 99):.2f} ms")
    print(
        f"one claim, explanation + checks (features built): p50 {ms(explain_only, 50):.2f} ms, "
        f"p99 {ms(explain_only, 99):.2f} ms"
    )
    batch = claims.tail(args.batch).reset_index(drop=True)
    batch_lines = lines[lines["claim_id"].isin(batch["claim_id"])]
    explain_t = [_cpu_timed(lambda: explainer.explain(batch, batch_lines)) for _ in range(args.repeats)]
    score_t = [_cpu_timed(lambda: explainer.scorer.score(batch, batch_lines)) for _ in range(args.repeats)]
    e, s = statistics.median(t for t, _ in explain_t), statistics.median(t for t, _ in score_t)
    ec, sc = statistics.median(c for _, c in explain_t), statistics.median(c for _, c in score_t)
    print(f"{len(batch):,} claims explained: median {e:.2f} s; plain scoring {s:.2f} s (explain/score {e / s:.1f}x)")
    print(f"  CPU seconds (every thread; hardly moved by other processes' load): explain {ec:.2f}, scoring {sc:.2f}")
    _stages(explainer, batch, batch_lines, args.repeats, e)


def _stages(explainer: Explainer, batch, batch_lines, repeats: int, whole: float) -> None:
    """Median wall seconds of each stage of a batch explanation, and the TreeSHAP floor beside the whole."""
    scorer, cores = explainer.scorer, os.cpu_count() or 1
    X = scorer.builder.transform_array(batch, batch_lines)
    out = explainer.explain(batch, batch_lines)
    stages = {
        # What `explain` builds: the features with the slice history the sentences read (no second lookup).
        "features (with slice history)": lambda: scorer.builder.transform_array_with_slices(batch, batch_lines),
        "claim views": lambda: claim_views(batch, batch_lines, X, scorer.builder),
        "TreeSHAP (tabulated) + factor grouping": lambda: factor_contributions(
            scorer.denial_model, X, explainer.grouping_, explainer.tabulated_
        ),
        "category model": lambda: scorer.category_model.predict(X),
        "JSON lines": lambda: [json.dumps(r) for r in out],
    }
    t = {name: statistics.median(_timed(fn) for _ in range(repeats)) for name, fn in stages.items()}
    booster = scorer.denial_model
    floor = [_cpu_timed(lambda: booster.predict(X, pred_contrib=True, num_threads=cores)) for _ in range(5)]
    f, fc = statistics.median(w for w, _ in floor), statistics.median(c for _, c in floor)
    rest = whole - sum(v for k, v in t.items() if k != "JSON lines")
    for name, v in [*t.items(), ("evidence, sentences, checks (whole - above)", rest)]:
        print(f"  stage {name:<44} {v:6.3f} s  ({v / whole:5.1%} of explain)")
    print(
        f"LightGBM pred_contrib alone ({booster.num_trees()} trees, {cores} threads), the exact-SHAP floor without "
        f"tables: median of 5 {f:.3f} s wall, {fc:.2f} CPU s; explain / pred_contrib {whole / f:.2f}x"
    )
    if explainer.tabulated_ is not None:
        tab = [_cpu_timed(lambda: explainer.tabulated_.contributions(X)) for _ in range(5)]
        tw, tc = statistics.median(w for w, _ in tab), statistics.median(c for _, c in tab)
        diff = np.abs(explainer.tabulated_.contributions(X) - booster.predict(X, pred_contrib=True)).max()
        print(
            f"tabulated TreeSHAP alone (1 thread): median of 5 {tw:.3f} s wall, {tc:.2f} CPU s "
            f"(pred_contrib / tabulated: {f / tw:.1f}x wall, {fc / tc:.1f}x CPU); max |difference| {diff:.1e}"
        )


if __name__ == "__main__":
    main()
