"""Process CPU of one cached answer (the hit layer), in process, beside a bare Starlette app.

Run: .venv/bin/python bench/hit_cpu.py [--rounds 5] [--requests 5000] [--redis-url redis://...]
     [--revision REV]

Both applications are called directly as ASGI apps (no HTTP server, no client library), with the
README's first query as a JSON POST, so the figures are the applications' own work: the hit
layer's (api/http/hits.py, with its rate charge, access line and tally) against a one-route
Starlette app answering the same bytes (bench/read_baseline.py). The access log is written as
``gongshi serve`` writes it (api/http/log_writer.py), to a temporary file. What an HTTP server adds
per request is not here (bench/cache_bench.py measures that side by side), except with
``--uvicorn-send``: each answer then also goes through uvicorn's own ``send``, which writes the
status line and loops over every header in Python, as ``gongshi serve`` does.
``--protocol``: both applications behind uvicorn's own HTTP protocol as ``gongshi serve`` runs
them, fed the raw request bytes over a transport that keeps the answer's length (no socket, no
client): ours with api/http/hit_protocol.py (a hit answered before ASGI), the bare app with
uvicorn's httptools protocol (a request-response cycle and an ASGI task per request), so the
figures are the whole server's work per request but the socket's.
``--redis-url``: the rate budgets and the generation counter in Redis (``REDIS_URL``).
``--revision``: measure that git revision's code (exported with ``git archive``) instead of the
worktree's. The demo data is loaded into a temporary SQLite database first.
"""

from __future__ import annotations

import argparse
import asyncio
import logging.config
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ((b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"))


class _Transport:
    """Enough of an asyncio transport for uvicorn's response writing: the bytes are dropped."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None: ...

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


async def call(app: Any, body: bytes, uvicorn_send: bool = False) -> list[dict[str, Any]]:
    """One POST /graphql straight into ``app``; the messages it sent. ``uvicorn_send``: each
    message also goes through uvicorn's own ``send`` (httptools), which writes the answer's
    status line and headers as the server does, into a transport that drops them."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [*HEADERS, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    if uvicorn_send:
        cycle = _cycle(scope)

        async def send_through_uvicorn(message: dict[str, Any]) -> None:
            sent.append(message)
            await cycle.send(message)

        await app(scope, receive, send_through_uvicorn)
        return sent
    await app(scope, receive, send)
    return sent


def _cycle(scope: dict[str, Any]) -> Any:
    """uvicorn's request-response cycle for ``scope`` over a transport that drops the bytes, with
    the default headers the server adds (server, date)."""
    from uvicorn.protocols.http.flow_control import FlowControl
    from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

    transport = _Transport()
    return RequestResponseCycle(
        scope,  # type: ignore[arg-type]
        transport,  # type: ignore[arg-type]
        FlowControl(transport),  # type: ignore[arg-type]
        logging.getLogger("uvicorn.error"),
        logging.getLogger("uvicorn.access"),
        False,
        [(b"server", b"uvicorn"), (b"date", b"Thu, 03 Dec 2026 08:00:00 GMT")],
        asyncio.Event(),
        False,
        True,
        lambda: None,
    )


async def cpu_per_call(app: Any, body: bytes, requests: int, uvicorn_send: bool) -> float:
    """Process CPU (every thread) per call, in microseconds."""
    started = time.process_time()
    for _ in range(requests):
        await call(app, body, uvicorn_send)
    return (time.process_time() - started) / requests * 1e6


def _served(app: Any, http: str) -> tuple[Any, _Transport]:
    """``app`` behind uvicorn's protocol ``http`` (an import path), connected to a _Transport."""
    import uvicorn
    from uvicorn.server import ServerState

    config = uvicorn.Config(app, http=http, access_log=False, log_config=None, lifespan="off")
    config.load()
    protocol = config.http_protocol_class(  # type: ignore[call-arg]
        config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop()
    )
    transport = _Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


def _raw_post(body: bytes) -> bytes:
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    return head + body


async def served_once(protocol: Any, transport: _Transport, raw: bytes) -> int:
    """One request fed to ``protocol``; the bytes of its answer once written (the loop runs the
    ASGI task of a request that has one)."""
    before = transport.written
    protocol.data_received(raw)
    while transport.written == before or protocol.tasks:  # noqa: ASYNC110 - lets the task run
        await asyncio.sleep(0)
    return transport.written - before


async def cpu_per_served(protocol: Any, transport: _Transport, raw: bytes, requests: int) -> float:
    """Process CPU (every thread) per request through the protocol, in microseconds."""
    started = time.process_time()
    for _ in range(requests):
        await served_once(protocol, transport, raw)
    return (time.process_time() - started) / requests * 1e6


async def run_protocol(args: argparse.Namespace, log_file: Path) -> None:
    from read_api import README_QUERIES, graphql_body
    from read_baseline import make_app

    from api.app import create_app
    from api.http.log_writer import log_config

    config = log_config({"version": 1, "disable_existing_loggers": False}, access_log=True)
    config["handlers"]["gongshi_access"]["stream"] = log_file.open("w")
    logging.config.dictConfig(config)

    body = graphql_body(README_QUERIES[0])
    raw = _raw_post(body)
    ours, our_transport = _served(create_app(), "api.http.hit_protocol:HitProtocol")
    first = await served_once(ours, our_transport, raw)
    hit = await served_once(ours, our_transport, raw)
    answer = (await call(create_app(), body))[1]["body"]
    bare, bare_transport = _served(make_app(answer), "httptools")
    plain = await served_once(bare, bare_transport, raw)
    print(
        f"# hit_cpu --protocol {time.strftime('%Y-%m-%dT%H:%M', time.gmtime())} load {os.getloadavg()[0]:.1f}"
    )
    print(f"# answer bytes with head: miss {first}, hit {hit}, bare {plain}")
    print("| round | hit us | bare us | hit / bare |")
    print("|---|---|---|---|")
    for number in range(args.rounds):
        hits = await cpu_per_served(ours, our_transport, raw, args.requests)
        bares = await cpu_per_served(bare, bare_transport, raw, args.requests)
        print(f"| {number + 1} | {hits:.1f} | {bares:.1f} | {hits / bares:.2f} |")
    logged = log_file.read_text().count('"hit":true')  # noqa: ASYNC240 - after the measurement
    print(f"# access lines of hits written: {logged}")


async def run(args: argparse.Namespace, log_file: Path) -> None:
    from read_api import README_QUERIES, graphql_body
    from read_baseline import make_app

    from api.app import create_app
    from api.http.log_writer import log_config

    config = log_config({"version": 1, "disable_existing_loggers": False}, access_log=True)
    config["handlers"]["gongshi_access"]["stream"] = log_file.open("w")
    logging.config.dictConfig(config)
    body = graphql_body(README_QUERIES[0])
    app = create_app()
    first = await call(app, body)
    hit = await call(app, body)
    assert first[0]["status"] == 200 and hit[0]["status"] == 200, first[0]
    answer = hit[1]["body"]
    assert answer == first[1]["body"]
    bare = make_app(answer)
    assert (await call(bare, body))[1]["body"] == answer
    print(f"# hit_cpu {time.strftime('%Y-%m-%dT%H:%M', time.gmtime())} load {os.getloadavg()[0]:.1f}")
    print(f"# redis: {args.redis_url or 'no'}; {len(hit[0]['headers'])} headers on a hit", end="")
    print("; through uvicorn's send" if args.uvicorn_send else "")
    print("| round | hit us | bare us | hit / bare |")
    print("|---|---|---|---|")
    for number in range(args.rounds):
        hits = await cpu_per_call(app, body, args.requests, args.uvicorn_send)
        bares = await cpu_per_call(bare, body, args.requests, args.uvicorn_send)
        print(f"| {number + 1} | {hits:.1f} | {bares:.1f} | {hits / bares:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--redis-url")
    parser.add_argument("--revision", help="a git revision to measure instead of the worktree")
    parser.add_argument(
        "--protocol",
        action="store_true",
        help="both applications behind uvicorn's HTTP protocol, fed raw requests (hit_protocol.py)",
    )
    parser.add_argument(
        "--uvicorn-send",
        action="store_true",
        help="send each answer through uvicorn's own response writing (status line, headers)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongshi-hit-cpu-") as tmp:
        work = Path(tmp)
        tree = ROOT
        if args.revision:
            tree = work / "tree"
            tree.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.revision], check=True, capture_output=True
            )
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        env_keep = {
            k: v for k, v in os.environ.items() if not k.startswith(("GONGSHI_", "DATABASE_URL", "REDIS_URL"))
        }
        os.environ.clear()
        os.environ.update(env_keep)
        os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.db'}"
        os.environ["GONGSHI_ANONYMOUS_RATE_LIMIT"] = "100000000/minute"
        if args.redis_url:
            os.environ["REDIS_URL"] = args.redis_url  # budgets so high that keys left by a run never refuse
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "gongshi"), "demo"],
            env={**os.environ, "PYTHONPATH": str(tree)},
            cwd=work,
            check=True,
            capture_output=True,
        )
        sys.path[:0] = [str(ROOT / "bench"), str(tree)]
        log_file = work / "access.log"
        asyncio.run(run_protocol(args, log_file) if args.protocol else run(args, log_file))


if __name__ == "__main__":
    main()
