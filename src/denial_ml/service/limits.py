"""Checks made before a request's body is read: a credential is present, and the body fits its route's limit.

`RequestLimitsMiddleware` answers, without receiving one byte of the body:
- 401 to a `/v1` request without an API key header (a wrong key, or another role's, is still decided by the
  routes: 401 and 403 need the store, this middleware only looks at headers);
- 403 to a form post under `/ui` without a session cookie (every form needs the session's CSRF token);
- 413 to a request whose `Content-Length` exceeds its route's limit.
A body sent without a length (chunked) is counted as it streams and cut with 413 once it passes the limit; a
body that does not arrive in full within the read timeout is cut with 408 (a stalled upload holds no worker).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyTimeout(HTTPException):
    """The body did not arrive in full within the read timeout (answered 408)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} s")


class BodyTooLarge(HTTPException):
    """A streamed body passed its route's limit (raised from `receive`, answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit:,} bytes")


@dataclass(frozen=True)
class BodyLimits:
    """The largest body, in bytes, each path accepts.

    Attributes:
        default: Any path not listed in `by_path`.
        by_path: Exact request paths with their own limit (claim batches, uploads).
    """

    default: int
    by_path: Mapping[str, int] = field(default_factory=dict)

    def for_path(self, path: str) -> int:
        """The limit of `path`."""
        return self.by_path.get(path, self.default)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value
    return None


def _has_cookie(scope: Scope, cookie: str) -> bool:
    raw = _header(scope, b"cookie") or b""
    return any(part.strip().startswith(f"{cookie}=".encode()) for part in raw.split(b";"))


def declared_length(scope: Scope) -> int | None:
    """The request's `Content-Length` (None when absent); a malformed one counts as too large."""
    raw = _header(scope, b"content-length")
    if raw is None:
        return None
    return int(raw) if raw.isdigit() else 2**63


async def send_json(send: Send, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
    """Answer `{"detail": ...}` with `status` (used before any route runs)."""
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestLimitsMiddleware:
    """Refuse requests without a credential or with an oversized body before their body is read.

    Args:
        app: The wrapped application.
        limits: Body size limits by path.
        api_key_header: The header carrying the API key of `/v1` requests.
        session_cookie: The cookie carrying the session of `/ui` pages.
        body_timeout_seconds: Time for the whole body to arrive, from the first read.
    """

    def __init__(
        self,
        app: ASGIApp,
        limits: BodyLimits,
        api_key_header: str,
        session_cookie: str,
        body_timeout_seconds: float = 30.0,
    ) -> None:
        self.app = app
        self.body_timeout = body_timeout_seconds
        self.limits = limits
        self.api_key_header = api_key_header.lower().encode()
        self.session_cookie = session_cookie
        self.missing_key = f"missing API key: send it in the {api_key_header} header"

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """The status and detail to answer `scope` with at once, or None to let it through."""
        path, method = scope["path"], scope["method"]
        if path.startswith("/v1/") and not _header(scope, self.api_key_header):
            return 401, self.missing_key
        if path.startswith("/ui/") and method not in SAFE_METHODS and not _has_cookie(scope, self.session_cookie):
            return 403, "form refused: no session; reload the page and submit it again"
        length, limit = declared_length(scope), self.limits.for_path(path)
        if length is not None and length > limit:
            return 413, f"request body is larger than {limit:,} bytes"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self.refusal(scope)
        if refused is not None:
            # "close": the unread body stays on the socket; the client must not reuse the connection.
            await send_json(send, *refused, headers={"connection": "close"})
            return
        limit, received, started, complete = self.limits.for_path(scope["path"]), 0, False, False
        deadline: float | None = None

        async def counted_receive() -> Message:
            nonlocal received, complete, deadline
            if complete:  # after the body only a disconnect can come: no deadline for that wait
                return await receive()
            deadline = deadline or time.monotonic() + self.body_timeout
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:  # as `wait_for` with no time left (and no cancellation left pending)
                    raise TimeoutError
                # `timeout`, not `wait_for`: the same deadline without a task created for every message.
                async with asyncio.timeout(remaining):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(self.body_timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except (BodyTooLarge, BodyTimeout) as exc:  # cut where no handler turned it into a response
            if started:
                raise
            await send_json(send, exc.status_code, str(exc.detail), headers={"connection": "close"})
