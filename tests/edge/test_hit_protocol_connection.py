"""The hit protocol's connection handling, against uvicorn's own (review of issue 13's hit protocol).

A hit answered inside the protocol must leave the connection as uvicorn's httptools protocol
would: a client that does not read its answers is not answered faster than it reads (uvicorn's
write flow control), and a request that follows a hit in the same write is not cut off by the
keep-alive timer meant for an idle connection. Each test runs real uvicorn servers in this process
on real sockets, with the protocol and, where it helps, with uvicorn's own for comparison.
"""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime

import pytest

from schema.base import utcnow
from tests.edge.test_hit_protocol import PROTOCOL, QUERY, exchange, read_answer, request, served
from tests.edge.test_hits import database, publish  # noqa: F401 (fixture)

OTHER = json.dumps({"query": "{ plans(first: 1) { totalCount } }"}).encode()


@pytest.mark.parametrize("http", [PROTOCOL, "httptools"])
async def test_a_request_written_behind_a_hit_is_not_cut_off_by_the_keep_alive_timer(
    database: str,  # noqa: F811
    http: str,
) -> None:
    """The keep-alive timer closes an idle connection; a hit answered while the parser still has
    the next request's head in hand armed it, and it closed the connection under that request."""
    await publish(database, "姚安县甲商行")
    # The generation read stays young through the pause (else the held request goes down to read it).
    async with served(database, http, keep_alive=1, generation_recheck_ms=60_000) as (port, app, _):
        (first,) = await exchange(port, request("POST", "/graphql", QUERY))
        (other,) = await exchange(port, request("POST", "/graphql", OTHER))
        head, body = request("POST", "/graphql", OTHER).split(b"\r\n\r\n", 1)
        # A hit and the next request's head in one write; its body two seconds later (a slow
        # client, or a slow request of the application: the timer would cut either).
        answers = await exchange(
            port, request("POST", "/graphql", QUERY) + head + b"\r\n\r\n", body, answers=2, pause=2.0
        )
        assert [a[0] for a in answers] == [200, 200]
        assert answers[0][2] == first[2] and answers[1][2] == other[2]
        assert json.loads(other[2])["data"]["plans"]["totalCount"] >= 1
        # Behind the protocol both were hits (the second held until its body came).
        assert app.calls == (2 if http == PROTOCOL else 4)


@pytest.mark.parametrize("http", [PROTOCOL, "httptools"])
async def test_hits_a_client_does_not_read_do_not_pile_up_in_the_servers_memory(
    database: str,  # noqa: F811
    http: str,
) -> None:
    """uvicorn writes no more to a connection whose client stops reading (its write flow control:
    the answer waits, the requests behind it wait, reading stops). Hits answered in the protocol
    must wait the same way, or one connection that writes requests and never reads makes the
    server buffer every answer (here ~20 MB from 170 KB of requests)."""
    await publish(database, "姚安县甲商行")
    async with served(database, http, anonymous_rate_limit="1000000/minute") as (port, app, server):
        (page,) = await exchange(port, request("GET", "/plans"))
        assert page[0] == 200 and len(page[2]) > 2000
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a client that reads nothing
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        _, writer = await asyncio.open_connection(sock=sock)
        try:
            batch = request("GET", "/plans") * 100
            written = 0
            for _ in range(40):
                writer.write(batch)
                try:
                    await asyncio.wait_for(writer.drain(), 1)
                except TimeoutError:
                    break  # the server stopped reading: what uvicorn does
                written += 100
            await asyncio.sleep(0.5)
            buffered = max(c.transport.get_write_buffer_size() for c in server.server_state.connections)
            # A few answers past the transport's high-water mark, not thousands.
            assert buffered < 1_000_000, (written, buffered)
            assert app.calls >= 1
        finally:
            writer.transport.abort()


@pytest.mark.parametrize("http", [PROTOCOL, "httptools"])
async def test_a_get_hit_with_a_body_is_answered_without_waiting_for_its_body(
    database: str,  # noqa: F811
    http: str,
) -> None:
    """Through ASGI the layer answers a GET hit from its head (a GET's body plays no part in its
    key) and uvicorn drops the body as it comes. The protocol kept such a body back, up to a
    megabyte a connection with reading never paused, and answered only once all of it was in."""
    await publish(database, "姚安县甲商行")
    async with served(database, http) as (port, app, _):
        (page,) = await exchange(port, request("GET", "/plans"))
        announced = request("GET", "/plans", headers={"Content-Length": "1000000"})
        (hit,) = await exchange(port, announced + b"x" * 1000)  # the rest never comes
        assert hit[0] == 200 and hit[2] == page[2] and dict(hit[1])[b"etag"] == dict(page[1])[b"etag"]
        assert app.calls == 2  # through the application, whose hit layer answers it at once


@pytest.mark.parametrize("http", [PROTOCOL, "httptools"])
async def test_a_failure_in_the_hit_step_is_the_servers_500_not_the_clients_400(
    database: str,  # noqa: F811
    http: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception in a parser callback becomes httptools' callback error, which uvicorn answers
    as "400 Invalid HTTP request received." with one warning line and the exception dropped: a
    fault of the server's blamed on the client, its cause never logged. The hit step hands such a
    request to the application instead, where it fails as it does through ASGI (a 500, logged)."""
    await publish(database, "姚安县甲商行")
    broken = False

    def clock() -> datetime:  # the layer reads the day in China from it for every hit
        if broken:
            raise RuntimeError("the clock failed")
        return utcnow()

    async with served(database, http, clock=clock) as (port, app, _):
        (first,) = await exchange(port, request("POST", "/graphql", QUERY))
        assert first[0] == 200 and app.calls == 1
        broken = True
        (failed,) = await exchange(port, request("POST", "/graphql", QUERY))
        broken = False
        (again,) = await exchange(port, request("POST", "/graphql", QUERY))
    assert failed[0] == 500 and failed[2] == b"Internal Server Error"
    assert again[0] == 200 and again[2] == first[2]
    assert app.calls == (2 if http == PROTOCOL else 3)
    causes = [r.exc_info[1] for r in caplog.records if r.exc_info and r.exc_info[1] is not None]
    assert any(isinstance(cause, RuntimeError) and str(cause) == "the clock failed" for cause in causes)
    assert not [r for r in caplog.records if "Invalid HTTP request" in r.getMessage()]


async def test_on_shutdown_a_held_hit_is_answered_and_nothing_behind_it_is_started(
    database: str,  # noqa: F811
) -> None:
    """A shutdown while a hit's body is still coming: the hit is answered with ``connection:
    close`` and the connection closes; a request written behind it in the same bytes is not
    started (uvicorn starts nothing on a closing connection either)."""
    await publish(database, "姚安县甲商行")
    async with served(database, PROTOCOL, generation_recheck_ms=60_000) as (port, app, server):
        (first,) = await exchange(port, request("POST", "/graphql", QUERY))
        assert app.calls == 1
        head, body = request("POST", "/graphql", QUERY).split(b"\r\n\r\n", 1)
        behind = request("POST", "/graphql", OTHER, {"Authorization": "Bearer nothing-valid"})
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(head + b"\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.2)  # the head is in: the request is held for its body
            for connection in list(server.server_state.connections):
                connection.shutdown()
            writer.write(body + behind)
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert status_line.startswith(b"HTTP/1.1 200 ") and b"connection: close\r\n" in status_line
            length = int(status_line.split(b"content-length: ")[1].split(b"\r\n")[0])
            assert await reader.readexactly(length) == first[2]
            assert await asyncio.wait_for(reader.read(), 10) == b""  # closed, nothing more
        finally:
            writer.close()
        await asyncio.sleep(0.2)
        assert app.calls == 1  # the request behind the hit never reached the application


async def _closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    """Whether the server closes the connection (EOF) within ``within`` seconds."""
    try:
        return await asyncio.wait_for(reader.read(1), within) == b""
    except TimeoutError:
        return False


@pytest.mark.parametrize("http", [PROTOCOL, "httptools"])
async def test_an_idle_kept_alive_connection_is_closed_after_the_timeout_and_a_busy_one_is_not(
    database: str,  # noqa: F811
    http: str,
) -> None:
    """The protocol arms one keep-alive timer a connection rather than one a request: a connection
    idle for the timeout is closed as uvicorn closes it, and one that keeps asking (hits and
    requests through the application, a second apart with a timeout of two) is not, however long."""
    await publish(database, "姚安县甲商行")
    loop = asyncio.get_running_loop()
    async with served(database, http, keep_alive=2, generation_recheck_ms=60_000) as (port, app, _):
        (first,) = await exchange(port, request("POST", "/graphql", QUERY))
        (health,) = await exchange(port, request("GET", "/healthz"))  # the application's, always
        assert health[0] == 200 and app.calls == 2
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            started = loop.time()
            for number in range(6):  # six seconds in use: three timeouts' worth
                asked = request("POST", "/graphql", QUERY) if number % 2 == 0 else request("GET", "/healthz")
                writer.write(asked)
                answer = await asyncio.wait_for(read_answer(reader), 10)
                answered = loop.time()
                assert answer[0] == 200 and answer[2] == (first if number % 2 == 0 else health)[2]
                assert not await _closed_by_server(reader, 1.0)
            assert loop.time() - started >= 6
            # Now idle: closed about two seconds after the last answer, not before.
            assert await _closed_by_server(reader, 3.0)
            assert 1.0 <= loop.time() - answered <= 3.5  # the timeout (2 s), with room for a slow loop
        finally:
            writer.close()
        if http == PROTOCOL:
            assert app.calls == 2 + 3  # the three requests for the application
