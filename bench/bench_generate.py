"""Benchmark: generate and write a synthetic world (issue #20's target: `denial-ml generate --claims 1000000` in
<= 30 s on this 2-core machine, single process).

In-process (the generator and the Parquet writer only):

    .venv/bin/python bench/bench_generate.py [--claims 1000000] [--repeats 3]

prints the median wall time of `generate_world` + `write_tables` and the process's peak resident memory, with
the CPU time of each run and the machine's load average (the machine is shared: a loaded run's wall time is
mostly waiting for a core, while its CPU time stays close to a quiet run's).

Against a baseline tree (the whole command, as a user runs it: imports, front end, validation, writing, summary):

    PYTHONPATH=src .venv/bin/python bench/bench_generate.py --claims 200000 --against /work/main/src

runs `python -m denial_ml.cli generate --claims N --seed 7` in child processes, alternating the baseline's
`src` and this tree's, and prints per run and as medians the wall time, the CPU time (user + system) and the
peak RSS of each child, with the load average, and the ratio baseline / this tree. Both write the same world.

Where the CPU time runs (the job `denial-ml generate` runs, after its imports, in this process):

    PYTHONPATH=src .venv/bin/python bench/bench_generate.py --claims 1000000 --threads

prints the process's CPU time and the part of it the main thread spent; the rest ran in the summary and Parquet
writer threads, beside it. On an idle 2-core machine the main thread's CPU time (plus the imports, and any wait
for the GIL) is what the wall time comes to; under load only the CPU times compare.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"


def in_process(claims: int, repeats: int) -> None:
    """Median of `generate_world` + `write_tables` in this process."""
    from denial_ml.data.io import write_tables
    from denial_ml.data.synthetic.world import generate_world

    times, gen_times, cpu_times = [], [], []
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    for i in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            t0, c0 = time.perf_counter(), time.process_time()
            tables = generate_world(claims, seed=100 + i)
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
        f"claims={claims:,} median total {statistics.median(times):.1f} s "
        f"(generate {statistics.median(gen_times):.1f} s, CPU {statistics.median(cpu_times):.1f} s), "
        f"peak RSS {peak_gib:.2f} GiB"
    )


def threads(claims: int) -> None:
    """`build_world` once: wall, process CPU, and the main thread's share of it."""
    from denial_ml.jobs.world import build_world

    with tempfile.TemporaryDirectory() as out:
        w0, p0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
        build_world(claims, 7, Path(out))
        wall, cpu, main_cpu = time.perf_counter() - w0, time.process_time() - p0, time.thread_time() - m0
    print(
        f"claims={claims:,} wall {wall:.1f} s, CPU {cpu:.1f} s: main thread {main_cpu:.1f} s, other threads "
        f"{cpu - main_cpu:.1f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB "
        f"(load {os.getloadavg()[0]:.1f})"
    )


def run_cli(src: Path, claims: int, out: Path) -> dict[str, float]:
    """One `denial-ml generate` in a child process with `src` first on the path: wall, CPU and peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "denial_ml.cli", "generate", "--claims", str(claims), "--seed", "7"]
    start = time.perf_counter()
    child = subprocess.Popen([*command, "--out", str(out)], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage (RUSAGE_CHILDREN would mix runs)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} with PYTHONPATH={src} failed ({child.returncode})")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_gib": usage.ru_maxrss / 1024**2,
        "load": os.getloadavg()[0],
    }


def against(baseline: Path, claims: int, repeats: int) -> None:
    """Alternate baseline and this tree; print each run and the medians."""
    results: dict[str, list[dict[str, float]]] = {"baseline": [], "this tree": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            for name, src in (("baseline", baseline), ("this tree", HERE)):
                r = run_cli(src, claims, Path(tmp) / f"{name.replace(' ', '-')}-{i}")
                results[name].append(r)
                print(
                    f"run {i + 1} {name:<9}: wall {r['wall']:6.1f} s  CPU {r['cpu']:6.1f} s  "
                    f"peak RSS {r['rss_gib']:.2f} GiB  (load {r['load']:.1f})",
                    flush=True,
                )
    med = {n: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "rss_gib")} for n, rs in results.items()}
    for name, m in med.items():
        print(f"median {name:<9}: wall {m['wall']:6.1f} s  CPU {m['cpu']:6.1f} s  peak RSS {m['rss_gib']:.2f} GiB")
    b, t = med["baseline"], med["this tree"]
    ratio = f"wall {b['wall'] / t['wall']:.2f}x, CPU {b['cpu'] / t['cpu']:.2f}x"
    print(f"claims={claims:,} ratio baseline / this tree: {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--against", type=Path, help="a baseline tree's src: run the CLI alternately with it")
    parser.add_argument("--threads", action="store_true", help="the generate job once: main thread's CPU vs others")
    args = parser.parse_args()
    if args.threads:
        threads(args.claims)
    elif args.against:
        against(args.against, args.claims, args.repeats)
    else:
        in_process(args.claims, args.repeats)


if __name__ == "__main__":
    main()
