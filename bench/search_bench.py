"""Search latency through the GraphQL endpoint, beside a bare Starlette endpoint, in one run.

Run: .venv/bin/python bench/search_bench.py --results 1000000 [--requests 300] [--backend both]
builds its own database (bench/gen_results.py: generate, then the full index rebuild, both
timed): SQLite in a temporary directory, PostgreSQL as the database named by ``--pg-url``
(dropped and created afresh), or both one after the other (``--backend both``). Then it serves
the real application with uvicorn on 127.0.0.1 in a child process, plus /bare (a plain Starlette
JSON route), and sends sequential keep-alive requests. Query kinds: a full entity name, a phrase
(part of a name), three terms, a very common term. ``--url sqlite:////path`` or ``--url
postgresql://...`` measures a database generated before instead.
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
    if hasattr(settings, "response_cache_bytes"):
        import dataclasses

        # The public response cache (issue 13) off: the common-term kind repeats four queries, and
        # every kind's warm-up queries come again in its measured ones; the cache would answer
        # those without searching (measured 2026-12-02: common term p50 1.6 ms, below the bare route).
        settings = dataclasses.replace(settings, response_cache_bytes=0)
    app = create_app(settings)
    # First: the website's last route answers every unknown GET with its 404 page.
    app.router.routes.insert(0, Route("/bare", bare, methods=["GET", "POST"]))
    app.router.routes.insert(0, Route("/gc-pauses", gc_pauses))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _queries(url: str, n: int, rng: random.Random) -> dict[str, list[str]]:
    import sqlalchemy as sa
    from gen_results import _sync_url

    engine = sa.create_engine(_sync_url(url))
    with engine.connect() as con:
        total = con.execute(sa.text("SELECT max(id) FROM entities")).scalar_one()
        pick = sa.text("SELECT name FROM entities WHERE id = :id")
        names = [con.execute(pick, {"id": rng.randint(1, total)}).scalar_one() for _ in range(n)]
    engine.dispose()
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


def _fresh_postgresql(url: str) -> None:
    """Drop and create the database named in ``url`` (never one the tests or the lead use)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    assert name not in {"test", "postgres"} and not name.startswith("test_"), f"refusing to drop {name}"
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def _build(url: str, results: int) -> list[str]:
    """Generate ``results`` into the migrated, empty database at ``url`` and rebuild its index."""
    import asyncio

    from gen_results import build_index, generate

    from schema.migrate import upgrade

    upgrade(url)
    started = time.perf_counter()
    generate(url, results, 2021)
    lines = [f"generated {results:,} published results in {time.perf_counter() - started:.0f} s"]
    lines.append(f"full index rebuild (gongshi reindex): {asyncio.run(build_index(url)):.1f} s")
    print(*lines, sep="\n")
    return lines


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a database made by bench/gen_results.py (default: build one)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument(
        "--pg-url",
        default="postgresql://postgres@127.0.0.1:5432/bench_search_pg",
        help="the PostgreSQL database to build (dropped first)",
    )
    parser.add_argument("--results", type=int, default=1_000_000, help="size of the database to build")
    parser.add_argument("--requests", type=int, default=300, help="per query kind")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--sqlite-path",
        help="build the SQLite database at this path and keep it (for later runs with --url); "
        "default: a temporary file, removed before PostgreSQL is built",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build the databases (generate, full rebuild) and measure nothing; keep the SQLite "
        "one with --sqlite-path",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.url, args.port)
        return 0
    if args.url is not None:
        print(_bench(args.url, args.requests, args.port))
        return 0
    import tempfile

    reports = []
    with tempfile.TemporaryDirectory(prefix="gongshi-search-bench-") as tmp:
        if args.backend in ("sqlite", "both"):
            path = args.sqlite_path or f"{tmp}/bench.db"
            if os.path.exists(path):
                os.remove(path)
            url = f"sqlite:///{path}"
            lines = _build(url, args.results)
            if not args.build_only:
                lines.append(_bench(url, args.requests, args.port))
            reports.append("\n".join(["## SQLite", *lines]))
            print(reports[-1])
            if args.sqlite_path is None:
                os.remove(path)  # 1.5 GB at a million: not kept while PostgreSQL builds
    if args.backend in ("postgresql", "both"):
        _fresh_postgresql(args.pg_url)
        lines = _build(args.pg_url, args.results)
        if not args.build_only:
            lines.append(_bench(args.pg_url, args.requests, args.port))
        reports.append("\n".join(["## PostgreSQL", *lines]))
        print(reports[-1])
    print("\n\n".join(reports))
    return 0


def _index_size(url: str) -> dict[str, int]:
    """Bytes of the full-text index: SQLite's FTS5 and bitmap tables and the document table with
    its indexes; on PostgreSQL the token arrays and the common tokens' bits (the columns, without
    the other columns), their GIN index, the token dictionary, and the document table with its
    indexes."""
    if url.startswith("sqlite"):
        db = url.split("///", 1)[1]
        return dict(
            sqlite3.connect(db).execute(
                "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'search%' OR name LIKE 'ix_search%' "
                "OR name LIKE 'sqlite_autoindex_search%' GROUP BY name"
            )
        )
    import sqlalchemy as sa
    from gen_results import _sync_url

    engine = sa.create_engine(_sync_url(url))
    with engine.connect() as con:
        row = con.execute(
            sa.text(
                "SELECT (SELECT sum(pg_column_size(token_ids)) FROM search_documents), "
                "(SELECT sum(pg_column_size(common_bits)) FROM search_documents), "
                # Every window's GIN index (ix_search_documents_tokens and _1, _2...: Run 7).
                "(SELECT sum(pg_relation_size(indexrelid)) FROM pg_index "
                "WHERE indexrelid::regclass::text LIKE 'ix\\_search\\_documents\\_tokens%'), "
                "pg_total_relation_size('search_tokens'), "
                "pg_table_size('search_documents'), pg_indexes_size('search_documents')"
            )
        ).one()
    engine.dispose()
    keys = (
        "token_ids column",
        "common_bits column",
        "GIN ix_search_documents_tokens (every window's)",
        "search_tokens (with its indexes)",
    )
    return {
        **dict(zip(keys, map(int, row[:4]), strict=True)),
        "full-text index (the four above)": int(sum(row[:4])),
        "search_documents table": int(row[4]),
        "search_documents indexes (GIN included)": int(row[5]),
    }


def _warm(url: str) -> str:
    """Ask the kernel to read the database's files into its page cache; returns what was done.

    Why: this VM's kernel pages out page cache that has not been read for about a minute (DAMON,
    /sys/kernel/mm/damon/admin: a "pageout" scheme for memory idle 12 x 5 s), and both databases
    read their files through that cache (PostgreSQL's own shared_buffers were 128 MB then). So a
    run after a minute's idleness read from disk: Run 8's first PostgreSQL run, 40 ms p99 against
    22 (BENCHMARKS.md, issue 17, Run 9). Done for BOTH backends before every measured kind, the
    same way (an asynchronous read-ahead of every file: posix_fadvise WILLNEED; on PostgreSQL
    its own pg_prewarm, the same call for each table and index: into shared_buffers when they
    hold the database, else 'prefetch' into the page cache), so each kind starts from a cached
    database whatever ran before it.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        for name in (path, f"{path}-wal"):
            if os.path.exists(name):
                fd = os.open(name, os.O_RDONLY)
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
                finally:
                    os.close(fd)
        return "page cache: posix_fadvise WILLNEED on the database file"
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            row = con.execute(
                "SELECT pg_database_size(current_database()), "
                "pg_size_bytes(current_setting('shared_buffers')), current_setting('shared_buffers')"
            ).fetchone()
            assert row is not None
            # Into PostgreSQL's own buffers when they hold the whole database, as the README
            # advises a deployment to size them (issue 17, Run 11); else the kernel's page cache.
            mode = "buffer" if row[0] < row[1] * 0.9 else "prefetch"
            blocks = con.execute(
                f"SELECT sum(pg_prewarm(c.oid, '{mode}')) FROM pg_class c "
                "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')"
            ).fetchone()
    except psycopg.Error as exc:  # no contrib package, or no right to create the extension
        return f"page cache: not warmed ({exc})"
    return (
        f"pg_prewarm '{mode}' of {blocks[0] if blocks else 0} blocks "
        f"(database {row[0] / 2**20:.0f} MB, shared_buffers {row[2]})"
    )


def _bench(url: str, requests: int, port: int) -> str:
    """Measure the database at ``url``; returns the report as Markdown."""
    import httpx

    rng = random.Random(7)
    queries = _queries(url, requests, rng)
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--url", url, "--port", str(port)],
        env={**os.environ, "ELASTICSEARCH_URL": ""},
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
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
            warmed = _warm(url)
            bare_times = _measure(client, "/bare", [{}] * requests)
            bare = statistics.median(bare_times)
            rows = [_row("bare Starlette endpoint", bare_times, bare)]
            for kind, texts in queries.items():
                bodies = [{"query": QUERY, "variables": {"q": q}} for q in texts]
                _warm(url)
                rows.append(_row(f"search: {kind}", _measure(client, "/graphql", bodies), bare))
                gc_rows.append(_gc_row(kind, client.get("/gc-pauses").json()))
            facets = [{"query": FACETS, "variables": {"q": q}} for q in queries["common term"]]
            _warm(url)
            rows.append(_row("search: common term + facets", _measure(client, "/graphql", facets), bare))
            gc_rows.append(_gc_row("common term + facets", client.get("/gc-pauses").json()))
            sample = client.post("/graphql", json={"query": QUERY, "variables": {"q": "有限公司"}}).json()
    finally:
        child.terminate()
        child.wait()
    size = _index_size(url)
    import asyncio

    import search.text

    search.text.preload()
    for kind, texts in queries.items():
        _warm(url)
        rows.append(_row(f"backend only: {kind}", asyncio.run(_backend_times(url, texts)), bare))
    found = sample["data"]["search"]
    return "\n".join(
        [
            "| request | n | p50 ms | p99 ms | p50 / bare |\n|---|---|---|---|---|",
            *rows,
            "\n| garbage collector during | gen 0 passes (ms in all) | gen 1 | gen 2 (longest ms) |",
            "|---|---|---|---|",
            *gc_rows,
            f"\nbefore each kind, {warmed}",
            f"\n'有限公司': totalCount {found['totalCount']}, exact {found['totalCountExact']}",
            "\nindex size (bytes): " + json.dumps(size, indent=1),
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
