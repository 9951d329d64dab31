"""Compressed posting bitmaps of the most frequent tokens, beside SQLite's FTS5 index.

Why: FTS5 answers an AND by seeking every token's doclist to each candidate, ~2.5 µs a seek on
this machine when the doclist is long. A name such as 秦皇岛市北戴河区恒鼎信息技术有限公司 has one
rare bigram (恒鼎, ~1,000 documents) and eight common ones (有限, 公司, 秦皇 … each in 20-80% of a
million documents), so FTS5 made ~8,000 such seeks: 12 ms. Here the tokens in at least
``FREQUENT_FROM`` documents (665 tokens holding 94% of the postings at a million results) also
keep a roaring bitmap of their rowids (pyroaring, the CRoaring binding), so the rare tokens go
through FTS5 and the common ones are a bitmap AND: the same name takes well under a millisecond.

Layout: ``search_fts_postings`` holds each frequent token's rowids cut into chunks of 65,536
rowids, so adding a document rewrites at most 8 KB per frequent token it holds; a token is
frequent if it has a row there, and a full rebuild (``gongshi reindex``) chooses them. The FTS5
index still holds every token: the bitmaps only make the common ones cheap.

Invariant: a token with rows in ``search_fts_postings`` has every rowid of the FTS5 index that
holds it in its bitmap. write_documents adds each new rowid in the same transaction as the FTS5 row; the
FTS5 rows themselves are written once per result version and never changed (search/indexing.py),
and a rebuild recomputes both tables. Rowids of superseded versions stay in both indexes and are
dropped by the join on search_documents, as before.

Kept in memory: chunks below the newest change only in a rebuild or when a document is written
under an old rowid, and both give ``search_fts_generation`` a new random value in the writing
transaction. A search reads the generation with the newest chunk (one statement) and takes older
chunks from the process's SealedChunks under that generation, reading only those it lacks; the
newest chunk is read every time. Random values keep two databases in one process (the tests)
apart as well.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import orjson
from cachetools import LRUCache
from pyroaring import BitMap
from sqlalchemy.ext.asyncio import AsyncConnection

from search.backends.sqlite_rows import fetch_rows

# A token in this many documents gets a bitmap at the next rebuild. Chosen at a million results:
# FTS5 reads a doclist this long in ~0.1 ms, and 665 tokens pass it (42 MB of bitmaps).
FREQUENT_FROM = 4096
CHUNK_BITS = 16


def chunk_of(rowid: int) -> int:
    """The chunk a rowid's bit is stored in."""
    return rowid >> CHUNK_BITS


def _json(values: Iterable[object]) -> str:
    return orjson.dumps(list(values)).decode()


def _split(bitmap: BitMap) -> dict[int, BitMap]:
    """The bitmap cut at chunk boundaries."""
    parts: dict[int, BitMap] = {}
    if not bitmap:
        return parts
    for chunk in range(chunk_of(bitmap.min()), chunk_of(bitmap.max()) + 1):
        low = bitmap.rank((chunk << CHUNK_BITS) - 1) if chunk else 0
        high = bitmap.rank(((chunk + 1) << CHUNK_BITS) - 1)
        if high > low:
            parts[chunk] = bitmap[low:high]
    return parts


class Newest(NamedTuple):
    """What a search reads first: the newest chunk, the bitmaps' generation, and the query's
    frequent tokens' bitmaps in the newest chunk."""

    chunk: int
    generation: int
    bitmaps: dict[str, BitMap]


async def newest(connection: AsyncConnection, tokens: Iterable[str]) -> Newest:
    """The index's newest chunk and generation, and the bitmaps there of those of ``tokens``
    that have one.

    One statement for what most searches need: which tokens are frequent and their newest
    matches. A frequent token with no rowid in the newest chunk is not returned, and so is
    looked up through FTS5 like a rare one: slower for that search, never a different answer.
    """
    rows = await fetch_rows(
        connection,
        "SELECT n.chunk, g.generation, p.token, p.bitmap FROM (SELECT coalesce(max(version_id), 0) >> ? "
        "AS chunk FROM search_documents) n CROSS JOIN search_fts_generation g LEFT JOIN "
        "search_fts_postings p ON p.chunk = n.chunk AND p.token IN (SELECT value FROM json_each(?))",
        (CHUNK_BITS, _json(set(tokens))),
    )
    bitmaps = {row[2]: BitMap.deserialize(row[3]) for row in rows if row[2] is not None}
    return Newest(int(rows[0][0]), int(rows[0][1]), bitmaps)


class SealedChunks:
    """Bitmaps of chunks below the newest, kept in memory between searches (least recently used
    first out, bounded by their serialized size).

    Why: a rare combination of common tokens reads every chunk of each (15 chunks at a million
    results, ~1-2 ms of blobs read and deserialized), and those chunks change only when the
    generation does. Entries are keyed by generation, so a rebuild or a write below the newest
    chunk makes every older entry unreachable; they age out of the LRU. Used from the event
    loop's thread only.
    """

    def __init__(self, max_bytes: int) -> None:
        self._entries: LRUCache[tuple[int, str, int], tuple[BitMap, int]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: entry[1]
        )

    def get(self, generation: int, token: str, chunk: int) -> BitMap | None:
        """The bitmap kept for this token and chunk in this generation, if any."""
        entry = self._entries.get((generation, token, chunk))
        return None if entry is None else entry[0]

    def put(self, generation: int, token: str, chunk: int, bitmap: BitMap, size: int) -> None:
        """Keep a bitmap read from the database (``size``: its serialized bytes)."""
        # An empty bitmap (the token has no rowid in the chunk) is worth keeping too.
        self._entries[generation, token, chunk] = (bitmap, max(size, 64))

    def __len__(self) -> int:
        return len(self._entries)


# 64 MB: every frequent token's bitmaps at a million results come to 63 MB serialized.
SEALED = SealedChunks(64 * 1024 * 1024)


async def new_generation(connection: AsyncConnection) -> None:
    """Make every bitmap kept in memory by any process stale (call in the writing transaction)."""
    await connection.exec_driver_sql("UPDATE search_fts_generation SET generation = random()")


async def load_chunks(
    connection: AsyncConnection, tokens: Sequence[str], chunks: Iterable[int]
) -> dict[str, dict[int, tuple[BitMap, int]]]:
    """Each token's bitmap per chunk over those chunks, with its serialized size (a chunk missing:
    no rowid there)."""
    rows = await fetch_rows(
        connection,
        "SELECT token, chunk, bitmap FROM search_fts_postings "
        "WHERE token IN (SELECT value FROM json_each(?)) AND chunk IN (SELECT value FROM json_each(?))",
        (_json(tokens), _json(set(chunks))),
    )
    loaded: dict[str, dict[int, tuple[BitMap, int]]] = {token: {} for token in tokens}
    for row in rows:
        loaded[row[0]][row[1]] = (BitMap.deserialize(row[2]), len(row[2]))
    return loaded


async def frequent_tokens(connection: AsyncConnection, tokens: Iterable[str]) -> set[str]:
    """Which of ``tokens`` have bitmaps (in any chunk)."""
    rows = await fetch_rows(
        connection,
        "SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM search_fts_postings WHERE token = value)",
        (_json(set(tokens)),),
    )
    return {row[0] for row in rows}


async def add_documents(connection: AsyncConnection, documents: Sequence[tuple[int, Iterable[str]]]) -> None:
    """Add new FTS5 rows (rowid, tokens) to the bitmaps of their frequent tokens.

    Call in the transaction that writes the FTS5 rows, so the invariant holds at every commit.
    """
    tokens_of = {rowid: set(tokens) for rowid, tokens in documents}
    frequent = await frequent_tokens(connection, set().union(*tokens_of.values()))
    if not frequent:
        return
    added: dict[tuple[str, int], list[int]] = defaultdict(list)
    for rowid, tokens in tokens_of.items():
        for token in tokens & frequent:
            added[token, chunk_of(rowid)].append(rowid)
    written = {chunk for _, chunk in added}
    newest_version = await connection.exec_driver_sql(
        "SELECT coalesce(max(version_id), 0) FROM search_documents"
    )
    if min(written) < max(chunk_of(newest_version.scalar_one()), max(written)):
        # A chunk that searches may hold in memory (SealedChunks) is about to change.
        await new_generation(connection)
    stored = await load_chunks(connection, sorted(frequent), written)
    writes = []
    for (token, chunk), rowids in added.items():
        bitmap = stored[token][chunk][0] if chunk in stored[token] else BitMap()
        bitmap.update(rowids)
        writes.append((token, chunk, bitmap.serialize()))
    await connection.exec_driver_sql(
        "INSERT INTO search_fts_postings (token, chunk, bitmap) VALUES (?, ?, ?) "
        "ON CONFLICT (token, chunk) DO UPDATE SET bitmap = excluded.bitmap",
        writes,
    )


async def clear(connection: AsyncConnection) -> None:
    """Forget every bitmap (a rebuild starts here; until it ends, every token goes to FTS5)."""
    await connection.exec_driver_sql("DELETE FROM search_fts_postings")
    await new_generation(connection)


async def rebuild(connection: AsyncConnection, frequent_from: int = FREQUENT_FROM) -> int:
    """Choose the frequent tokens from the FTS5 index as it now is and write their bitmaps.

    Returns how many tokens were chosen. Reads each chosen token's doclist once, as text
    (group_concat in SQLite, parsed by numpy): per row through Python it took four times as long.
    """
    await clear(connection)
    await connection.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_vocabulary "
        "USING fts5vocab(main, search_fts, 'row')"
    )
    try:
        chosen = list(
            await connection.exec_driver_sql(
                "SELECT term FROM temp.search_fts_vocabulary WHERE doc >= ?", (frequent_from,)
            )
        )
    finally:
        await connection.exec_driver_sql("DROP TABLE temp.search_fts_vocabulary")
    import numpy as np  # a rebuild's only: ~11 MB a serving worker need not hold (bench/rss_bench.py)

    for (term,) in chosen:
        text = (
            await connection.exec_driver_sql(
                "SELECT group_concat(rowid) FROM search_fts WHERE search_fts MATCH ?", (f'"{term}"',)
            )
        ).scalar()
        rowids = np.fromstring(text or "", dtype=np.uint32, sep=",")
        bitmap = BitMap(array("I", rowids.tobytes()))
        await connection.exec_driver_sql(
            "INSERT INTO search_fts_postings (token, chunk, bitmap) VALUES (?, ?, ?)",
            [(term, chunk, part.serialize()) for chunk, part in _split(bitmap).items()],
        )
    return len(chosen)
