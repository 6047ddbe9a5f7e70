"""Overload: a bounded number of requests in flight (the rest 503 with Retry-After) and a body read timeout."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from denial_ml.server.app import create_app
from denial_ml.service.testing import http_scope, issue_keys, make_services
from denial_ml.store import WorklistStore
from denial_ml.store.testing import migrated_database


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with migrated_database("sqlite", tmp_path_factory.mktemp("overload")) as url:
        store = WorklistStore(url)
        keys = issue_keys(store)
        services = make_services(store)
        services.settings = services.settings.model_copy(update={"max_in_flight": 1, "body_timeout_seconds": 0.3})
        yield create_app(services=services), keys
        store.close()


def scope(app, method: str, path: str, key: str, length: int = 0) -> dict:
    headers = [(b"x-api-key", key.encode())]
    if length:
        headers += [(b"content-length", str(length).encode()), (b"content-type", b"application/json")]
    return http_scope(app, method, path, headers)


async def call(app, request_scope: dict, receive) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    await app(request_scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], dict(sent[0]["headers"]), body


async def no_body() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


def test_a_full_service_sheds_with_retry_after_and_still_answers_probes(site):
    app, keys = site
    body = json.dumps({"outcomes": [{"claim_id": "C1", "version": 1, "outcome": "upheld"}]}).encode()

    async def scenario() -> tuple:
        release = asyncio.Event()

        async def slow_body() -> dict:
            await release.wait()
            return {"type": "http.request", "body": body, "more_body": False}

        held = asyncio.create_task(call(app, scope(app, "POST", "/v1/outcomes", keys["appeals"], len(body)), slow_body))
        await asyncio.sleep(0.05)  # the held request is now in flight, waiting for its body
        shed = await call(app, scope(app, "GET", "/v1/worklist", keys["appeals"]), no_body)
        probe = await call(app, scope(app, "GET", "/health/live", ""), no_body)
        release.set()
        done = await held
        after = await call(app, scope(app, "GET", "/v1/worklist", keys["appeals"]), no_body)
        return shed, probe, done, after

    shed, probe, done, after = asyncio.run(scenario())
    assert shed[0] == 503 and shed[1][b"retry-after"] == b"1"
    assert b"busy" in shed[2]
    assert probe[0] == 200
    assert done[0] == 404  # the held request was served (no such claim) once its body came
    assert after[0] == 200  # its slot is free again


def test_a_body_that_never_arrives_is_cut_with_408(site):
    app, keys = site

    async def never() -> dict:
        await asyncio.Event().wait()
        return {}

    async def scenario() -> tuple:
        return await asyncio.wait_for(call(app, scope(app, "POST", "/v1/outcomes", keys["appeals"], 100), never), 5)

    started = time.perf_counter()
    status, _, body = asyncio.run(scenario())
    assert status == 408 and b"did not arrive within 0.3 s" in body
    assert time.perf_counter() - started < 2


def shedder_and_scenario(queued: int):
    from denial_ml.service.overload import LoadSheddingMiddleware

    async def inner(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    shedder = LoadSheddingMiddleware(inner, max_in_flight=100, max_queue_seconds=0.1, retry_after_seconds=2)

    async def scenario() -> tuple:
        before = await call(shedder, scope(None, "GET", "/v1/worklist", "k"), no_body)  # starts the heartbeat
        await asyncio.sleep(0.03)
        for _ in range(queued):  # requests that start before the loop next gets to the heartbeat
            await call(shedder, scope(None, "GET", "/v1/worklist", "k"), no_body)
        time.sleep(0.4)  # the loop is blocked, as by requests scored on it back to back
        for _ in range(5):  # the heartbeat, due long ago, runs next and records the lag
            await asyncio.sleep(0)
        during = await call(shedder, scope(None, "GET", "/v1/worklist", "k"), no_body)
        await asyncio.sleep(0.1)  # the loop keeps up again
        after = await call(shedder, scope(None, "GET", "/v1/worklist", "k"), no_body)
        return before, during, after

    return scenario


def test_a_lagging_event_loop_with_a_queue_sheds_new_requests():
    before, during, after = asyncio.run(shedder_and_scenario(queued=3)())
    assert (before[0], during[0], after[0]) == (200, 503, 200)
    assert during[1][b"retry-after"] == b"2"


def test_one_slow_request_alone_sheds_nothing():
    before, during, after = asyncio.run(shedder_and_scenario(queued=1)())
    assert (before[0], during[0], after[0]) == (200, 200, 200)


def test_a_request_starting_while_the_loop_is_behind_is_shed_before_the_heartbeat_notices():
    # Under overload the loop runs accepted requests back to back; the heartbeat's record of the lag comes only
    # after that run, too late for the requests in it. What counts is how late the loop is when a request starts.
    from denial_ml.service.overload import LoadSheddingMiddleware

    async def inner(scope, receive, send) -> None:
        time.sleep(0.06)  # a request scored on the loop, as one-claim scoring is
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    shedder = LoadSheddingMiddleware(inner, max_in_flight=100, max_queue_seconds=0.1, retry_after_seconds=1)

    async def scenario() -> list[int]:
        await call(shedder, scope(None, "GET", "/v1/worklist", "k"), no_body)  # starts the heartbeat
        await asyncio.sleep(0.03)  # the heartbeat ran: the last recorded lag is small
        statuses = []
        for _ in range(6):  # six requests queued on the loop, run without the loop getting back to the heartbeat
            statuses.append((await call(shedder, scope(None, "GET", "/v1/worklist", "k"), no_body))[0])
        await asyncio.sleep(0.03)  # the loop catches up
        statuses.append((await call(shedder, scope(None, "GET", "/v1/worklist", "k"), no_body))[0])
        return statuses

    statuses = asyncio.run(scenario())
    # The heartbeat was due at most 10 ms after the first started: the loop is over 0.1 s behind by the third.
    assert statuses[:2] == [200, 200]
    assert statuses[3:6] == [503, 503, 503]
    assert statuses[6] == 200
