"""Drain the Elasticsearch outbox: send queued results, delete their rows once the cluster has them.

A row is only deleted after a successful bulk answer, so a crash or an unreachable cluster loses
nothing; sending the current document again is harmless (indexing by result id is idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from schema.models import SearchOutbox
from search.backends.elastic import ElasticBackend, bulk_actions
from search.documents import documents_for

BATCH = 500


@dataclass(frozen=True)
class Drained:
    """One pass: how many queued changes were sent, and the error that stopped it, if any."""

    sent: int
    left: int
    error: str | None = None


async def pending(session: AsyncSession) -> int:
    """How many changes wait in the outbox."""
    return int(await session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)) or 0)


async def drain_once(session: AsyncSession, backend: ElasticBackend, *, batch: int = BATCH) -> Drained:
    """Send one batch of queued changes in the caller's transaction (the caller commits)."""
    rows = list(await session.scalars(sa.select(SearchOutbox).order_by(SearchOutbox.id).limit(batch)))
    if not rows:
        return Drained(0, 0)
    result_ids = sorted({row.result_id for row in rows})
    docs = await documents_for(session, result_ids)
    # A queued result that is no longer published must leave the public index.
    gone = set(result_ids) - {doc.result_id for doc in docs}
    # Imported only where a cluster is configured (see search/backends/elastic.py).
    from elasticsearch.helpers import async_bulk

    try:
        # 404: deleting a document the index never had is fine.
        await async_bulk(backend.client, bulk_actions(backend.alias, docs, gone), ignore_status=(404,))
    except Exception as exc:  # any failure (unreachable, rejected document) keeps the rows queued
        backend.mark_down(exc)
        message = f"{type(exc).__name__}: {exc}"[:200]
        for row in rows:
            row.attempts += 1
            row.last_error = message
        await session.flush()
        return Drained(0, await pending(session), error=message)
    backend.mark_up()
    await session.execute(sa.delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
    return Drained(len(rows), await pending(session))
