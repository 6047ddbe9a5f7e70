"""Benchmark: 835 ingest throughput (MB/s, one core).

Builds a large 835 by replicating the claim loops (CLP...) of real files from ../shared/data/x12/835 with
fresh claim ids, in transaction sets of 2,000 claims, then times `read_x12_file` (tokenise, envelope checks,
mapping, frames, schema validation) - the whole path short of writing Parquet.

Run: .venv/bin/python bench/bench_ingest.py [--mb 40] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from denial_ml.ingest.files import read_x12_file

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


def build(target_mb: float) -> str:
    """An 835 interchange of about `target_mb` megabytes."""
    loops, parts, size, n, sets = (
        claim_loops(),
        [ISA, "GS*HP*PAYER*PROVIDER*20250320*1200*1*X*005010X221A1~\n"],
        0,
        0,
        0,
    )
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
        parts.append(text)
        size += len(text)
    parts.append(f"GE*{sets}*1~\nIEA*1*000000001~\n")
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=40.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.835"
        path.write_text(build(args.mb))
        mb = path.stat().st_size / 1e6
        seconds, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = read_x12_file(path)
            seconds.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        tables = result.tables
        median = statistics.median(seconds)
        print(
            f"file {mb:.1f} MB: {len(tables['remittances']):,} claims, {len(tables['remittance_lines']):,} "
            f"lines, {len(tables['adjustments']):,} adjustments, {len(result.issues)} issues"
        )
        print(f"runs (s): {', '.join(f'{s:.2f}' for s in seconds)}")
        median_cpu = statistics.median(cpu)
        print(
            f"median wall {median:.2f} s -> {mb / median:.1f} MB/s; median CPU {median_cpu:.2f} s -> "
            f"{mb / median_cpu:.1f} MB/s on one core"
        )


if __name__ == "__main__":
    main()
