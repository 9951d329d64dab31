"""CPU per request with each of the app's middlewares left out in turn, in process.

Run: .venv/bin/python bench/stack_cpu.py [--rounds 2] [--requests 100] [--batches 7]
     (DATABASE_URL: a database holding the demo data, ``gongshi demo``; it is only read)

For ``{ __typename }`` and the uncached 20-result page (bench/read_api.py's RESULTS_QUERY), sent
through httpx's ASGI transport with the response cache off and the rate limits raised, it prints
the process CPU per request of the best of ``--batches`` batches with every middleware, then the
difference with each one left out (Starlette rebuilds the stack from ``user_middleware``), then
with all of them left out. The client's own work is in every figure and cancels in differences.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


async def cpu_per_request(app: Any, body: bytes, requests: int, batches: int) -> float:
    """The best batch's process CPU per request, in ms."""
    import httpx

    headers = {"content-type": "application/json"}
    best = float("inf")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for _ in range(20):  # warm: the parser and validation caches, the pool
            answer = await client.post("/graphql", content=body, headers=headers)
        assert answer.status_code == 200 and b'"errors"' not in answer.content, answer.text
        for _ in range(batches):
            started = time.process_time()
            for _ in range(requests):
                await client.post("/graphql", content=body, headers=headers)
            best = min(best, (time.process_time() - started) / requests * 1000)
    return best


async def run(args: argparse.Namespace) -> None:
    os.environ.setdefault("GONGSHI_ANONYMOUS_RATE_LIMIT", "1000000/minute")
    os.environ["GONGSHI_RESPONSE_CACHE_BYTES"] = "0"
    sys.path.insert(0, str(ROOT / "bench"))
    from read_api import RESULTS_QUERY, graphql_body

    from api.app import create_app

    app = create_app()
    every = list(app.user_middleware)
    names = [getattr(m.cls, "__name__", str(m.cls)) for m in every]

    async def measure(middleware: list[Any], body: bytes) -> float:
        app.user_middleware, app.middleware_stack = middleware, None
        return await cpu_per_request(app, body, args.requests, args.batches)

    load = os.getloadavg()
    print(f"# stack_cpu {time.strftime('%Y-%m-%dT%H:%M', time.gmtime())}Z load average {load[0]:.1f}")
    for label, query in (("typename", "{ __typename }"), ("page", RESULTS_QUERY)):
        body = graphql_body(query)
        for number in range(args.rounds):
            base = await measure(every, body)
            parts = [f"{label} round {number + 1}: all {base:.3f} ms"]
            for index, name in enumerate(names):
                without = await measure(every[:index] + every[index + 1 :], body)
                parts.append(f"without {name} {without - base:+.3f}")
            parts.append(f"without all {await measure([], body) - base:+.3f}")
            print(", ".join(parts), flush=True)
    app.user_middleware, app.middleware_stack = every, None
    await app.state.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--batches", type=int, default=7)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
