"""The 10M-claim run (issue #20): generate, train, score, report and the worklist, each step's time and peak memory.

    python bench/bench_10m.py --claims 10000000 --out /tmp/b10m [--parts 20] [--workers 2] [--steps ...]

Generate: this branch has no partitioned `generate --engine dask`, so the world is made of `--parts` sub-worlds of
the existing generator (seeds `--seed`, `--seed`+1, ...; each in its own process, so its memory is one
sub-world's), their ids made distinct (a sub-world's prefix on claim, patient, member, remittance, authorization
and line-control ids) and each table streamed into one Parquet file a row group per sub-world (a sub-world's
patients are all its own, so the parts stay independent worlds of the same payers). Train runs with `--engine
dask` on a LocalCluster of `--workers` processes; score, report, triage and worklist run as their commands do
here (with `--engine dask` when the command offers it). Every step runs under `bench/peak_rss.py`: the table gives
the peak of the command's own process, of its largest worker and of the sum.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
CLI = [sys.executable, "-m", "denial_ml.cli"]
ID_COLUMNS = {
    "claim_id",
    "original_claim_id",
    "patient_id",
    "member_id",
    "remit_id",
    "payer_claim_id",
    "auth_number",
    "prior_auth_number",
    "line_control_number",
    "appeal_id",
    "event_id",
    "set_id",
    "trace_number",
    "response_id",
}
SHARED_TABLES = {"payers", "payer_contacts"}  # the same in every sub-world: taken from the first
STEPS = ("generate", "train", "score", "report", "triage", "worklist")


def run_step(name: str, command: list[str], out: Path) -> dict:
    """One step under `peak_rss.py`; its figures."""
    figures = out / f"step-{name}.json"
    log = out / f"step-{name}.log"
    with open(log, "w") as handle:
        code = subprocess.call(
            [sys.executable, str(HERE / "peak_rss.py"), "--json", str(figures), "--", *command],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    result = json.loads(figures.read_text()) if figures.exists() else {"seconds": None}
    return {"step": name, "returncode": code, **result}


def generate_parts(claims: int, parts: int, seed: int, out: Path) -> list[Path]:
    """`parts` sub-worlds of the existing generator, each written by its own process."""
    folders = []
    for k in range(parts):
        folder = out / "sub" / f"{k:03d}"
        if not (folder / "claims.parquet").exists():
            subprocess.check_call(
                [*CLI, "generate", "--claims", str(claims // parts), "--seed", str(seed + k), "--out", str(folder)],
                stdout=subprocess.DEVNULL,
            )
        folders.append(folder)
    return folders


def prefixed(table: pa.Table, tag: str) -> pa.Table:
    """The table with the sub-world's tag before every id (nulls stay null)."""
    for i, name in enumerate(table.column_names):
        kind = table.schema.field(name).type
        if name in ID_COLUMNS and (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            joined = pc.binary_join_element_wise(pa.scalar(tag, kind), table[name], pa.scalar("", kind))
            table = table.set_column(i, name, joined)
    return table


def merge_parts(folders: list[Path], world: Path) -> None:
    """Each table of the sub-worlds streamed into one Parquet file, one row group per sub-world."""
    world.mkdir(parents=True, exist_ok=True)
    for path in sorted(folders[0].glob("*.parquet")):
        sources = folders[:1] if path.stem in SHARED_TABLES else folders
        writer = None
        seen_npis: set[str] = set()
        for k, folder in enumerate(sources):
            table = prefixed(pq.read_table(folder / path.name), f"S{k:03d}-")
            if path.stem == "providers":  # the same provider can appear in two sub-worlds: keep it once
                npis = table["provider_npi"].to_pylist()
                keep = [n not in seen_npis for n in npis]
                seen_npis.update(npis)
                table = table.filter(pa.array(keep))
            if writer is None:
                writer = pq.ParquetWriter(world / path.name, table.schema)
            writer.write_table(table.cast(writer.schema))
        if writer is not None:
            writer.close()


def offers_engine(command: list[str]) -> bool:
    """Whether a command of this branch has an `--engine` option."""
    text = subprocess.run([*CLI, *command, "--help"], capture_output=True, text=True).stdout
    return "--engine" in text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=10_000_000)
    parser.add_argument("--parts", type=int, default=0, help="sub-worlds (default: one per 500,000 claims)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="6GiB", help="per worker")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    args = parser.parse_args()
    out, world = args.out, args.out / "world"
    out.mkdir(parents=True, exist_ok=True)
    os.environ |= {"DENIAL_ML_DASK_WORKERS": str(args.workers), "DENIAL_ML_DASK_MEMORY_LIMIT": args.memory_limit}
    os.environ["DENIAL_ML_WORKLIST_URL"] = f"sqlite:///{out / 'worklist.db'}"
    rows = []
    if "generate" in args.steps:
        start = time.perf_counter()
        parts = args.parts or max(1, -(-args.claims // 500_000))
        merge_parts(generate_parts(args.claims, parts, args.seed, out), world)
        rows.append({"step": f"generate ({parts} sub-worlds + merge)", "seconds": round(time.perf_counter() - start)})
    commands = {
        "train": ["train", "--data", str(world), "--out", str(out / "models"), "--no-mlflow", "--engine", "dask"],
        "score": ["score", "--model", str(out / "models" / "denial-risk"), "--claims", str(world)]
        + ["--out", str(out / "scored.parquet")],
        "report": ["report", "--data", str(world), "--out", str(out / "report.html")],
        "triage": ["triage", "train", "--data", str(world), "--out", str(out / "models" / "triage")],
        "worklist": ["worklist", "build", "--data", str(world), "--model", str(out / "models" / "triage")],
    }
    for step in STEPS[1:]:
        if step in args.steps:
            command = commands[step]
            words = 2 if command[0] in ("triage", "worklist") else 1
            if "--engine" not in command and offers_engine(command[:words]):
                command = [*command, "--engine", "dask"]
            name = " ".join(command[:words]) + (" (dask)" if "dask" in command else "")
            rows.append(run_step(step, [*CLI, *command], out) | {"step": name})
    print_table(rows, args.claims)
    (out / "bench.json").write_text(json.dumps(rows, indent=1))


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
