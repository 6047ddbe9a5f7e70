"""Benchmark: CLI start-up, `denial-ml --help` and the time until a command starts its real work.

Run by hand:  .venv/bin/python bench/bench_startup.py --runs 7
Targets (issues #17, #20): `denial-ml --help` <= 0.5 s; a command's first real work <= 1 s after start.

Each figure is the median of --runs fresh processes, next to `python -c pass` measured in the same run.
"First work" is when the command first opens a file of the bench's own folder (the store's manifest, the
world's Parquet tables) or connects to its SQLite database, seen by an audit hook (PEP 578) in the child and
stamped with the system-wide monotonic clock; the whole command's time is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs the CLI as the console script does (`denial_ml.cli:main`), with an audit hook that prints the monotonic
# time of the first file opened under ROOT (or the first SQLite connection) to stderr.
FIRST_WORK = """
import os, sys, time
root, argv = sys.argv[1], sys.argv[2:]
seen = []
def hook(event, args):
    if seen:
        return
    if (event == "open" and isinstance(args[0], str) and os.path.abspath(args[0]).startswith(root)) or (
        event == "sqlite3.connect"
    ):
        seen.append(1)
        print(f"FIRST_WORK {time.monotonic()}", file=sys.stderr)
sys.addaudithook(hook)
sys.argv = ["denial-ml", *argv]
from denial_ml.cli import main
main()
"""
FIRST_WORK_TARGET = "first work <= 1 s"


def run_once(command: list[str]) -> tuple[float, float | None, str]:
    """Seconds of one process from launch to exit, seconds to its first work (None if none), and its stderr."""
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    total = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    stamps = [float(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("FIRST_WORK ")]
    return total, (stamps[0] - start if stamps else None), done.stderr


def measure(command: list[str], runs: int) -> tuple[float, float | None]:
    """Median seconds to exit and to first work of `runs` processes (after one unmeasured warm-up run)."""
    run_once(command)  # warm-up: the page cache and the .pyc files, so every measured run starts alike
    totals, firsts = [], []
    for _ in range(runs):
        total, first, _ = run_once(command)
        totals.append(total)
        if first is not None:
            firsts.append(first)
    return statistics.median(totals), (statistics.median(firsts) if firsts else None)


def cli(*args: str) -> list[str]:
    """The command line that runs `denial-ml ARGS` with this interpreter."""
    return [sys.executable, "-m", "denial_ml.cli", *args]


def cli_first_work(root: Path, *args: str) -> list[str]:
    """The command line that runs `denial-ml ARGS` and reports its first work under `root`."""
    return [sys.executable, "-c", FIRST_WORK, str(root.resolve()), *args]


def prepare(root: Path, claims: int) -> dict[str, str]:
    """A small world folder, a claims store and an empty worklist database under `root`."""
    world, store, db = root / "world", root / "store", f"sqlite:///{root / 'worklist.db'}"
    run_once(cli("generate", "--claims", str(claims), "--out", str(world)))
    run_once(cli("generate", "--claims", str(claims), "--out", str(store), "--store"))
    run_once(cli("keys", "create", "--role", "biller", "--owner", "bench", "--db", db))  # creates the database
    return {"world": str(world), "store": str(store), "db": db, "report": str(root / "report.html")}


def print_row(name: str, total: float, first: float | None, target: str) -> None:
    """One line of the results table."""
    shown = "-" if first is None else f"{first:.3f}"
    print(f"{name:<44} {total:>8.3f} {shown:>12}   {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Measured processes per command (median).")
    parser.add_argument("--claims", type=int, default=1000, help="Claims of the small world and store.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_startup_") as folder:
        root = Path(folder).resolve()
        paths = prepare(root, args.claims)
        cases = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"], ""),
            ("denial-ml --help", cli("--help"), "<= 0.5 s"),
            ("denial-ml generate --help", cli("generate", "--help"), "<= 0.5 s"),
            (
                "denial-ml ingest --list --out STORE",
                cli_first_work(root, "ingest", "--list", "--out", paths["store"]),
                FIRST_WORK_TARGET,
            ),
            (
                "denial-ml worklist show (empty db)",
                cli_first_work(root, "worklist", "show", "--db", paths["db"]),
                FIRST_WORK_TARGET,
            ),
            (
                f"denial-ml report ({args.claims:,}-claim world)",
                cli_first_work(root, "report", "--data", paths["world"], "--out", paths["report"]),
                FIRST_WORK_TARGET,
            ),
        ]
        print(f"median of {args.runs} runs (seconds)")
        print(f"{'command':<44} {'to exit':>8} {'first work':>12}   target")
        figures = {}
        for name, command, target in cases:
            total, first = measure(command, args.runs)
            figures[name] = {"exit": round(total, 3), "first_work": None if first is None else round(first, 3)}
            print_row(name, total, first, target)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
