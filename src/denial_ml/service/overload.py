"""Load shedding: requests that would wait too long are answered 503 at once, with `Retry-After`.

Without it, a service offered more than it can do queues every request (one worker offered 400/s against a
capacity of ~320/s: p99 20 s, no error). Two signals bound the wait:
- requests in flight (from headers to the end of the response) above `max_in_flight`: work handed to threads,
  or bodies still arriving;
- the event loop's lag above `max_queue_seconds`: small scoring requests run on the loop itself, so under
  overload they wait as tasks not yet started, where no counter sees them; a heartbeat due every 10 ms measures
  that wait. Two readings of it: how late the pending beat is right now (`LoopLag.behind`), which bounds the
  run of requests the loop takes back to back (the recorded lag arrives only after that run: with it alone, one
  worker at twice its capacity kept accepting whole runs, p99 437 ms from the send); and the lag the last beat
  recorded, when more than one request started during it (one slow request makes a beat late too, with nobody
  waiting behind it).
Refusing costs a fraction of a millisecond, so the queue drains and accepted requests keep their latency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from starlette.types import ASGIApp, Receive, Scope, Send

from denial_ml.service.limits import send_json

# Probes and scrapes stay answerable under load: an orchestrator must see the process alive and busy.
EXEMPT = ("/health/live", "/health/ready", "/metrics")
HEARTBEAT_SECONDS = 0.01


class LoopLag:
    """How late the event loop runs a callback due now, and how many requests started meanwhile."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.arrivals = 0  # requests started since the last beat (counted by the middleware)
        self.queued = 0  # requests started during the last beat's wait
        self.due: float | None = None  # loop time the pending beat is due at
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start measuring on the running loop (once; the first request calls it, nothing runs at import)."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._beat())

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.due = loop.time() + HEARTBEAT_SECONDS
            await asyncio.sleep(HEARTBEAT_SECONDS)
            self.seconds, self.queued, self.arrivals = max(0.0, loop.time() - self.due), self.arrivals, 0

    def behind(self) -> float:
        """How late the loop is right now: seconds since the pending beat was due (0 while it is not yet due)."""
        if self.due is None:
            return 0.0
        return max(0.0, asyncio.get_running_loop().time() - self.due)


class LoadSheddingMiddleware:
    """Answer 503 (with `Retry-After`) while too many requests are in flight or the loop lags too far behind.

    Args:
        app: The wrapped application.
        max_in_flight: Requests handled at once (per worker process).
        max_queue_seconds: Loop lag above which new requests are refused.
        retry_after_seconds: The `Retry-After` of a 503.
        exempt: Paths never shed.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_in_flight: int,
        max_queue_seconds: float,
        retry_after_seconds: int,
        exempt: Collection[str] = EXEMPT,
    ) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_queue_seconds = max_queue_seconds
        self.retry_after = str(retry_after_seconds)
        self.exempt = frozenset(exempt)
        self.in_flight = 0  # one event loop per process: no lock needed between awaits
        self.lag = LoopLag()

    def busy(self) -> bool:
        """Whether a new request should be refused now."""
        backlog = self.lag.seconds > self.max_queue_seconds and self.lag.queued > 1
        return self.in_flight >= self.max_in_flight or backlog or self.lag.behind() > self.max_queue_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        self.lag.start()
        self.lag.arrivals += 1
        if self.busy():
            detail = f"the service is busy; retry after {self.retry_after} s"
            await send_json(send, 503, detail, headers={"retry-after": self.retry_after})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
