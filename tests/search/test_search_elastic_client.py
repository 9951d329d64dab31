"""The Elasticsearch client speaks to 8.x servers: client major 8, compatibility headers for 8.

A 9.x client sends ``compatible-with=9``, which an 8.x cluster refuses; an 8.x client sends
``compatible-with=8``, which 8.x clusters answer and 9.x clusters accept in their REST
compatibility mode (search/README.md). Checked here against a stub that records what the
backend's own client sends, since no cluster runs on this machine.
"""

from __future__ import annotations

import asyncio

import elasticsearch

from search.backends.elastic import ElasticBackend
from search.config import SearchConfig


async def _stub() -> tuple[asyncio.Server, list[dict[str, str]]]:
    """A one-route HTTP server answering HEAD / as an Elasticsearch 8 node does, recording headers."""
    seen: list[dict[str, str]] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        seen.append({k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)})
        writer.write(
            b"HTTP/1.1 200 OK\r\nX-Elastic-Product: Elasticsearch\r\n"
            b"Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0), seen


def test_client_major_version_is_8() -> None:
    assert elasticsearch.__versionstr__.split(".")[0] == "8"


async def test_backend_client_asks_for_the_8_api() -> None:
    server, seen = await _stub()
    port = server.sockets[0].getsockname()[1]
    backend = ElasticBackend(SearchConfig(elasticsearch_url=f"http://127.0.0.1:{port}"))
    try:
        assert await backend.ping()
    finally:
        await backend.close()
        server.close()
        await server.wait_closed()
    assert len(seen) == 1
    assert seen[0]["accept"] == "application/vnd.elasticsearch+json; compatible-with=8"
