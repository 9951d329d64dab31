"""The garbage collector's passes run between requests (api/http/collector.py), not inside them.

The collector's own automatic passes are switched off in these tests (gc.disable), so every pass
seen is one the middleware ran; gc.callbacks records when each pass starts.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from api.http.collector import (
    BUSY_THRESHOLD,
    DUE_AFTER,
    FULL_PASS_RATIO,
    GENERATION_RATIO,
    CollectBetweenRequests,
    due_generation,
    freeze_startup_objects,
)


@dataclass
class Passes:
    """(generation, what the app was doing) of every pass while a test runs."""

    seen: list[tuple[int, str]] = field(default_factory=list)
    state: dict[str, str] = field(default_factory=lambda: {"now": "idle"})


@pytest.fixture
def passes() -> Iterator[Passes]:
    recorded = Passes()

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            recorded.seen.append((info["generation"], recorded.state["now"]))

    threshold, enabled = gc.get_threshold(), gc.isenabled()
    gc.collect()
    gc.disable()
    gc.callbacks.append(record)
    try:
        yield recorded
    finally:
        gc.callbacks.remove(record)
        gc.set_threshold(*threshold)
        if enabled:
            gc.enable()


class Garbage:
    """An ASGI app whose requests leave ``containers`` cyclic objects behind, and can be held open."""

    def __init__(self, state: dict[str, str], containers: int) -> None:
        self.state = state
        self.containers = containers
        self.hold: asyncio.Event | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.state["now"] = "in a request"
        for _ in range(self.containers):
            cycle: list[Any] = []
            cycle.append(cycle)
        if self.hold is not None and scope["path"] == "/held":
            await self.hold.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        self.state["now"] = "idle"


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def _settle() -> None:
    # The pass is scheduled with call_soon once the request's task is done.
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_due_pass_runs_after_the_response_not_during_it(passes: Passes) -> None:
    app = Garbage(passes.state, containers=DUE_AFTER + 100)
    async with _client(CollectBetweenRequests(app)) as client:
        assert (await client.get("/")).status_code == 200
        await _settle()
    assert passes.seen == [(0, "idle")]


async def test_no_pass_when_too_little_was_allocated(passes: Passes) -> None:
    app = Garbage(passes.state, containers=10)
    async with _client(CollectBetweenRequests(app)) as client:
        await client.get("/")
        await _settle()
    assert passes.seen == []


async def test_no_pass_while_another_request_is_in_flight(passes: Passes) -> None:
    app = Garbage(passes.state, containers=DUE_AFTER + 100)
    app.hold = asyncio.Event()
    middleware = CollectBetweenRequests(app)
    async with _client(middleware) as client:
        held = asyncio.create_task(client.get("/held"))
        await _settle()
        assert middleware.in_flight == 1
        await client.get("/quick")
        await _settle()
        assert passes.seen == [], "the held request is still running"
        app.hold.set()
        assert (await held).status_code == 200
        await _settle()
    assert [generation for generation, _ in passes.seen] == [0]


def test_the_due_generation_follows_the_collectors_counts(passes: Passes) -> None:
    assert gc.get_count()[0] < DUE_AFTER
    assert due_generation() is None
    kept: list[list[object]] = [[] for _ in range(DUE_AFTER + 50)]
    assert due_generation() == 0
    for _ in range(GENERATION_RATIO):
        gc.collect(0)  # each young pass counts towards a middle one
    kept += [[] for _ in range(DUE_AFTER + 50)]
    assert due_generation() == 1
    for _ in range(FULL_PASS_RATIO - 1):
        gc.collect(1)  # and each middle pass towards a full one, here every hundredth
    for _ in range(GENERATION_RATIO):
        gc.collect(0)
    kept += [[] for _ in range(DUE_AFTER + 50)]
    assert due_generation() == 1
    gc.collect(1)
    kept += [[] for _ in range(DUE_AFTER + 50)]
    assert due_generation() == 2
    assert len(kept) == 4 * (DUE_AFTER + 50)


def test_start_up_objects_are_frozen_and_the_busy_threshold_set(passes: Passes) -> None:
    before = gc.get_freeze_count()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > before
        assert gc.get_threshold() == (BUSY_THRESHOLD, GENERATION_RATIO, GENERATION_RATIO)
    finally:
        gc.unfreeze()
