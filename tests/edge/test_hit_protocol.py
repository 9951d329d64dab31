"""Plain hits answered inside uvicorn's HTTP protocol (api/http/hit_protocol.py).

What a caller sees must not change: the same status, headers and bytes as when the hit layer
answers through ASGI (``GONGSHI_HIT_PROTOCOL=0``), on a kept-alive connection, pipelined or with
its body in pieces, behind a trusted proxy; anything that is not a plain hit (a token, a spent
budget, a publication since, ``Connection: close``) reaches the application. Each test runs real
uvicorn servers in this process on real sockets; the application is wrapped in a layer that
counts the requests that reach it, which is how "answered without the application" is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn

from api.app import create_app
from api.http.hit_protocol import protocol_for
from api.settings import Settings
from schema.base import utcnow
from schema.db import make_engine
from tests.edge.test_hits import RESULTS, database, entity_names, publish  # noqa: F401 (fixture)

PROTOCOL = "api.http.hit_protocol:HitProtocol"
# Per-request header values: the same names in the same order on both paths, values of their own.
OWN_VALUES = {b"date", b"x-request-id", b"ratelimit", b"x-ratelimit-reset"}


class Counted:
    """The application, counting the HTTP requests that reach it (uvicorn's middleware and the
    hit protocol find the application inside through ``app``)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.calls += 1
        await self.app(scope, receive, send)


@contextlib.asynccontextmanager
async def served(
    url: str, http: str, *, keep_alive: int = 5, clock: Callable[[], datetime] = utcnow, **settings: Any
) -> AsyncIterator[tuple[int, Counted, uvicorn.Server]]:
    """``gongshi serve``'s uvicorn settings (access log ours) with protocol ``http``, on a free
    port, the keep-alive timeout and the clock given; the server itself (its connections) too."""
    engine = make_engine(url)
    app = Counted(create_app(Settings(database_url=url, **settings), engine=engine, clock=clock))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=http,
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_keep_alive=keep_alive,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.02)
        yield port, app, server
    finally:
        server.should_exit = True
        await task
        await engine.dispose()


@contextlib.asynccontextmanager
async def server(url: str, http: str, **settings: Any) -> AsyncIterator[tuple[int, Counted]]:
    """:func:`served` with the generation read kept young: it must not age out mid-test on a slow
    machine (a hit would then go down to read it again, and the counts of calls below would
    depend on the load)."""
    settings.setdefault("generation_recheck_ms", 3_600_000)
    async with served(url, http, **settings) as (port, app, _):
        yield port, app


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    """One HTTP/1.1 answer with a Content-Length (or none: 304) off ``reader``."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head[:-4].split(b"\r\n")
    headers = [(n.lower(), v) for n, v in (line.split(b": ", 1) for line in lines)]
    length = int(dict(headers).get(b"content-length", b"0"))
    body = await reader.readexactly(length) if length else b""
    return int(status_line.split(b" ")[1]), headers, body


def request(method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(port: int, *chunks: bytes, answers: int = 1, pause: float = 0.0) -> list[Answer]:
    """Write ``chunks`` on one connection (``pause`` seconds apart), then read ``answers``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for number, chunk in enumerate(chunks):
            if number and pause:
                await asyncio.sleep(pause)
            writer.write(chunk)
            await writer.drain()
        return [await asyncio.wait_for(read_answer(reader), 10) for _ in range(answers)]
    finally:
        writer.close()


def comparable(answer: Answer) -> tuple[int, list[tuple[bytes, bytes | None]], bytes]:
    status, headers, body = answer
    return status, [(n, None if n in OWN_VALUES else v) for n, v in headers], body


QUERY = json.dumps({"query": RESULTS}).encode()
GET_TARGET = "/graphql?query=" + quote(RESULTS)


async def test_a_hit_is_the_same_answer_without_the_application(database: str) -> None:  # noqa: F811
    """Every kind of hit (plain, gzipped, revalidated, cross-origin, by GET, a page) has the same
    status, headers and bytes from the protocol as through ASGI, and never calls the application."""
    await publish(database, "姚安县甲商行")
    sequence = [
        request("POST", "/graphql", QUERY),
        request("POST", "/graphql", QUERY),
        request("POST", "/graphql", QUERY, {"Origin": "https://example.org"}),
        request("GET", GET_TARGET),
        request("GET", GET_TARGET),
        request("GET", "/plans"),
        request("GET", "/plans"),
        request("GET", "/plans", headers={"Accept-Encoding": "gzip, br"}),
    ]
    seen: dict[str, list[Answer]] = {}
    called: dict[str, list[int]] = {}
    for http in (PROTOCOL, "httptools"):
        async with server(database, http) as (port, app):
            answers, calls = [], []
            for chunk in sequence:
                answers += await exchange(port, chunk)
                calls.append(app.calls)
            etag = dict(answers[1][1])[b"etag"]
            answers += await exchange(
                port, request("POST", "/graphql", QUERY, {"If-None-Match": etag.decode()})
            )
            calls.append(app.calls)
            seen[http], called[http] = answers, calls
    ours, theirs = seen[PROTOCOL], seen["httptools"]
    assert [comparable(a) for a in ours] == [comparable(a) for a in theirs]
    # Only the misses reached the application behind the protocol: the first POST, GET and page.
    assert called[PROTOCOL] == [1, 1, 1, 2, 2, 3, 3, 3, 3]
    assert called["httptools"] == list(range(1, 10))
    plain, hit, cors, by_get, get_hit, page, page_hit, zipped, revalidated = ours
    assert entity_names(json.loads(plain[2])) == {"姚安县甲商行"}
    assert hit[0] == 200 and hit[2] == plain[2]
    hit_headers = dict(hit[1])
    assert hit_headers[b"etag"] == dict(plain[1])[b"etag"]
    assert hit_headers[b"cache-control"].startswith(b"public")
    assert hit_headers[b"content-type"] == b"application/json"
    assert hit_headers[b"vary"] == b"Authorization, Accept-Encoding, Origin"
    assert hit_headers[b"ratelimit-policy"].startswith(b'"default";q=')
    assert hit_headers[b"server"] == b"uvicorn" and hit_headers[b"date"].endswith(b" GMT")
    assert int(hit_headers[b"x-ratelimit-remaining"]) < int(dict(plain[1])[b"x-ratelimit-remaining"])
    assert len({dict(a[1])[b"x-request-id"] for a in ours}) == len(ours)
    assert dict(zipped[1])[b"content-encoding"] == b"gzip" and gzip.decompress(zipped[2]) == page[2]
    assert dict(cors[1])[b"access-control-allow-origin"] == b"*" and cors[2] == plain[2]
    assert b"access-control-allow-origin" not in hit_headers
    assert get_hit[2] == by_get[2] and entity_names(json.loads(by_get[2])) == {"姚安县甲商行"}
    assert page[0] == page_hit[0] == 200 and page_hit[2] == page[2] and "<h1>年度抽查计划".encode() in page[2]
    assert revalidated[0] == 304 and revalidated[2] == b"" and dict(revalidated[1])[b"etag"] == etag


async def test_pipelined_kept_alive_and_split_requests_are_answered_in_order(database: str) -> None:  # noqa: F811
    await publish(database, "姚安县甲商行")
    other = json.dumps({"query": "{ plans(first: 1) { totalCount } }"}).encode()
    async with server(database, PROTOCOL) as (port, app):
        (first,) = await exchange(port, request("POST", "/graphql", QUERY))
        (second,) = await exchange(port, request("POST", "/graphql", other))
        assert app.calls == 2
        # Three requests in one write: two hits around a request for the application.
        pipelined = await exchange(
            port,
            request("POST", "/graphql", QUERY)
            + request("POST", "/graphql", QUERY, {"Authorization": "Bearer nothing-valid"})
            + request("POST", "/graphql", other),
            answers=3,
        )
        assert [a[0] for a in pipelined] == [200, 401, 200]
        assert pipelined[0][2] == first[2] and pipelined[2][2] == second[2]
        assert b"UNAUTHENTICATED" in pipelined[1][2] or b"TOKEN" in pipelined[1][2]
        # The request with a token reached the application, and the one behind it waited its turn
        # there (a request that arrives while the application answers another is queued by uvicorn).
        assert app.calls == 4
        # Two hits in one write: both answered in the protocol, in order.
        both = await exchange(
            port, request("POST", "/graphql", other) + request("POST", "/graphql", QUERY), answers=2
        )
        assert [a[2] for a in both] == [second[2], first[2]] and app.calls == 4
        # The head, then the body in two pieces: kept back until complete, then a hit.
        head, body = request("POST", "/graphql", QUERY).split(b"\r\n\r\n", 1)
        (split,) = await exchange(port, head + b"\r\n\r\n", body[:10], body[10:], pause=0.05)
        assert split[0] == 200 and split[2] == first[2] and app.calls == 4
        # Several on one kept-alive connection, each answered before the next is written.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(3):
                writer.write(request("POST", "/graphql", QUERY))
                answer = await asyncio.wait_for(read_answer(reader), 10)
                assert answer[0] == 200 and answer[2] == first[2]
        finally:
            writer.close()
        assert app.calls == 4


async def test_what_is_not_a_plain_hit_reaches_the_application(database: str) -> None:  # noqa: F811
    await publish(database, "姚安县甲商行")
    async with server(database, PROTOCOL, anonymous_rate_limit="2000/minute") as (port, app):
        (first,) = await exchange(port, request("POST", "/graphql", QUERY))
        assert app.calls == 1
        cost = json.loads(first[2])["extensions"]["cost"]["requestedQueryCost"]
        assert 2000 - int(dict(first[1])[b"x-ratelimit-remaining"]) == cost > 1
        # Connection: close is answered by the application (which closes after it).
        (closing,) = await exchange(port, request("POST", "/graphql", QUERY, {"Connection": "close"}))
        assert closing[2] == first[2] and dict(closing[1])[b"connection"] == b"close" and app.calls == 2
        # A publication since: the next request reads it through the application.
        await publish(database, "姚安县乙商行")
        (fresh,) = await exchange(port, request("POST", "/graphql", QUERY))
        assert entity_names(json.loads(fresh[2])) == {"姚安县甲商行", "姚安县乙商行"} and app.calls == 3
        (kept,) = await exchange(port, request("POST", "/graphql", QUERY))
        assert kept[2] == fresh[2] and app.calls == 3
        # Hits spend the budget as the application does; once it is spent, the application refuses
        # with the GraphQL body and Retry-After.
        left = int(dict(kept[1])[b"x-ratelimit-remaining"])
        for _ in range(left // cost):
            (answer,) = await exchange(port, request("POST", "/graphql", QUERY))
            assert answer[0] == 200 and answer[2] == fresh[2]
        assert app.calls == 3
        (refused,) = await exchange(port, request("POST", "/graphql", QUERY))
        assert refused[0] == 429 and dict(refused[1])[b"retry-after"].isdigit()
        assert json.loads(refused[2])["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert app.calls == 4


async def test_behind_a_trusted_proxy_the_budget_and_the_log_are_the_forwarded_clients(
    database: str,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 by default: a hit answered in the protocol
    charges and logs the forwarded client, as the application would."""
    await publish(database, "姚安县甲商行")
    caplog.set_level(logging.INFO, logger="gongshi.access")
    async with server(database, PROTOCOL, anonymous_rate_limit="2000/minute") as (port, app):
        one = {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "fwd-one"}
        statuses: list[int] = []
        while not statuses or statuses[-1] == 200:
            (answer,) = await exchange(port, request("POST", "/graphql", QUERY, one))
            statuses.append(answer[0])
            assert len(statuses) < 2000
        assert statuses[-1] == 429 and len(statuses) > 3
        assert app.calls == 2  # the first (a miss) and the refusal
        cost = 2000 // (len(statuses) - 1)
        two = {"X-Forwarded-For": "203.0.113.8"}
        (other,) = await exchange(port, request("POST", "/graphql", QUERY, two))
        assert other[0] == 200 and app.calls == 2
        assert 2000 - int(dict(other[1])[b"x-ratelimit-remaining"]) == cost
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "gongshi.access"]
    ours = [line for line in lines if line["requestId"] == "fwd-one"]
    assert [line["status"] for line in ours] == statuses
    assert {line["client"] for line in ours} == {"203.0.113.7"}
    assert [line.get("hit", False) for line in ours] == [False] + [True] * (len(statuses) - 2) + [False]
    assert all(line["path"] == "/graphql" and line["method"] == "POST" for line in ours)
    assert all(line["bytes"] > 0 and line["ms"] >= 0 for line in ours)
    assert [line["cost"] for line in ours[:-1]] == [cost] * (len(statuses) - 1)


def test_the_protocol_is_used_only_on_the_uvicorn_release_it_was_written_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import schema.versions

    assert protocol_for() == PROTOCOL  # the pinned release is installed
    monkeypatch.setattr(schema.versions, "version", lambda name: "0.56.0" if name == "uvicorn" else "0")
    assert protocol_for() == "auto"
