"""Benchmark: the scoring service offered about twice what it can do (target: accepted requests keep a p99 near
their unloaded latency; the excess is shed with 503 + Retry-After, not queued).

Run by hand:  .venv/bin/python bench/bench_overload.py [--model DIR --data DIR] [--factor 2] [--seconds 15]
                  [--max-requests 20000] [--workers 1]

Starts `denial-ml serve` on a free 127.0.0.1 port (as bench_api.py does), measures its capacity for one-claim
scoring requests with a closed loop (`--probe-seconds`, `--probe-connections` callers sending back to back), then
offers `--factor` times that rate open-loop for `--seconds` (at most `--max-requests` requests) over enough
connections that the generator itself never queues. Reports the share answered 200 and their latency (from the
scheduled send, what a caller waits), the share shed with 503, and anything else as errors. The generator shares
the machine's cores with the service, so capacity is that of the service beside its own load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import percentiles, prepare, recent_claims, start_service  # noqa: E402 (a sibling script)


async def capacity(base: str, token: str, bodies: list[dict], seconds: float, connections: int) -> float:
    """One-claim requests per second the service answers with `connections` callers sending back to back."""
    answered = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": token}, limits=limits, timeout=30) as client:
        for i in range(20):  # warm-up
            await client.post("/v1/claims/score", json=bodies[i % len(bodies)])
        stop = time.perf_counter() + seconds

        async def caller(offset: int) -> None:
            nonlocal answered
            i = offset
            while time.perf_counter() < stop:
                response = await client.post("/v1/claims/score", json=bodies[i % len(bodies)])
                answered += response.status_code == 200
                i += connections

        started = time.perf_counter()
        await asyncio.gather(*(caller(k) for k in range(connections)))
        return answered / (time.perf_counter() - started)


async def overload(base: str, token: str, bodies: list[dict], rate: float, total: int, connections: int) -> dict:
    """Send `total` one-claim requests at `rate` per second, open loop; latencies of 200s, counts of the rest."""
    accepted: list[float] = []
    sent_to_answer: list[float] = []
    shed = errors = 0
    retry_after: set[str] = set()
    slots = iter(range(total))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": token}, limits=limits, timeout=60) as client:
        start = time.perf_counter() + 0.2

        async def sender() -> None:
            nonlocal shed, errors
            for i in slots:
                scheduled = start + i / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent = time.perf_counter()
                try:
                    response = await client.post("/v1/claims/score", json=bodies[i % len(bodies)])
                except httpx.HTTPError:
                    errors += 1
                    continue
                if response.status_code == 200:
                    accepted.append((time.perf_counter() - scheduled) * 1000)
                    sent_to_answer.append((time.perf_counter() - sent) * 1000)
                elif response.status_code == 503:
                    shed += 1
                    retry_after.add(response.headers.get("retry-after", "-"))
                else:
                    errors += 1

        await asyncio.gather(*(sender() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    return {
        "accepted": accepted,
        "from_send": sent_to_answer,
        "shed": shed,
        "errors": errors,
        "elapsed": elapsed,
        "retry_after": retry_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="Bundle folder (with --data; else one is trained).")
    parser.add_argument("--data", type=Path, help="World folder whose latest claims are sent.")
    parser.add_argument("--factor", type=float, default=2.0, help="Offered rate as a multiple of capacity.")
    parser.add_argument("--seconds", type=float, default=15.0, help="Length of the overload run.")
    parser.add_argument("--max-requests", type=int, default=20_000, help="Bound on requests of the overload run.")
    parser.add_argument("--probe-seconds", type=float, default=5.0)
    parser.add_argument("--probe-connections", type=int, default=8)
    parser.add_argument("--connections", type=int, default=256, help="Connections of the overload generator.")
    parser.add_argument("--workers", type=int, default=1, help="Service worker processes.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-overload-") as folder:
        tmp = Path(folder)
        bundle, data = prepare(args.model, args.data, tmp)
        bodies = [{"claims": [c]} for c in recent_claims(data, 500)]
        process, base, token = start_service(bundle, tmp, args.workers)
        try:
            print(f"load average before: {os.getloadavg()[0]:.2f}; service {base}, {args.workers} worker(s)")
            rate = asyncio.run(capacity(base, token, bodies, args.probe_seconds, args.probe_connections))
            offered = rate * args.factor
            total = min(args.max_requests, int(offered * args.seconds))
            print(f"capacity (closed loop, {args.probe_connections} callers): {rate:.0f} requests/s")
            run = asyncio.run(overload(base, token, bodies, offered, total, args.connections))
            n = len(run["accepted"])
            print(
                f"offered {offered:.0f}/s ({args.factor:g}x) for {total / offered:.1f} s: {total} requests; "
                f"accepted {n} ({n / total:.1%}, {n / run['elapsed']:.0f}/s), shed {run['shed']} "
                f"({run['shed'] / total:.1%}, Retry-After {', '.join(sorted(run['retry_after'])) or '-'}), "
                f"errors {run['errors']}"
            )
            print(f"  accepted latency from schedule: {percentiles(run['accepted'])}")
            print(f"  accepted latency from send:     {percentiles(run['from_send'])}")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
