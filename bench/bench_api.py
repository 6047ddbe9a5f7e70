"""Benchmark: the scoring service over HTTP on loopback (targets: one claim at 200 requests/s for 30 s with p50 at
most 10 ms, p99 at most 30 ms and no errors; a batch of 1,000 claims in at most 300 ms).

Run by hand:  .venv/bin/python bench/bench_api.py [--model DIR --data DIR] [--rate 200] [--seconds 30]
                  [--batch 1000] [--batch-repeats 5] [--workers 1]

Starts `denial-ml serve` as its own process on a free 127.0.0.1 port (a fresh SQLite worklist with one biller
key), then drives it with an open-loop load generator: requests leave on a fixed schedule whatever the answers,
so a slow service is not hidden by a slowed generator. Latency is reported from the scheduled send time (what
a caller waits) and from the actual send. Without --model/--data a 30,000-claim world (seed 11) is generated
and trained into a temporary folder first. The generator shares the machine's cores with the service.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from denial_ml.service.testing import free_port
from denial_ml.service.validation import claims_payload
from denial_ml.store import WorklistStore


def prepare(model: Path | None, data: Path | None, tmp: Path) -> tuple[Path, Path]:
    """The bundle and world folders to use (generating and training a small pair when not given)."""
    if model is not None and data is not None:
        return model, data
    from denial_ml.data.io import write_tables
    from denial_ml.data.synthetic.world import generate_world
    from denial_ml.jobs.training import run_training

    print("no --model/--data: generating a 30,000-claim world (seed 11) and training a bundle ...", flush=True)
    tables = generate_world(30_000, seed=11)
    write_tables(tables, tmp / "world")
    result = run_training(tables, tmp / "models", name="bench-bundle")
    return result.bundle, tmp / "world"


def recent_claims(data: Path, n: int) -> list[dict]:
    """The world's `n` most recently submitted claims as API payloads."""
    claims = pd.read_parquet(data / "claims.parquet").sort_values(["submission_date", "claim_id"]).tail(n)
    lines = pd.read_parquet(data / "claim_lines.parquet", filters=[("claim_id", "in", list(claims["claim_id"]))])
    return claims_payload(claims, lines)


def start_service(bundle: Path, tmp: Path, workers: int) -> tuple[subprocess.Popen, str, str]:
    """Run `denial-ml serve` on a free port; return the process, its base URL and a biller key."""
    url = f"sqlite:///{tmp / 'worklist.db'}"
    store = WorklistStore(url)
    store.migrate()
    token = store.create_key("bench", "biller").token
    store.close()
    port = free_port()
    env = {**os.environ, "DENIAL_ML_WORKLIST_URL": url, "DENIAL_ML_API_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "denial_ml.cli", "serve", "--port", str(port), "--workers", str(workers)]
    log = (tmp / "service.log").open("w")
    process = subprocess.Popen([*command, "--model", str(bundle)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited (code {process.returncode}); see {tmp / 'service.log'}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return process, base, token
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("the service was not ready within 120 s")


async def open_loop(base: str, token: str, claims: list[dict], rate: float, seconds: float, connections: int) -> dict:
    """Send one claim per request at `rate` per second for `seconds` over `connections` keep-alive connections.

    Each sender takes the next slot of the schedule and waits for its time; when every sender is busy, the
    request leaves late and the wait counts in the latency from schedule. Requests still unsent or unanswered
    `seconds + 30` s after the start count as errors.
    """
    bodies = [{"claims": [c]} for c in claims]
    total = int(rate * seconds)
    from_schedule: list[float] = []
    from_send: list[float] = []
    errors = 0
    slots = iter(range(total))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": token}, limits=limits, timeout=30) as client:
        for i in range(20):  # warm-up (connections, first-call costs), not counted
            await client.post("/v1/claims/score", json=bodies[i % len(bodies)])
        start = time.perf_counter() + 0.1

        async def sender() -> None:
            nonlocal errors
            for i in slots:
                scheduled = start + i / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent = time.perf_counter()
                try:
                    response = await client.post("/v1/claims/score", json=bodies[i % len(bodies)])
                    ok = response.status_code == 200 and len(response.json()["scored"]) == 1
                except httpx.HTTPError:
                    ok = False
                done = time.perf_counter()
                errors += not ok
                from_schedule.append((done - scheduled) * 1000)
                from_send.append((done - sent) * 1000)

        tasks = [asyncio.create_task(sender()) for _ in range(connections)]
        finished, late = await asyncio.wait(tasks, timeout=seconds + 30)
        for task in late:
            task.cancel()
        elapsed = time.perf_counter() - start
    unanswered = total - len(from_schedule)
    return {
        "sent": total,
        "elapsed": elapsed,
        "errors": errors + unanswered,
        "schedule": from_schedule,
        "send": from_send,
    }


def time_batches(base: str, token: str, claims: list[dict], size: int, repeats: int) -> list[float]:
    """Wall ms of scoring `size` claims in one request, `repeats` times after one warm-up."""
    body = {"claims": claims[:size]}
    times = []
    with httpx.Client(base_url=base, headers={"X-API-Key": token}, timeout=120) as client:
        for i in range(repeats + 1):
            start = time.perf_counter()
            response = client.post("/v1/claims/score", json=body)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200 or len(response.json()["scored"]) != size:
                raise SystemExit(f"batch request failed: {response.status_code} {response.text[:300]}")
            if i:
                times.append(elapsed)
    return times


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process `pid` and its child processes (uvicorn workers)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentiles(values: list[float]) -> str:
    """p50 / p90 / p99 / max of latencies in ms."""
    if not values:
        return "no answers"
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return f"p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {max(values):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="Bundle folder (with --data; else one is trained).")
    parser.add_argument("--data", type=Path, help="World folder whose latest claims are sent.")
    parser.add_argument("--rate", type=float, default=200.0, help="Single-claim requests per second.")
    parser.add_argument("--seconds", type=float, default=30.0, help="Length of the open-loop run.")
    parser.add_argument("--batch", type=int, default=1000, help="Claims in one batch request.")
    parser.add_argument("--batch-repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="Service worker processes.")
    parser.add_argument("--connections", type=int, default=32, help="Keep-alive connections of the generator.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        tmp = Path(folder)
        bundle, data = prepare(args.model, args.data, tmp)
        claims = recent_claims(data, max(args.batch, 500))
        process, base, token = start_service(bundle, tmp, args.workers)
        try:
            print(f"load average before: {os.getloadavg()[0]:.2f}; service {base}, {args.workers} worker(s)")
            cpu = cpu_seconds(process.pid)
            run = asyncio.run(open_loop(base, token, claims[:500], args.rate, args.seconds, args.connections))
            cpu = cpu_seconds(process.pid) - cpu
            print(
                f"one claim, {args.rate:.0f}/s for {args.seconds:.0f} s: {len(run['send'])} of {run['sent']} "
                f"answered in {run['elapsed']:.1f} s ({len(run['send']) / run['elapsed']:.0f}/s), "
                f"{run['errors']} errors (failed or unanswered)"
            )
            print(f"  latency from schedule: {percentiles(run['schedule'])}")
            print(f"  latency from send:     {percentiles(run['send'])}")
            answered = max(len(run["send"]), 1)
            print(f"  service CPU: {cpu * 1000 / answered:.1f} ms per request (load-independent; 1 core = 1000 ms/s)")
            cpu = cpu_seconds(process.pid)
            batches = time_batches(base, token, claims, args.batch, args.batch_repeats)
            cpu = cpu_seconds(process.pid) - cpu
            print(
                f"batch of {args.batch:,} claims: median {statistics.median(batches):.0f} ms "
                f"(runs: {', '.join(f'{t:.0f}' for t in batches)}); service CPU "
                f"{cpu * 1000 / (len(batches) + 1):.0f} ms per batch"
            )
            print(f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
