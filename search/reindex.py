"""Full rebuilds: the database index in place (one transaction), Elasticsearch by alias swap."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from elasticsearch.helpers import async_streaming_bulk
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import ResultStatus
from schema.models import InspectionResult, SearchDocument, SearchOutbox
from search.backends import postgres, postings
from search.backends.elastic import INDEX_BODY, ElasticBackend, bulk_actions
from search.documents import Document, build_documents, category_labels, load_range
from search.indexing import write_documents

BATCH = 2000
Progress = Callable[[int], None]


async def published_count(session: AsyncSession) -> int:
    """How many results are published (the size of a full rebuild)."""
    stmt = sa.select(sa.func.count()).where(InspectionResult.status == ResultStatus.PUBLISHED)
    return int(await session.scalar(stmt) or 0)


# Below this many results a worker pool costs more (start-up, segmenter load) than it saves.
PARALLEL_FROM = 20_000
_worker: dict[str, Any] = {}


def _workers(total: int) -> int:
    return min(2, os.cpu_count() or 1) if total >= PARALLEL_FROM else 0


def _start_worker(url: str) -> None:
    """In a worker process: an event loop, an engine on the same database, the segmenter."""
    from schema.db import make_engine
    from search.text import preload

    loop = asyncio.new_event_loop()
    _worker.update(loop=loop, engine=make_engine(url), sessions=None)
    preload()


async def _range_documents(low: int, high: int, labels: dict[str, str]) -> list[Document]:
    from schema.db import make_sessionmaker

    async with make_sessionmaker(_worker["engine"])() as session:
        rows = await load_range(session, low, high)
    return build_documents(rows, labels)


def _worker_documents(low: int, high: int, labels: dict[str, str]) -> list[Document]:
    """In a worker process: load and build the documents of one id range."""
    loop: asyncio.AbstractEventLoop = _worker["loop"]
    return loop.run_until_complete(_range_documents(low, high, labels))


async def _batches(session: AsyncSession, batch: int, workers: int) -> Any:
    """Documents of every published result, one id range at a time, in id order.

    With workers, other processes load and segment the next ranges while this one writes:
    segmenting is pure Python, so threads would only fight over the GIL (measured: it tripled
    the time of the SQLite writes), and loading there keeps this process for the writes alone.
    Workers read committed data only, which is all a rebuild copies.
    """
    labels = await category_labels(session)
    bounds = (
        await session.execute(sa.select(sa.func.min(InspectionResult.id), sa.func.max(InspectionResult.id)))
    ).one()
    if bounds[0] is None:
        return
    ranges = [(low, min(low + batch - 1, bounds[1])) for low in range(bounds[0], bounds[1] + 1, batch)]
    if not workers:
        for low, high in ranges:
            docs = build_documents(await load_range(session, low, high), labels)
            if docs:
                yield docs
        return
    loop = asyncio.get_running_loop()
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    # spawn, not fork: this process holds the database driver's thread.
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker, initargs=(url,)
    )
    queue: deque[asyncio.Future[list[Document]]] = deque()
    pending = iter(ranges)
    try:
        while True:
            for low, high in pending:
                queue.append(loop.run_in_executor(pool, _worker_documents, low, high, labels))
                if len(queue) > workers + 1:
                    break
            if not queue:
                return
            docs = await queue.popleft()
            if docs:
                yield docs
    finally:
        pool.shutdown(cancel_futures=True)


_FTS_TABLES = ("search_fts",)
# Built after the rows are in: one sort instead of a million random inserts into each.
_LATE_INDEXES = {
    "ix_search_documents_name_key": "search_documents (name_key)",
    "ix_search_documents_entity_id": "search_documents (entity_id)",
}


async def _sqlite_before(session: AsyncSession) -> None:
    await postings.clear(await session.connection())
    for table in _FTS_TABLES:
        # delete-all also drops the rows of superseded versions that corrections left behind;
        # automerge 0: no merging while loading, one 'optimize' at the end instead.
        await session.execute(sa.text(f"INSERT INTO {table}({table}) VALUES ('delete-all')"))
        await session.execute(sa.text(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)"))
    for name in _LATE_INDEXES:
        await session.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    # 256 MB of page cache for this connection while it writes a whole index (default: 8 MB).
    await session.execute(sa.text("PRAGMA cache_size = -262144"))


async def _sqlite_after(session: AsyncSession, frequent_from: int) -> None:
    for name, target in _LATE_INDEXES.items():
        await session.execute(sa.text(f"CREATE INDEX {name} ON {target}"))
    for table in _FTS_TABLES:
        # Merge the segments written batch by batch: smaller and faster to query.
        await session.execute(sa.text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
        await session.execute(sa.text(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 4)"))
    await postings.rebuild(await session.connection(), frequent_from)
    await session.execute(sa.text("PRAGMA cache_size = -2000"))


async def rebuild_database(
    session: AsyncSession,
    *,
    progress: Progress | None = None,
    batch: int = BATCH,
    frequent_from: int = postings.FREQUENT_FROM,
) -> int:
    """Empty and refill the database index in the caller's transaction; return the count.

    Readers keep seeing the old index until the caller commits (SQLite WAL, PostgreSQL MVCC).
    On SQLite, tokens in at least ``frequent_from`` documents get posting bitmaps
    (search/backends/postings.py).
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    # PostgreSQL: new tables, filled by COPY and swapped in (search/backends/postgres.py).
    pg = None if sqlite else postgres.Rebuild(await session.connection())
    if pg is None:
        await _sqlite_before(session)
        await session.execute(sa.delete(SearchDocument))
    else:
        await pg.start()
    done = 0
    async for docs in _batches(session, batch, _workers(await published_count(session))):
        if pg is None:
            await write_documents(session, docs, empty=True)
        else:
            await pg.write(docs)
        done += len(docs)
        if progress:
            progress(len(docs))
    if pg is None:
        await _sqlite_after(session, frequent_from)
    else:
        await pg.finish()
    return done


@dataclass(frozen=True)
class ElasticRebuild:
    """What a rebuild made: the new index behind the alias and how many documents it holds."""

    index: str
    count: int
    removed: list[str]


async def rebuild_elastic(
    session: AsyncSession, backend: ElasticBackend, *, progress: Progress | None = None, batch: int = BATCH
) -> ElasticRebuild:
    """Build a new index from the database, then point the alias at it and drop the old ones.

    Outbox rows queued before the rebuild read the data are settled by it and deleted; rows
    queued during it stay and are drained into the new index.
    """
    client = backend.client
    settled = int(await session.scalar(sa.select(sa.func.max(SearchOutbox.id))) or 0)
    index = f"{backend.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    body = {**INDEX_BODY, "settings": {**INDEX_BODY["settings"], "refresh_interval": "-1"}}
    await client.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
    count = 0
    async for docs in _batches(session, batch, _workers(await published_count(session))):
        count += await _send(client, index, docs)
        if progress:
            progress(len(docs))
    await client.indices.put_settings(index=index, settings={"index": {"refresh_interval": None}})
    await client.indices.refresh(index=index)
    old = list((await client.indices.get_alias(name=backend.alias, ignore_unavailable=True)).body)
    actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": backend.alias}} for name in old]
    actions.append({"add": {"index": index, "alias": backend.alias}})
    await client.indices.update_aliases(actions=actions)
    for name in old:
        await client.indices.delete(index=name)
    await session.execute(sa.delete(SearchOutbox).where(SearchOutbox.id <= settled))
    return ElasticRebuild(index, count, old)


async def _send(client: Any, index: str, docs: list[Document]) -> int:
    sent = 0
    async for ok, item in async_streaming_bulk(client, bulk_actions(index, docs), chunk_size=500):
        if not ok:
            raise RuntimeError(f"bulk indexing failed: {item}")
        sent += 1
    return sent
