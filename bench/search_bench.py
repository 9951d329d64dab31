"""Search latency through the GraphQL endpoint, beside a bare Starlette endpoint, in one run.

Run: .venv/bin/python bench/search_bench.py --results 1000000 [--requests 300]
builds its own SQLite database in a temporary directory (bench/gen_results.py: generate, then
the full index rebuild, both timed), then serves the real application with uvicorn on 127.0.0.1
in a child process, plus /bare (a plain Starlette JSON route), and sends sequential keep-alive
requests. Query kinds: a full entity name, a phrase (part of a name), three terms, a very
common term. ``--url sqlite:////path`` measures a database generated before instead.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERY = """query ($q: String!) { search(query: $q, first: 20) { totalCount totalCountExact
  edges { node { id publishedOn entity { name creditCode } department { name } item { name }
  categories { label } } highlights { field marked } } } }"""
FACETS = """query ($q: String!) { search(query: $q, first: 20) { totalCount
  facets { categories { category { code } count } departments { department { name } count }
    years { year count } }
  edges { node { id } } } }"""


def serve(url: str, port: int) -> None:
    """Child process: the application plus /bare, on 127.0.0.1:port."""
    import uvicorn
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from api.app import create_app
    from api.settings import Settings

    async def bare(request: object) -> JSONResponse:
        return JSONResponse({"data": {"ok": True}})

    # The garbage collector's pauses, by generation: a full pass is most of the tail.
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(on_gc)

    async def gc_pauses(request: object) -> JSONResponse:
        body = {str(gen): times[:] for gen, times in pauses.items()}
        for times in pauses.values():
            times.clear()
        return JSONResponse(body)

    # Rate limits off: the benchmark measures search, not the limiter (issue 3).
    settings = Settings(database_url=url, graphiql=False)
    if hasattr(settings, "rate_limits_enabled"):
        import dataclasses

        settings = dataclasses.replace(settings, rate_limits_enabled=False)
    app = create_app(settings)
    # First: the website's last route answers every unknown GET with its 404 page.
    app.router.routes.insert(0, Route("/bare", bare, methods=["GET", "POST"]))
    app.router.routes.insert(0, Route("/gc-pauses", gc_pauses))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _queries(db: str, n: int, rng: random.Random) -> dict[str, list[str]]:
    con = sqlite3.connect(db)
    total = con.execute("SELECT max(id) FROM entities").fetchone()[0]
    names = [
        con.execute("SELECT name FROM entities WHERE id = ?", (rng.randint(1, total),)).fetchone()[0]
        for _ in range(n)
    ]
    phrases = []
    for name in names:
        start = rng.randint(0, max(len(name) - 6, 0))
        phrases.append(name[start : start + rng.randint(4, 6)])
    places = ["秦皇岛", "姚安", "昌黎", "卢龙", "舞钢", "阳城", "新平", "海港区"]
    trades = ["电子商务", "二手车", "网络科技", "棉花", "计量", "检验检测", "电动车", "食品"]
    outcomes = ["责令改正", "未发现问题", "无法联系", "不合格", "待后续处理"]
    three = [f"{rng.choice(places)} {rng.choice(trades)} {rng.choice(outcomes)}" for _ in range(n)]
    common = [rng.choice(["有限公司", "检查", "市场监督管理局", "未发现问题"]) for _ in range(n)]
    return {"name": names, "phrase": phrases, "three terms": three, "common term": common}


def _measure(client: Any, path: str, bodies: list[dict[str, Any]]) -> list[float]:
    times = []
    for body in bodies:
        started = time.perf_counter()
        response = client.post(path, json=body)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
    return times


async def _backend_times(url: str, texts: list[str]) -> list[float]:
    """The search itself (parse, full-text match, ranking, the first page of 20; no HTTP, no
    GraphQL), in ms."""
    from schema.db import make_engine, make_sessionmaker
    from search.backends.base import PageRequest, SearchFilters
    from search.query import parse_query
    from search.service import run_search

    engine = make_engine(url)
    times = []
    async with make_sessionmaker(engine)() as session:
        for text in texts[:20] + texts:
            started = time.perf_counter()
            page = PageRequest(None, 20)
            await run_search(session, parse_query(text), SearchFilters(), count=True, page=page)
            times.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return times[20:]


def _gc_row(kind: str, pauses: dict[str, list[float]]) -> str:
    g0, g1, g2 = pauses["0"], pauses["1"], pauses["2"]
    longest = f"{max(g2):.1f}" if g2 else "-"
    return (
        f"| search: {kind} | {len(g0)} ({sum(g0):.1f}) | {len(g1)} ({sum(g1):.1f}) | {len(g2)} ({longest}) |"
    )


def _row(label: str, times: list[float], bare: float) -> str:
    times = sorted(times)
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    p50 = statistics.median(times)
    return f"| {label} | {len(times)} | {p50:.2f} | {p99:.2f} | {p50 / bare:.1f}x |"


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="sqlite:////path made by bench/gen_results.py (default: build one)")
    parser.add_argument("--results", type=int, default=1_000_000, help="size of the database to build")
    parser.add_argument("--requests", type=int, default=300, help="per query kind")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.url, args.port)
        return 0
    if args.url is None:
        import asyncio
        import tempfile

        from gen_results import build_index, generate

        from schema.migrate import upgrade

        with tempfile.TemporaryDirectory(prefix="gongshi-search-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            upgrade(url)
            started = time.perf_counter()
            generate(url, args.results, 2021)
            print(f"generated {args.results:,} published results in {time.perf_counter() - started:.0f} s")
            print(f"full index rebuild (gongshi reindex): {asyncio.run(build_index(url)):.1f} s")
            args.url = url
            return _bench(args)
    return _bench(args)


def _bench(args: argparse.Namespace) -> int:
    import httpx

    db = args.url.split("///", 1)[1]
    rng = random.Random(7)
    queries = _queries(db, args.requests, rng)
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--url", args.url, "--port", str(args.port)],
        env={**os.environ, "ELASTICSEARCH_URL": ""},
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30) as client:
            for _ in range(100):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            # Warm up: caches, the segmenter, the database pages of each kind.
            for kind in queries:
                _measure(
                    client, "/graphql", [{"query": QUERY, "variables": {"q": q}} for q in queries[kind][:20]]
                )
            client.get("/gc-pauses")
            gc_rows = []
            bare_times = _measure(client, "/bare", [{}] * args.requests)
            bare = statistics.median(bare_times)
            rows = [_row("bare Starlette endpoint", bare_times, bare)]
            for kind, texts in queries.items():
                bodies = [{"query": QUERY, "variables": {"q": q}} for q in texts]
                rows.append(_row(f"search: {kind}", _measure(client, "/graphql", bodies), bare))
                gc_rows.append(_gc_row(kind, client.get("/gc-pauses").json()))
            facets = [{"query": FACETS, "variables": {"q": q}} for q in queries["common term"]]
            rows.append(_row("search: common term + facets", _measure(client, "/graphql", facets), bare))
            gc_rows.append(_gc_row("common term + facets", client.get("/gc-pauses").json()))
            sample = client.post("/graphql", json={"query": QUERY, "variables": {"q": "有限公司"}}).json()
    finally:
        child.terminate()
        child.wait()
    size = {
        name: pages
        for name, pages in sqlite3.connect(db).execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search%' OR name LIKE 'ix_search%' "
            "OR name LIKE 'sqlite_autoindex_search%' GROUP BY name"
        )
    }
    import asyncio

    import search.text

    search.text.preload()
    for kind, texts in queries.items():
        rows.append(_row(f"backend only: {kind}", asyncio.run(_backend_times(args.url, texts)), bare))
    found = sample["data"]["search"]
    print("| request | n | p50 ms | p99 ms | p50 / bare |\n|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n| garbage collector during | gen 0 passes (ms in all) | gen 1 | gen 2 (longest ms) |")
    print("|---|---|---|---|")
    print("\n".join(gc_rows))
    print(f"\n'有限公司': totalCount {found['totalCount']}, exact {found['totalCountExact']}")
    print("\nindex size (bytes):", json.dumps(size, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
