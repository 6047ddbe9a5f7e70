"""The 10M-claim run (issue #20): generate, train, score, report and the worklist, each step's time and peak memory.

    python bench/bench_10m.py --claims 10000000 --out /tmp/b10m [--parts 20] [--workers 2] [--steps ...]

Generate runs `generate --engine dask` (a partitioned world of `--parts` parts, default one per 250,000 claims);
train, score and report run with `--engine dask` on a LocalCluster of `--workers` processes of `--memory-limit`
each (Dask pauses a worker at 80% of it and restarts it at 95%, so a breach shows as a failed step or a restart in
the step's log); triage and worklist run as their commands do here (with `--engine dask` when the command offers
it). Every step runs under `bench/peak_rss.py`: the table gives the peak of the command's own process (the
client), of its largest worker and of the sum. Each step's figures are kept in OUT/bench.json as it ends, so the
steps can be run one call at a time (`--steps train score`) on the same OUT.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLI = [sys.executable, "-m", "denial_ml.cli"]
STEPS = ("generate", "train", "score", "report", "triage", "worklist")


def run_step(name: str, command: list[str], out: Path) -> dict:
    """One step under `peak_rss.py`; its figures."""
    figures = out / f"step-{name}.json"
    log = out / f"step-{name}.log"
    load_start = os.getloadavg()[0]
    with open(log, "w") as handle:
        code = subprocess.call(
            [sys.executable, str(HERE / "peak_rss.py"), "--json", str(figures), "--", *command],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    result = json.loads(figures.read_text()) if figures.exists() else {"seconds": None}
    load = [round(load_start, 1), round(os.getloadavg()[0], 1)]  # 1-minute load average at start and end
    return {"step": name, "returncode": code, **result, "load": load}


def offers_engine(command: list[str]) -> bool:
    """Whether a command of this branch has an `--engine` option."""
    text = subprocess.run([*CLI, *command, "--help"], capture_output=True, text=True).stdout
    return "--engine" in text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=10_000_000)
    parser.add_argument("--parts", type=int, default=0, help="parts of the world (default: one per 250,000 claims)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GiB", help="per worker (Dask restarts a worker past 95%%)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    args = parser.parse_args()
    out, world = args.out, args.out / "world"
    out.mkdir(parents=True, exist_ok=True)
    os.environ |= {"DENIAL_ML_DASK_WORKERS": str(args.workers), "DENIAL_ML_DASK_MEMORY_LIMIT": args.memory_limit}
    os.environ["DENIAL_ML_WORKLIST_URL"] = f"sqlite:///{out / 'worklist.db'}"
    parts = args.parts or max(1, -(-args.claims // 250_000))
    commands = {
        "generate": ["generate", "--claims", str(args.claims), "--seed", str(args.seed), "--out", str(world)]
        + ["--engine", "dask", "--partitions", str(parts)],
        "train": ["train", "--data", str(world), "--out", str(out / "models"), "--no-mlflow", "--engine", "dask"],
        "score": ["score", "--model", str(out / "models" / "denial-risk"), "--claims", str(world)]
        + ["--out", str(out / "scored")],
        "report": ["report", "--data", str(world), "--out", str(out / "report.html")],
        "triage": ["triage", "train", "--data", str(world), "--out", str(out / "models" / "triage")],
        "worklist": ["worklist", "build", "--data", str(world), "--model", str(out / "models" / "triage")],
    }
    done = out / "bench.json"
    rows = [r for r in (json.loads(done.read_text()) if done.exists() else []) if r["key"] not in args.steps]
    for step in STEPS:
        if step in args.steps:
            command = commands[step]
            words = 2 if command[0] in ("triage", "worklist") else 1
            if "--engine" not in command and offers_engine(command[:words]):
                command = [*command, "--engine", "dask"]
            name = " ".join(command[:words]) + (" (dask)" if "dask" in command else "")
            rows.append(run_step(step, [*CLI, *command], out) | {"step": name, "key": step})
            done.write_text(json.dumps(sorted(rows, key=lambda r: STEPS.index(r["key"])), indent=1))
    print_table(sorted(rows, key=lambda r: STEPS.index(r["key"])), args.claims)


def print_table(rows: list[dict], claims: int) -> None:
    """Step, time, peak of the command's process, its largest worker, the sum, and GiB per million claims."""
    per_m = 1e6 / claims
    print(f"{'step':34} {'s':>7} {'client GiB':>11} {'worker GiB':>11} {'sum GiB':>8} {'sum GiB/M':>10}")
    for r in rows:
        worker = max(r["worker_gib"]) if r.get("worker_gib") else ""
        total = r.get("sum_gib")
        shown = [f"{r['seconds']!s:>7}", f"{r.get('client_gib', ''):>11}", f"{worker:>11}", f"{total or '':>8}"]
        print(f"{r['step']:34} {' '.join(shown)} {round(total * per_m, 2) if total else '':>10}")


if __name__ == "__main__":
    main()
