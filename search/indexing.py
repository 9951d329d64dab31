"""Write the index in the data's own transaction: publication and correction re-index a result.

Called by inspections/results.py after each published version is written, so the database index
is never behind the data and a rolled-back publication leaves no trace in it. With Elasticsearch
configured, an outbox row is written in the same transaction and drained after commit
(search/outbox.py), so an unreachable cluster loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from schema.models import SearchDocument, SearchOutbox
from search import config
from search.backends import postgres, postings
from search.documents import Document, documents_for

_SQLITE_FTS_INSERT = "INSERT INTO search_fts(rowid, tokens) VALUES (?, ?)"
_COLUMNS = [c.name for c in SearchDocument.__table__.columns]


def _pg_upsert() -> sa.TextClause:
    names = ", ".join(_COLUMNS)
    values = ", ".join(f":{c}" for c in _COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "result_id")
    return sa.text(
        f"INSERT INTO search_documents ({names}, token_ids, common_bits) "
        f"VALUES ({values}, :token_ids, :common_bits) ON CONFLICT (result_id) DO UPDATE SET {updates}, "
        "token_ids = excluded.token_ids, common_bits = excluded.common_bits"
    )


def _sqlite_upsert() -> str:
    names = ", ".join(_COLUMNS)
    values = ", ".join("?" for _ in _COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "result_id")
    return (
        f"INSERT INTO search_documents ({names}) VALUES ({values}) "
        f"ON CONFLICT (result_id) DO UPDATE SET {updates}"
    )


_PG_UPSERT = _pg_upsert()
_SQLITE_UPSERT = _sqlite_upsert()


def _sqlite_row(doc: Document) -> tuple[Any, ...]:
    values = doc.filter_values()
    # Dates as SQLAlchemy stores them on SQLite (ISO text), not through sqlite3's deprecated adapter.
    values["published_on"] = doc.published_on.isoformat()
    return tuple(values[c] for c in _COLUMNS)


async def _write_postgresql(session: AsyncSession, docs: Sequence[Document]) -> None:
    tokens = [set(f"{d.name_tokens} {d.body_tokens}".split()) for d in docs]
    known = await postgres.token_ids(await session.connection(), set().union(*tokens))
    rows = []
    for doc, held in zip(docs, tokens, strict=True):
        # Numbers 1..64 as bits, the others in the array (search/backends/postgres.py).
        rare, bits = postgres.split(known[t] for t in held)
        rows.append({**doc.filter_values(), "token_ids": rare, "common_bits": bits})
    await session.execute(_PG_UPSERT, rows)


async def write_documents(
    session: AsyncSession,
    docs: Sequence[Document],
    *,
    empty: bool = False,
) -> None:
    """Upsert documents into the database index (skipping versions already indexed).

    ``empty``: the index was just emptied (a SQLite rebuild), so there is nothing to skip.
    (A PostgreSQL rebuild copies into new tables instead: search/backends/postgres.py, Rebuild.)
    """
    if not docs:
        return
    if session.get_bind().dialect.name != "sqlite":
        await _write_postgresql(session, docs)
        return
    # A version is written to FTS5 once: its rowid is the version id, and a contentless table
    # cannot take a second row with the same rowid.
    indexed: set[int] = set()
    if not empty:
        indexed = set(
            await session.scalars(
                sa.select(SearchDocument.version_id).where(
                    SearchDocument.version_id.in_([d.version_id for d in docs])
                )
            )
        )
    fresh = [d for d in docs if d.version_id not in indexed]
    connection = await session.connection()
    # The driver's executemany with plain tuples: a rebuild writes a million rows this way.
    if fresh:
        rows = [(d.version_id, f"{d.name_tokens} {d.body_tokens}") for d in fresh]
        await connection.exec_driver_sql(_SQLITE_FTS_INSERT, rows)
        if not empty:
            # A rebuild writes the bitmaps once at the end (search/reindex.py).
            await postings.add_documents(connection, [(rowid, text.split()) for rowid, text in rows])
    await connection.exec_driver_sql(_SQLITE_UPSERT, [_sqlite_row(d) for d in docs])


async def index_results(session: AsyncSession, result_ids: Sequence[int]) -> list[Document]:
    """Index these results if published; queue them for Elasticsearch when configured.

    Returns the documents written (one per published result, in result id order).
    """
    docs = await documents_for(session, list(result_ids))
    await write_documents(session, docs)
    if config.current().elasticsearch_url:
        session.add_all(SearchOutbox(result_id=d.result_id) for d in docs)
        await session.flush()
    return docs


async def index_result(session: AsyncSession, result_id: int) -> Document | None:
    """Index one result after its publication or correction (same transaction); its document.

    None when the result is not published (it has no document).
    """
    docs = await index_results(session, [result_id])
    return docs[0] if docs else None
