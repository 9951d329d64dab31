"""Search commands: ``gongshi reindex`` and ``gongshi search drain-outbox|status``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from api.cli.session import open_sessions
from api.settings import Settings
from schema.migrate import upgrade


async def _reindex_async(settings: Settings, target: str) -> int:
    from tqdm import tqdm

    from api.search_runtime import configure_search
    from search.backends import elastic
    from search.reindex import published_count, rebuild_database, rebuild_elastic

    configure_search(settings)
    backend = elastic.backend()
    if target == "elasticsearch" and backend is None:
        print("未设置 ELASTICSEARCH_URL，无法重建 Elasticsearch 索引", file=sys.stderr)
        return 2
    async with open_sessions(settings) as sessions:
        if target in ("database", "all"):
            started = time.perf_counter()
            async with sessions() as session, session.begin():
                total = await published_count(session)
                with tqdm(total=total, desc="数据库索引", unit="条") as bar:
                    done = await rebuild_database(session, progress=bar.update)
            print(f"数据库索引已重建：{done}条已公示结果，用时{time.perf_counter() - started:.1f}秒")
        if target in ("elasticsearch", "all") and backend is not None:
            started = time.perf_counter()
            async with sessions() as session, session.begin():
                total = await published_count(session)
                with tqdm(total=total, desc="Elasticsearch", unit="条") as bar:
                    made = await rebuild_elastic(session, backend, progress=bar.update)
            await backend.close()
            print(
                f"Elasticsearch 索引 {made.index} 已建成并启用（别名 {backend.alias}）：{made.count}条，"
                f"用时{time.perf_counter() - started:.1f}秒；删除旧索引 {', '.join(made.removed) or '无'}"
            )
    return 0


def _reindex(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    return asyncio.run(_reindex_async(settings, args.target))


async def _drain_async(settings: Settings) -> int:
    from api.search_runtime import configure_search, drain_all
    from search.backends import elastic
    from search.outbox import pending

    configure_search(settings)
    backend = elastic.backend()
    if backend is None:
        print("未设置 ELASTICSEARCH_URL：没有需要发送的队列", file=sys.stderr)
        return 2
    async with open_sessions(settings) as sessions:
        sent = await drain_all(sessions)
        async with sessions() as session:
            left = await pending(session)
        await backend.close()
    print(f"已发送{sent}条变更；队列中还有{left}条" + (f"（{backend.last_error}）" if left else ""))
    return 0 if left == 0 else 1


def _drain(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_drain_async(settings))


async def _status_async(settings: Settings) -> int:
    import sqlalchemy as sa

    from api.search_runtime import configure_search, search_readiness
    from schema.models import SearchDocument
    from search.backends import elastic
    from search.outbox import pending
    from search.reindex import published_count

    configure_search(settings)
    async with open_sessions(settings) as sessions:
        async with sessions() as session:
            published = await published_count(session)
            indexed = int(await session.scalar(sa.select(sa.func.count()).select_from(SearchDocument)) or 0)
            queued = await pending(session)
        state = await search_readiness(sessions)
        backend = elastic.backend()
        if backend is not None:
            await backend.close()
    print(f"已公示结果 {published}，数据库索引 {indexed}，Elasticsearch 队列 {queued}，搜索 {state}")
    return 0 if published == indexed else 1


def _status(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_status_async(settings))


def register(sub: Any) -> None:
    """Add the search commands to the ``gongshi`` parser."""
    reindex = sub.add_parser("reindex", help="rebuild the search index (database, Elasticsearch or both)")
    reindex.add_argument(
        "--target",
        choices=["all", "database", "elasticsearch"],
        default="all",
        help="what to rebuild (all: the database, and Elasticsearch when ELASTICSEARCH_URL is set)",
    )
    reindex.set_defaults(run=_reindex)
    search_cmd = sub.add_parser("search", help="the search index").add_subparsers(
        dest="action", required=True
    )
    search_cmd.add_parser(
        "drain-outbox", help="send queued changes to Elasticsearch now (the server does it every 2 s)"
    ).set_defaults(run=_drain)
    search_cmd.add_parser("status", help="index counts, outbox backlog, Elasticsearch health").set_defaults(
        run=_status
    )
