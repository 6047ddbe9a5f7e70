"""One request to an ASGI app in process, as the bench scripts send them: no server, no sockets."""

from __future__ import annotations

import asyncio
from typing import Any


async def asgi_request(app: Any, scope: dict, body: bytes) -> list[dict]:
    """Send `body` as the whole request of `scope` to `app`; the messages it sends back (start, then body parts)."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # the app never asks again for a request it has answered
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent
