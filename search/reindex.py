"""Full rebuilds: the database index in place (one transaction), Elasticsearch by alias swap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from elasticsearch.helpers import async_streaming_bulk
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import ResultStatus
from schema.models import InspectionResult, SearchDocument, SearchOutbox
from search.backends.elastic import INDEX_BODY, ElasticBackend, bulk_actions
from search.documents import Document, category_labels, documents_after
from search.indexing import write_documents

BATCH = 2000
Progress = Callable[[int], None]


async def published_count(session: AsyncSession) -> int:
    """How many results are published (the size of a full rebuild)."""
    stmt = sa.select(sa.func.count()).where(InspectionResult.status == ResultStatus.PUBLISHED)
    return int(await session.scalar(stmt) or 0)


async def _batches(session: AsyncSession, batch: int) -> Any:
    labels = await category_labels(session)
    after = 0
    while docs := await documents_after(session, after, batch, labels):
        yield docs
        after = docs[-1].result_id


async def rebuild_database(
    session: AsyncSession, *, progress: Progress | None = None, batch: int = BATCH
) -> int:
    """Empty and refill the database index in the caller's transaction; return the count.

    Readers keep seeing the old index until the caller commits (SQLite WAL, PostgreSQL MVCC).
    """
    if session.get_bind().dialect.name == "sqlite":
        # Also drops the rows of superseded versions that corrections left behind.
        for table in ("search_fts", "search_fts_names"):
            await session.execute(sa.text(f"INSERT INTO {table}({table}) VALUES ('delete-all')"))
    await session.execute(sa.delete(SearchDocument))
    done = 0
    async for docs in _batches(session, batch):
        await write_documents(session, docs, empty=True)
        done += len(docs)
        if progress:
            progress(len(docs))
    if session.get_bind().dialect.name == "sqlite":
        # Merge the segments written batch by batch: smaller and faster to query.
        for table in ("search_fts", "search_fts_names"):
            await session.execute(sa.text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
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
    async for docs in _batches(session, batch):
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
