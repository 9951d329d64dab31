"""Server CPU to refuse the documents that used to stall Gongshi (issue 13), beside a bare endpoint.

Run: .venv/bin/python bench/edge_refusals.py [--repeat 5]

Each document is sent through the whole application in process (httpx's ASGI transport, no
socket), and the process CPU time of the request is measured (client encoding included, so it is
an upper bound). The baseline is a bare Starlette endpoint that reads the same body and answers
fixed bytes, measured in the same run. The database is a migrated SQLite file with no data: an
anonymous request reads the publication generation (the response cache's key) before its document
is parsed, and a refusal reads nothing more. Prints the median of ``--repeat`` runs per document.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app
from api.settings import Settings
from schema.migrate import upgrade
from tests.edge.test_refusals import duplicate_fields, fragment_chain, many_aliases


def bare() -> Starlette:
    async def graphql(request: Request) -> Response:
        await request.body()
        return Response(b'{"data":null}', media_type="application/json", status_code=400)

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


async def cpu_ms(
    app: object, body: dict[str, object], headers: dict[str, str], repeat: int
) -> tuple[float, int]:
    times, status = [], 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:  # type: ignore[arg-type]
        for _ in range(repeat):
            started = time.process_time()
            response = await client.post("/graphql", json=body, headers=headers)
            times.append((time.process_time() - started) * 1000)
            status = response.status_code
    return statistics.median(times), status


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, url)
        settings = Settings(database_url=url, rate_limits_enabled=False)
        app = create_app(settings)
        cases: list[tuple[str, dict[str, Any], dict[str, str]]] = [
            ("fragment chain, 24 links", {"query": fragment_chain(24)}, {}),
            ("1 MB of duplicate fields", {"query": duplicate_fields(1_000_000)}, {}),
            ("100,000 aliases, anonymous (413 at the cap)", {"query": many_aliases(100_000)}, {}),
            ("2,001 tokens in 4 KB", {"query": "{ " + "a " * 2000 + "}"}, {}),
            ("duplicate fields, 50,000 characters", {"query": duplicate_fields(50_000)}, {}),
        ]
        print(f"{'document':48} {'status':>6} {'gongshi ms':>11} {'bare ms':>8} {'ratio':>6}")
        for name, body, headers in cases:
            ours, status = await cpu_ms(app, body, headers, args.repeat)
            base, _ = await cpu_ms(bare(), body, headers, args.repeat)
            print(f"{name:48} {status:>6} {ours:>11.2f} {base:>8.2f} {ours / base:>6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
