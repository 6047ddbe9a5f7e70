"""Benchmark: generate and score N claims in one process vs `--engine dask` on a local cluster (issue #20).

Run: .venv/bin/python bench/bench_scale.py [--claims 1000000] [--parts 4] [--workers 2] [--repeats 1]
    --model BUNDLE [--skip-single] [--stages generate,score] [--out /tmp/bench_scale]

Prints, per stage, the median wall time and the peak resident memory: of the one process (single-process runs
happen in a fresh child process, so each peak is its own), and of each Dask worker (every stage gets a fresh
cluster, whose start-up is timed apart; a worker's peak is read on the worker with `getrusage`). The machine's
load average is printed too: on a shared machine a loaded run's wall time is mostly waiting for a core.
Generation writes the world under --out (the dask stage a partitioned one); scoring reads it back.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import time
from pathlib import Path

from denial_ml.engine.cluster import ClusterSpec, open_client


def peak_rss_gib() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def cpu_seconds() -> float:
    """CPU time this process has used (user + system, all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def single_generate(claims: int, seed: int, out: str) -> tuple[float, float, float]:
    """Generate and write a world in this (child) process: (seconds, peak GiB, CPU seconds)."""
    from denial_ml.jobs.world import build_world

    t0 = time.perf_counter()
    build_world(claims, seed, Path(out))
    return time.perf_counter() - t0, peak_rss_gib(), cpu_seconds()


def single_score(model: str, world: str, out: str) -> tuple[float, float, float]:
    """Score every claim of a world in this (child) process, as `denial-ml score` does: (seconds, peak GiB, CPU)."""
    from denial_ml.modeling.bundle import Scorer
    from denial_ml.modeling.scoring_io import load_claim_batch

    t0 = time.perf_counter()
    scorer = Scorer.load(model)
    batch = load_claim_batch(Path(world), None, set(scorer.builder.categories_["payer_id"]))
    scorer.score(batch.claims, batch.lines).to_parquet(out, index=False)
    return time.perf_counter() - t0, peak_rss_gib(), cpu_seconds()


def in_child(function, *args) -> tuple[float, float, float]:
    """Run `function(*args)` in a fresh process, so its peak memory is its own."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def on_cluster(spec: ClusterSpec, stage, *args) -> tuple[float, float, list[float], float]:
    """Run `stage(client, *args)` on a fresh cluster: (start-up seconds, stage seconds, peak GiB per worker,
    CPU seconds of all workers, their start-up included)."""
    t0 = time.perf_counter()
    with open_client(spec) as client:
        t1 = time.perf_counter()
        stage(client, *args)
        t2 = time.perf_counter()
        peaks = client.run(peak_rss_gib)
        cpu = client.run(cpu_seconds)
    return t1 - t0, t2 - t1, [peaks[w] for w in sorted(peaks)], sum(cpu.values())


def dask_generate(client, claims: int, seed: int, parts: int, out: Path) -> None:
    from denial_ml.engine.world import generate_partitioned

    generate_partitioned(client, claims, seed, parts, out)


def dask_score(client, model: Path, world: Path, out: Path) -> None:
    from denial_ml.engine.scoring import score_partitioned

    score_partitioned(client, model, world, out)


def report(
    name: str, seconds: list[float], peaks: list[str], cpu: list[float], startup: list[float] | None = None
) -> None:
    extra = f", cluster start-up {statistics.median(startup):.1f} s (not included)" if startup else ""
    print(
        f"{name}: median {statistics.median(seconds):.1f} s over {len(seconds)} run(s){extra}, "
        f"CPU {statistics.median(cpu):.1f} s; "
        f"peak RSS {', '.join(peaks)}; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GiB")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--model", type=Path, required=True, help="A model bundle folder (denial-ml train).")
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_scale"))
    parser.add_argument("--skip-single", action="store_true", help="Only the dask engine (e.g. for 10M claims).")
    parser.add_argument("--stages", default="generate,score", help="Comma-separated: generate, score.")
    args = parser.parse_args()
    spec = ClusterSpec(workers=args.workers, memory_limit=args.memory_limit)
    single, parted = args.out / "single", args.out / "parted"
    print(f"claims={args.claims:,} parts={args.parts} workers={args.workers}; load {os.getloadavg()[0]:.2f}")
    for stage in args.stages.split(","):
        if not args.skip_single:
            runs = []
            for _ in range(args.repeats):
                if stage == "generate":
                    shutil.rmtree(single, ignore_errors=True)
                    runs.append(in_child(single_generate, args.claims, 7, str(single)))
                else:
                    runs.append(in_child(single_score, str(args.model), str(single), str(args.out / "s.parquet")))
            peak = [f"{max(r[1] for r in runs):.2f} GiB"]
            report(f"{stage} single-process", [r[0] for r in runs], peak, [r[2] for r in runs])
        runs_d = []
        for _ in range(args.repeats):
            if stage == "generate":
                shutil.rmtree(parted, ignore_errors=True)
                runs_d.append(on_cluster(spec, dask_generate, args.claims, 7, args.parts, parted))
            else:
                runs_d.append(on_cluster(spec, dask_score, args.model, parted, args.out / "scored"))
        peaks = [f"worker {i}: {max(r[2][i] for r in runs_d):.2f} GiB" for i in range(args.workers)]
        report(f"{stage} --engine dask", [r[1] for r in runs_d], peaks, [r[3] for r in runs_d], [r[0] for r in runs_d])


if __name__ == "__main__":
    main()
