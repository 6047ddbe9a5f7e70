"""Benchmark: the scoring service offered about twice what it can do (target: accepted requests keep a bounded
p99, at most 1 s from the send; the excess is shed with 503 + Retry-After, not queued).

Run by hand:  .venv/bin/python bench/bench_overload.py [--model DIR --data DIR] [--factor 2] [--seconds 10]
                  [--runs 3] [--workers 1] [--no-pin]

Starts `denial-ml serve` on a free 127.0.0.1 port (as bench_api.py does). With two or more cores the service is
pinned to core 0 and this generator to core 1, so the two do not take CPU from each other (other processes on
the machine still can: the load average is printed). The generator is a raw asyncio HTTP/1.1 client that sends
pre-built request bytes over keep-alive connections (httpx cost ~1 ms of CPU per request and slowed as its pool
grew: with it the generator, not the service, set the pace). Each run measures the service's capacity for
one-claim scoring requests with a closed loop (`--probe-connections` callers sending back to back), then offers
`--factor` times that rate open loop for `--seconds` over `--connections` connections. It reports the share
answered 200 and their latency (from the scheduled send, and from the actual send), the share shed with 503, the
rest as errors, and the CPU the service and the generator used. The last lines give the medians over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import cpu_seconds, percentiles, prepare, recent_claims, start_service  # noqa: E402 (a sibling)

PATH = "/v1/claims/score"


def request_bytes(host: str, token: str, body: dict) -> bytes:
    """One keep-alive POST of `body` to the scoring route, ready to write."""
    payload = json.dumps(body, separators=(",", ":")).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nhost: {host}\r\nx-api-key: {token}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


class Connection:
    """A keep-alive connection that sends pre-built requests one at a time and reads the status of each answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> tuple[int, str | None]:
        """Send `request`; its status and `Retry-After` (reconnecting first if the service closed the socket)."""
        if self.writer is None or self.reader is None or self.reader.at_eof():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        lines = head.split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.writer.close()
            self.reader = self.writer = None
        return int(lines[0].split()[1]), headers.get("retry-after")

    def close(self) -> None:
        """Close the socket."""
        if self.writer is not None:
            self.writer.close()


async def capacity(host: str, port: int, requests: list[bytes], seconds: float, connections: int) -> float:
    """One-claim requests per second the service answers 200 with `connections` callers sending back to back."""
    pool = [Connection(host, port) for _ in range(connections)]
    for i in range(20):  # warm-up: connections, first-call costs
        await pool[i % connections].send(requests[i % len(requests)])
    answered = 0
    stop = time.perf_counter() + seconds

    async def caller(k: int) -> None:
        nonlocal answered
        i = k
        while time.perf_counter() < stop:
            status, _ = await pool[k].send(requests[i % len(requests)])
            answered += status == 200
            i += connections

    started = time.perf_counter()
    await asyncio.gather(*(caller(k) for k in range(connections)))
    elapsed = time.perf_counter() - started
    for connection in pool:
        connection.close()
    return answered / elapsed


@dataclass
class Overload:
    """What one open-loop run saw."""

    offered: float
    total: int
    elapsed: float = 0.0
    from_schedule: list[float] = field(default_factory=list)  # ms, answered 200
    from_send: list[float] = field(default_factory=list)  # ms, answered 200
    shed_ms: list[float] = field(default_factory=list)  # ms from send, answered 503
    errors: int = 0
    retry_after: set[str] = field(default_factory=set)
    late_sends: int = 0  # requests that left more than 10 ms after their slot (generator out of connections)


async def overload(host: str, port: int, requests: list[bytes], rate: float, total: int, connections: int) -> Overload:
    """Send `total` one-claim requests at `rate` per second, open loop, over `connections` connections."""
    run = Overload(offered=rate, total=total)
    slots = iter(range(total))
    start = time.perf_counter() + 0.2

    async def sender() -> None:
        connection = Connection(host, port)
        for i in slots:
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.perf_counter()
            run.late_sends += sent - scheduled > 0.010
            try:
                status, retry_after = await connection.send(requests[i % len(requests)])
            except (OSError, asyncio.IncompleteReadError, ValueError):
                run.errors += 1
                connection = Connection(host, port)
                continue
            done = time.perf_counter()
            if status == 200:
                run.from_schedule.append((done - scheduled) * 1000)
                run.from_send.append((done - sent) * 1000)
            elif status == 503:
                run.shed_ms.append((done - sent) * 1000)
                run.retry_after.add(retry_after or "-")
            else:
                run.errors += 1
        connection.close()

    await asyncio.gather(*(sender() for _ in range(connections)))
    run.elapsed = time.perf_counter() - start
    return run


def pin(cpus: set[int]) -> None:
    """Run this process (and the children it starts from now on) on `cpus` only."""
    os.sched_setaffinity(0, cpus)


def report(run: Overload, factor: float, service_cpu: float, generator_cpu: float) -> dict[str, float]:
    """Print one run; return its headline figures."""
    n, shed = len(run.from_send), len(run.shed_ms)
    p99_send = float(np.percentile(run.from_send, 99)) if n else float("nan")
    p99_schedule = float(np.percentile(run.from_schedule, 99)) if n else float("nan")
    print(
        f"  offered {run.offered:.0f}/s ({factor:g}x) for {run.total / run.offered:.1f} s: {run.total} requests in "
        f"{run.elapsed:.1f} s; accepted {n} ({n / run.total:.1%}, {n / run.elapsed:.0f}/s), shed {shed} "
        f"({shed / run.total:.1%}, Retry-After {', '.join(sorted(run.retry_after)) or '-'}), errors {run.errors}, "
        f"sent late {run.late_sends}"
    )
    print(f"    accepted latency from schedule: {percentiles(run.from_schedule)}")
    print(f"    accepted latency from send:     {percentiles(run.from_send)}")
    print(f"    503 latency from send:          {percentiles(run.shed_ms)}")
    print(
        f"    CPU over the run: service {service_cpu / run.elapsed:.0%} of a core, "
        f"generator {generator_cpu / run.elapsed:.0%}"
    )
    return {
        "accepted_share": n / run.total,
        "accepted_rate": n / run.elapsed,
        "shed_share": shed / run.total,
        "p99_send": p99_send,
        "p99_schedule": p99_schedule,
        "p50_send": float(np.percentile(run.from_send, 50)) if n else float("nan"),
        "errors": run.errors,
        "service_cpu": service_cpu / run.elapsed,
    }


def one_run(pid: int, port: int, requests: list[bytes], args: argparse.Namespace) -> dict[str, float]:
    """Probe the capacity, then offer `factor` times it; print and return the figures."""
    load = os.getloadavg()[0]
    rate = asyncio.run(capacity("127.0.0.1", port, requests, args.probe_seconds, args.probe_connections))
    offered = rate * args.factor
    total = min(args.max_requests, int(offered * args.seconds))
    print(f"load average {load:.2f}; capacity (closed loop, {args.probe_connections} callers): {rate:.0f}/s")
    service, generator = cpu_seconds(pid), time.process_time()
    run = asyncio.run(overload("127.0.0.1", port, requests, offered, total, args.connections))
    figures = report(run, args.factor, cpu_seconds(pid) - service, time.process_time() - generator)
    return {"capacity": rate, "load": load, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="Bundle folder (with --data; else one is trained).")
    parser.add_argument("--data", type=Path, help="World folder whose latest claims are sent.")
    parser.add_argument("--factor", type=float, default=2.0, help="Offered rate as a multiple of capacity.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of each overload run.")
    parser.add_argument("--runs", type=int, default=3, help="Capacity probe + overload runs (medians reported).")
    parser.add_argument("--max-requests", type=int, default=20_000, help="Bound on requests of one overload run.")
    parser.add_argument("--probe-seconds", type=float, default=5.0)
    parser.add_argument("--probe-connections", type=int, default=8)
    parser.add_argument("--connections", type=int, default=256, help="Connections of the overload generator.")
    parser.add_argument("--workers", type=int, default=1, help="Service worker processes.")
    parser.add_argument("--no-pin", action="store_true", help="Do not pin service and generator to own cores.")
    args = parser.parse_args()
    pinned = not args.no_pin and len(os.sched_getaffinity(0)) >= 2
    with tempfile.TemporaryDirectory(prefix="bench-overload-") as folder:
        tmp = Path(folder)
        bundle, data = prepare(args.model, args.data, tmp)
        if pinned:
            pin({0})  # the service inherits core 0 (all its threads)
        process, base, token = start_service(bundle, tmp, args.workers)
        if pinned:
            pin({1})
        port = int(base.rsplit(":", 1)[1])
        requests = [request_bytes(f"127.0.0.1:{port}", token, {"claims": [c]}) for c in recent_claims(data, 500)]
        where = "service on core 0, generator on core 1" if pinned else "not pinned"
        print(f"service {base}, {args.workers} worker(s), {where}")
        try:
            runs = []
            for k in range(args.runs):
                print(f"run {k + 1} of {args.runs}:")
                runs.append(one_run(process.pid, port, requests, args))
        finally:
            process.terminate()
            process.wait(timeout=30)
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(
        f"median of {len(runs)} runs: load average {median['load']:.2f}; capacity {median['capacity']:.0f}/s; "
        f"accepted {median['accepted_share']:.1%} ({median['accepted_rate']:.0f}/s), shed {median['shed_share']:.1%}, "
        f"errors {median['errors']:.0f}; accepted p50 {median['p50_send']:.0f} ms, p99 {median['p99_send']:.0f} ms "
        f"from the send, p99 {median['p99_schedule']:.0f} ms from the schedule; service CPU "
        f"{median['service_cpu']:.0%} of a core"
    )


if __name__ == "__main__":
    main()
