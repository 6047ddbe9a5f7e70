"""Request ids, the access log line and Prometheus metrics (a small text-format registry, no dependency).

Logs never carry request or response bodies, query values or exception messages (which may quote claim data):
an unexpected error is logged as its type and stack frames only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
import uuid
from collections import defaultdict
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("denial_ml.api.access")
error_log = logging.getLogger("denial_ml.api.errors")

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Label values come from closed sets: a client inventing methods or paths must not grow /metrics without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
UNMATCHED = "unmatched"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` (the current request's id, "-" outside a request) for log formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def logging_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn and the service: one line per record with the request id."""
    fmt = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
    handler = {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"plain": {"format": fmt}},
        "handlers": {"stderr": {**handler, "stream": "ext://sys.stderr"}},
        "loggers": {
            "denial_ml": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


class Metrics:
    """Request counts and latencies by route, scores served, claims refused and the model version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)
        self.scored = 0
        self.rejected = 0
        self.reloads: dict[str, int] = defaultdict(int)
        self.model_version: str | None = None

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its latency (an unknown method counts as "other")."""
        method = method if method in METHODS else OTHER_METHOD
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            key = (method, route)
            buckets = self.buckets[key]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self.sums[key] += seconds
            self.counts[key] += 1

    def count_scores(self, scored: int, rejected: int) -> None:
        """Count claims scored and claims refused."""
        with self._lock:
            self.scored += scored
            self.rejected += rejected

    def count_reload(self, result: str) -> None:
        """Count a model reload ("ok" or "refused")."""
        with self._lock:
            self.reloads[result] += 1

    def render(self) -> str:
        """Everything in the Prometheus text exposition format (version 0.0.4)."""
        out: list[str] = []
        with self._lock:
            out += [
                "# HELP denial_ml_http_requests_total HTTP requests by route and status.",
                "# TYPE denial_ml_http_requests_total counter",
            ]
            for (method, route, status), n in sorted(self.requests.items()):
                out.append(f"denial_ml_http_requests_total{_labels(method=method, route=route, status=status)} {n}")
            name = "denial_ml_http_request_duration_seconds"
            out += [f"# HELP {name} Time from request to response, by route.", f"# TYPE {name} histogram"]
            for (method, route), buckets in sorted(self.buckets.items()):
                for bound, n in zip(BUCKETS, buckets, strict=True):
                    out.append(f"{name}_bucket{_labels(method=method, route=route, le=str(bound))} {n}")
                out.append(
                    f"{name}_bucket{_labels(method=method, route=route, le='+Inf')} {self.counts[(method, route)]}"
                )
                out.append(f"{name}_sum{_labels(method=method, route=route)} {self.sums[(method, route)]:.6f}")
                out.append(f"{name}_count{_labels(method=method, route=route)} {self.counts[(method, route)]}")
            out += [
                "# HELP denial_ml_claims_scored_total Claims scored.",
                "# TYPE denial_ml_claims_scored_total counter",
                f"denial_ml_claims_scored_total {self.scored}",
                "# HELP denial_ml_claims_rejected_total Claims refused for invalid fields.",
                "# TYPE denial_ml_claims_rejected_total counter",
                f"denial_ml_claims_rejected_total {self.rejected}",
                "# HELP denial_ml_model_reloads_total Model reloads by result.",
                "# TYPE denial_ml_model_reloads_total counter",
            ]
            for result, n in sorted(self.reloads.items()):
                out.append(f"denial_ml_model_reloads_total{_labels(result=result)} {n}")
            out += ["# HELP denial_ml_model_info The model version being served.", "# TYPE denial_ml_model_info gauge"]
            if self.model_version:
                out.append(f"denial_ml_model_info{_labels(version=self.model_version)} 1")
        return "\n".join(out) + "\n"


def _metrics_of(scope: Scope) -> Metrics | None:
    # The app's services (and their metrics) exist only once the lifespan has opened them.
    services = getattr(scope["app"].state, "services", None) if "app" in scope else None
    return getattr(services, "metrics", None)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


class RequestContextMiddleware:
    """Gives each request an id (the caller's `X-Request-ID` when well formed), echoes it in the response,
    logs one access line, records metrics, and turns an unexpected error into a 500 without logging its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        started, status, sent = time.perf_counter(), 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status, sent = message["status"], True
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # anything a handler did not turn into a response
            frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
            error_log.error("unexpected %s in %s %s\n%s", type(exc).__name__, scope["method"], _route_of(scope), frames)
            if not sent:
                await _send_500(send_with_id, request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            metrics = _metrics_of(scope)
            if metrics is not None:
                metrics.observe_request(scope["method"], route, status, elapsed)
            log.info(
                "%s %s %d %.1f ms", scope["method"], route, status, elapsed * 1000, extra={"request_id": request_id}
            )
            REQUEST_ID.reset(token)


async def _send_500(send: Send, request_id: str) -> None:
    body = f'{{"detail":"internal error (request id {request_id})"}}'.encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
