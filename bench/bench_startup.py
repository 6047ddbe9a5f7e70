"""Benchmark: CLI start-up, `denial-ml --help` and the time until a command starts its real work.

Run by hand:  .venv/bin/python bench/bench_startup.py --runs 7
Targets (issues #17, #20): `denial-ml --help` <= 0.5 s; a command's first real work <= 1 s after start.

Each figure is the median of --runs fresh processes, next to `python -c pass` measured in the same run.
"First work" is when the command first opens a file of the bench's own folder (the store's manifest, the
world's Parquet tables) or connects to its SQLite database, seen by an audit hook (PEP 578) in the child and
stamped with the system-wide monotonic clock; the whole command's time is printed beside it. Parquet tables
are read by pyarrow's own C++ file layer, which raises no audit event, so the child also stamps the first call
of `pyarrow.parquet.read_table` (what `pandas.read_parquet` calls) on a path under the folder. Beside each wall
figure is the CPU time the process had used by then (user + system): on a shared machine the wall time carries
the other processes' load, the CPU time hardly does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Runs the CLI as the console script does (`denial_ml.cli:main`), with an audit hook that prints the monotonic
# time of the first file opened under ROOT (or the first SQLite connection) to stderr; a finder wraps
# pyarrow.parquet.read_table once that module has loaded, for the Parquet reads the audit hook cannot see.
FIRST_WORK = """
import importlib.abc, importlib.util, os, sys, time
root, argv = sys.argv[1], sys.argv[2:]
seen = []
def stamp():
    if not seen:
        seen.append(1)
        print(f"FIRST_WORK {time.monotonic()} {time.process_time()}", file=sys.stderr)
def under_root(path):
    return isinstance(path, (str, os.PathLike)) and os.path.abspath(os.fspath(path)).startswith(root)
def hook(event, args):
    if (event == "open" and under_root(args[0])) or event == "sqlite3.connect":
        stamp()
class ParquetWatch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "pyarrow.parquet":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            real = module.read_table
            def read_table(source, *args, **kwargs):
                if under_root(source):
                    stamp()
                return real(source, *args, **kwargs)
            module.read_table = read_table
        spec.loader.exec_module = exec_module
        return spec
sys.addaudithook(hook)
sys.meta_path.insert(0, ParquetWatch())
sys.argv = ["denial-ml", *argv]
from denial_ml.cli import main
main()
"""
FIRST_WORK_TARGET = "first work <= 1 s"


@dataclass
class Run:
    """One process: wall seconds to exit and to first work, and the CPU seconds it used for each."""

    total: float
    first: float | None
    cpu_total: float
    cpu_first: float | None


def run_once(command: list[str]) -> Run:
    """Run one process; its wall and CPU seconds to exit and to its first work (None if it did none)."""
    start, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    total, after = time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stamps = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("FIRST_WORK ")]
    if not stamps:
        return Run(total, None, cpu, None)
    return Run(total, float(stamps[0][0]) - start, cpu, float(stamps[0][1]))


def median_or_none(values: list[float | None]) -> float | None:
    """The median of the values that are not None (None when all are)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def measure(command: list[str], runs: int) -> dict[str, float | None]:
    """Medians over `runs` processes (after one unmeasured warm-up run): wall and CPU seconds to exit and to
    first work. On a shared machine the wall figures carry the other processes' load; the CPU ones do not."""
    run_once(command)  # warm-up: the page cache and the .pyc files, so every measured run starts alike
    done = [run_once(command) for _ in range(runs)]
    return {
        "exit": statistics.median(r.total for r in done),
        "first_work": median_or_none([r.first for r in done]),
        "cpu_exit": statistics.median(r.cpu_total for r in done),
        "cpu_first_work": median_or_none([r.cpu_first for r in done]),
    }


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


def print_row(name: str, figures: dict[str, float | None], target: str) -> None:
    """One line of the results table."""
    keys = ("exit", "first_work", "cpu_exit", "cpu_first_work")
    shown = ["-" if figures[k] is None else f"{figures[k]:.3f}" for k in keys]
    print(f"{name:<44} {shown[0]:>8} {shown[1]:>10} {shown[2]:>8} {shown[3]:>10}   {target}")


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
        print(f"median of {args.runs} runs (seconds; wall, then CPU of the process); load {os.getloadavg()[0]:.1f}")
        print(f"{'command':<44} {'to exit':>8} {'first work':>10} {'CPU exit':>8} {'CPU first':>10}   target")
        figures = {}
        for name, command, target in cases:
            figures[name] = {k: (None if v is None else round(v, 3)) for k, v in measure(command, args.runs).items()}
            print_row(name, figures[name], target)
    print(f"load average at the end {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
