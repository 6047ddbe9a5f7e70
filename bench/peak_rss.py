"""Peak memory of a command and of each process it starts (the Dask workers of a LocalCluster among them).

    python bench/peak_rss.py [--every 0.5] [--json FILE] -- denial-ml-command ...

Samples the resident set size of the command's process tree every `--every` seconds (psutil) and prints, when the
command ends, its time, the peak of the command's own process (the client), the peak of each process it started
(a Dask worker is a child running `multiprocessing.spawn`), and the peak of their sum at any one sample.

The command's stderr passes through, each line prefixed with the seconds since the start; a line starting with
`--phase` (default "training: ", what `train` prints as each step starts) begins a phase, and the figures give
each phase's start, client peak and largest worker peak: where the memory goes. CPU seconds (user + system) are
summed by kind of process (client, workers, other), overall and per phase: on a shared machine the wall time is
mostly waiting for a core, the CPU time is the work.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

GIB = 1 << 30
PROGRESS_SECONDS = 10


def label(process: psutil.Process, root: int) -> str:
    """What a sampled process is: the command itself, a Dask worker, or another helper process."""
    if process.pid == root:
        return "client"
    try:
        cmdline = " ".join(process.cmdline())
    except psutil.Error:
        return "other"
    return "worker" if "multiprocessing" in cmdline and "spawn" in cmdline else "other"


def sample(root: psutil.Process, cpu: dict[int, tuple[str, float]]) -> dict[int, tuple[str, int]]:
    """(label, RSS bytes) of the root and every descendant alive now; each one's CPU seconds so far into `cpu`
    (a process that has ended keeps its last reading there)."""
    out = {}
    for process in [root, *root.children(recursive=True)]:
        try:
            kind = label(process, root.pid)
            out[process.pid] = (kind, process.memory_info().rss)
            times = process.cpu_times()
            first = cpu.get(process.pid, (kind, 0.0))[0]
            cpu[process.pid] = (first if first != "other" else kind, times.user + times.system)
        except psutil.Error:
            continue
    return out


def cpu_by_kind(cpu: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds summed by kind of process (client, worker, other)."""
    out = {"client": 0.0, "worker": 0.0, "other": 0.0}
    for kind, seconds in cpu.values():
        out[kind] += seconds
    return out


def follow(stream, start: float, prefix: str, phases: list[dict]) -> None:
    """Echo the command's stderr with the seconds since `start`; a line starting with `prefix` opens a phase."""
    for line in iter(stream.readline, ""):
        elapsed = time.perf_counter() - start
        sys.stderr.write(f"[{elapsed:8.1f}s] {line}")
        if line.startswith(prefix):
            phases.append({"phase": line.strip()[len(prefix) :][:60], "start_s": round(elapsed, 1)})


def measure(command: list[str], every: float, progress: Path | None = None, prefix: str = "training: ") -> dict:
    """Run `command`, sampling its process tree until it ends (the figures so far written to `progress` every
    `PROGRESS_SECONDS`, so a run stopped early still tells its peaks)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, bufsize=1)
    phases: list[dict] = [{"phase": "start", "start_s": 0.0}]
    reader = threading.Thread(target=follow, args=(child.stderr, start, prefix, phases), daemon=True)
    reader.start()
    root = psutil.Process(child.pid)
    peaks: dict[int, tuple[str, int]] = {}
    cpu: dict[int, tuple[str, float]] = {}
    peak_total, written = 0, start
    while child.poll() is None:
        now = sample(root, cpu)
        peak_total = max(peak_total, sum(rss for _, rss in now.values()))
        phase, spent = phases[-1], cpu_by_kind(cpu)
        start_cpu = phase.setdefault("cpu_at_start", spent)
        phase["cpu_s"] = {k: round(spent[k] - start_cpu[k], 1) for k in spent}
        for kind, key in (("client", "client_gib"), ("worker", "worker_gib")):
            rss = max((r for k, r in now.values() if k == kind), default=0)
            phase[key] = max(phase.get(key, 0), round(rss / GIB, 3))
        for pid, (kind, rss) in now.items():
            first = peaks.get(pid, (kind, 0))  # a dying process's command line can no longer be read: keep its first
            peaks[pid] = (first[0] if first[0] != "other" else kind, max(rss, first[1]))
        if progress is not None and time.perf_counter() - written > PROGRESS_SECONDS:
            progress.write_text(
                json.dumps(figures(command, None, start, peaks, peak_total, cpu) | {"phases": phases}, indent=1)
            )
            written = time.perf_counter()
        time.sleep(every)
    reader.join(timeout=5)
    for phase in phases:
        phase.pop("cpu_at_start", None)
    return figures(command, child.returncode, start, peaks, peak_total, cpu) | {"phases": phases}


def figures(command: list[str], code: int | None, start: float, peaks: dict, peak_total: int, cpu: dict) -> dict:
    """The run's time and peaks (`returncode` None while it runs)."""
    return {
        "command": command,
        "returncode": code,
        "seconds": round(time.perf_counter() - start, 1),
        "client_gib": round(max((r for k, r in peaks.values() if k == "client"), default=0) / GIB, 3),
        "worker_gib": sorted((round(r / GIB, 3) for k, r in peaks.values() if k == "worker"), reverse=True),
        "other_gib": sorted((round(r / GIB, 3) for k, r in peaks.values() if k == "other"), reverse=True)[:4],
        "sum_gib": round(peak_total / GIB, 3),
        "cpu_s": {k: round(v, 1) for k, v in cpu_by_kind(cpu).items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--phase", default="training: ", help="stderr lines starting with this begin a phase")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    result = measure(command, args.every, args.json, args.phase)
    text = json.dumps(result, indent=1)
    print(text, file=sys.stderr)
    if args.json:
        args.json.write_text(text)
    sys.exit(result["returncode"])


if __name__ == "__main__":
    main()
