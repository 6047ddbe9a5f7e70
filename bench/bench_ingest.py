"""Benchmark: 835 ingest into a claims store - throughput (MB/s, one core), peak memory, start-up.

Builds large 835s by replicating the claim loops (CLP...) of real files from ../shared/data/x12/835 with
fresh claim ids, in transaction sets of 2,000 claims (one interchange), then per size and run ingests the
file into a fresh claims store in a fresh process (`run_ingest`: read, envelope, mapping, validation,
spool, matching, Parquet parts, commit) and reports its wall and CPU time and its peak RSS
(`resource.getrusage`, the child's own maximum). The ceiling of pure-Python reading is shown beside it:
the same file only split into segments, and split + envelope checks (no mapping). Start-up is the time from
launching `denial-ml ingest FILE --out STORE` to the first open of FILE (an audit hook, as in
bench_startup.py), for a small real 835. Figures are medians of --runs.

Run: .venv/bin/python bench/bench_ingest.py --mb 40 --mb 400 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

SOURCES = (
    "pyx12__835_mult_loops.txt",
    "lfh__managed-care.835",
    "affect__nevada_medicaid.txt",
    "lfh__secondary-payment.835",
    "pyx12__835_4010_reversal.txt",
)
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "x12" / "835"
ISA = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *250301*1200*^*00501*000000001*0*P*:~\n"
HEADER = (
    "BPR*I*1000*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999988880*DA*98765*20250320~\n"
    "TRN*1*12345*1512345678~\nDTM*405*20250318~\nN1*PR*PAYER~\nN1*PE*CLINIC*XX*1234567893~\nLX*1~\n"
)

# One measured ingest in a fresh process: JSON with wall, CPU, peak RSS and the rows added.
CHILD = """
import json, resource, sys, time
from pathlib import Path
start, start_cpu = time.perf_counter(), time.process_time()
from denial_ml.jobs.ingest import run_ingest
outcome = run_ingest([Path(sys.argv[1])], Path(sys.argv[2]))
wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak, "added": outcome.added}))
"""

# The reading ceiling: split only, then split + envelope, CPU seconds.
CEILING = """
import json, sys, time
from pathlib import Path
from denial_ml.ingest.envelope import EnvelopeReader
from denial_ml.ingest.stream import read_segments, scan_file
from denial_ml.ingest.tokens import paused_gc
class Count:
    count = 0
    def add(self, ts): self.count += 1
    def checkpoint(self): return self.count
    def rollback(self, token): self.count = token
path = Path(sys.argv[1])
with paused_gc():
    start = time.process_time()
    scan = scan_file(path)
    chunks = read_segments(path, scan, "bench")
    element = next(chunks).delimiters.element
    for raws in chunks:
        for raw in raws:
            raw.split(element)
    split = time.process_time() - start
    start = time.process_time()
    scan = scan_file(path)
    chunks = read_segments(path, scan, "bench")
    reader = EnvelopeReader("bench", next(chunks), Count())
    for raws in chunks:
        reader.feed(raws)
    reader.finish()
    envelope = time.process_time() - start
print(json.dumps({"split": split, "envelope": envelope}))
"""

FIRST_OPEN = """
import os, sys, time
target, argv = os.path.abspath(sys.argv[1]), sys.argv[2:]
seen = []
def hook(event, args):
    if not seen and event == "open" and isinstance(args[0], str) and os.path.abspath(args[0]) == target:
        seen.append(1)
        print(f"FIRST_OPEN {time.monotonic()}", file=sys.stderr)
sys.addaudithook(hook)
sys.argv = ["denial-ml", *argv]
from denial_ml.cli import main
main()
"""


def claim_loops() -> list[list[str]]:
    """The CLP loops of the source files, as lists of segment texts (':' as component separator)."""
    loops = []
    for name in SOURCES:
        text = (SHARED / name).read_text().replace("\n", "").replace("\r", "")
        current: list[str] | None = None
        for segment in text.split("~"):
            tag = segment.split("*", 1)[0]
            if tag == "CLP":
                current = [segment]
                loops.append(current)
            elif tag in ("SE", "PLB", "LX", "TS3", "TS2"):
                current = None
            elif current is not None:
                current.append(segment.replace(">", ":"))
    return loops


def build(target_mb: float, out: TextIO) -> None:
    """Write an 835 interchange of about `target_mb` megabytes to `out`, a transaction set at a time."""
    loops, size, n, sets = claim_loops(), 0, 0, 0
    out.write(ISA + "GS*HP*PAYER*PROVIDER*20250320*1200*1*X*005010X221A1~\n")
    while size < target_mb * 1e6:
        sets += 1
        body = [f"ST*835*{sets:04d}*005010X221A1~\n", HEADER]
        for _ in range(2000):
            loop = loops[n % len(loops)]
            n += 1
            clp = loop[0].split("*")
            clp[1] = f"B{n:09d}"
            body.append("*".join(clp) + "~\n" + "".join(s + "~\n" for s in loop[1:]))
        count = sum(chunk.count("~") for chunk in body) + 1
        body.append(f"SE*{count}*{sets:04d}~\n")
        text = "".join(body)
        out.write(text)
        size += len(text)
    out.write(f"GE*{sets}*1~\nIEA*1*000000001~\n")


def child(script: str, *args: str) -> dict:
    """Run a measuring script in a fresh interpreter; its last stdout line is JSON."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode not in (0, 3):
        raise SystemExit(f"child failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_size(path: Path, folder: Path, runs: int) -> dict:
    """Median wall, CPU and peak RSS of `runs` ingests of `path`, each into a fresh store."""
    results = []
    for run in range(runs):
        store = folder / f"store-{path.stem}-{run}"
        results.append(child(CHILD, str(path), str(store)))
        shutil.rmtree(store)
    ceiling = child(CEILING, str(path))
    return {
        "mb": path.stat().st_size / 1e6,
        "wall": statistics.median(r["wall"] for r in results),
        "cpu": statistics.median(r["cpu"] for r in results),
        "peak": statistics.median(r["peak"] for r in results),
        "runs": [(round(r["wall"], 1), round(r["cpu"], 1), round(r["peak"] / 2**20)) for r in results],
        "added": results[-1]["added"],
        **ceiling,
    }


def measure_startup(folder: Path, runs: int) -> float:
    """Median seconds from launching `denial-ml ingest` to its first open of the X12 file."""
    source = folder / "startup.835"
    shutil.copy(SHARED / "lfh__managed-care.835", source)
    times = []
    for run in range(runs + 1):  # the first run warms the page cache and the .pyc files
        store = folder / f"startup-store-{run}"
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", FIRST_OPEN, str(source), "ingest", str(source), "--out", str(store)],
            capture_output=True,
            text=True,
            check=False,
        )
        stamps = [float(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("FIRST_OPEN ")]
        if not stamps:
            raise SystemExit(f"ingest never opened the file:\n{done.stderr[-2000:]}")
        if run:
            times.append(stamps[0] - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, action="append", help="file size (repeat: --mb 40 --mb 400)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--startup-runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as name:
        folder = Path(name)
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for mb in args.mb or [40.0]:
            path = folder / f"big-{mb:g}.835"
            with open(path, "w") as handle:
                build(mb, handle)
            r = measure_size(path, folder, args.runs)
            print(
                f"{r['mb']:.0f} MB 835 ({r['added'].get('remittances', 0):,} claims): "
                f"CPU {r['cpu']:.1f} s -> {r['mb'] / r['cpu']:.1f} MB/s, wall {r['wall']:.1f} s -> "
                f"{r['mb'] / r['wall']:.1f} MB/s, peak RSS {r['peak'] / 2**20:.0f} MiB; "
                f"runs (wall s, CPU s, MiB) {r['runs']}"
            )
            print(
                f"  ceiling without mapping (CPU): split into segments {r['mb'] / r['split']:.0f} MB/s, "
                f"split + envelope {r['mb'] / r['envelope']:.0f} MB/s"
            )
            path.unlink()
        startup = measure_startup(folder, args.startup_runs)
        print(f"start-up: `denial-ml ingest` opens its file {startup:.2f} s after launch (median)")
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
