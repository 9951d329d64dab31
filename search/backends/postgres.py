"""PostgreSQL's full-text index: token ids in a GIN-indexed integer array, read newest first.

Layout: ``search_tokens`` numbers every token once; a document's ``search_documents.token_ids``
holds the numbers of its tokens, and a GIN index (the built-in array_ops) answers ``token_ids
@> ARRAY[...]``, an AND of tokens. Why not a tsvector: a tsvector keeps each token's text with a
4-byte entry (and to_tsvector a position per token): 1,227 bytes a document at a million
results, 1.36 GB with the table, against 345 bytes for the same tokens as integers (measured on
50,000 generated documents: 46 MB of tsvectors, 19 MB of arrays; the GIN indexes 10 and 9 MB,
and the arrays' built in 0.7 s rather than 2.5 s). Matches are the same: a document holds every
token of the query exactly when its array contains every token's number, and a token no
document has has no number, so the query finds nothing without touching the index.

Reading: one ``WHERE token_ids @> q ORDER BY version_id DESC LIMIT n`` over a million documents
makes PostgreSQL fetch every matching row from the heap and sort them when the planner expects
many matches (a phrase of common bigrams, 族自治县, matches 180,000 documents: 330-390 ms). A
search needs only the newest ``n`` (ranking looks at those, and counts past them are estimates,
search/backends/base.py). So the match is asked for the newest window of version ids first, and
for a window eight times wider only while fewer than ``n`` were found: the heap is read for the
rows of the windows searched, which for a common query is the first window alone.

The matches are the same as the single statement's: the windows tile the version ids from the
newest down, and each is read newest first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# The first window: ~1/30 of a million documents, which holds a thousand matches of any query
# matching more than ~3% of them. Each further window is WIDEN times the last, so a rare query
# reaches the oldest document in four statements at a million.
FIRST_WINDOW = 32_768
WIDEN = 8


_LOOKUP = sa.text("SELECT token, id FROM search_tokens WHERE token = ANY(CAST(:tokens AS text[]))")
_ADD = sa.text(
    "INSERT INTO search_tokens (token) SELECT unnest(CAST(:tokens AS text[])) "
    "ON CONFLICT (token) DO NOTHING RETURNING token, id"
)


async def known_ids(connection: AsyncConnection, tokens: Collection[str]) -> dict[str, int]:
    """The numbers of those of ``tokens`` that some document holds (or held)."""
    if not tokens:
        return {}
    return {token: id_ for token, id_ in await connection.execute(_LOOKUP, {"tokens": list(tokens)})}


async def token_ids(
    connection: AsyncConnection, tokens: Collection[str], cache: dict[str, int] | None = None
) -> dict[str, int]:
    """The numbers of ``tokens``, numbering the new ones (in the caller's transaction).

    ``cache``: numbers already known in this transaction (a rebuild's), updated in place.
    """
    cache = {} if cache is None else cache
    missing = [token for token in tokens if token not in cache]
    for _ in range(2):
        if not missing:
            break
        cache.update(await known_ids(connection, missing))
        missing = [token for token in missing if token not in cache]
        if missing:
            # A concurrent transaction may number the same token first: ON CONFLICT skips it
            # (after waiting for that transaction), and the second lookup reads its number.
            cache.update({t: i for t, i in await connection.execute(_ADD, {"tokens": sorted(missing)})})
            missing = [token for token in missing if token not in cache]
    if missing:
        raise RuntimeError(f"search tokens without a number: {missing[:5]}")
    return {token: cache[token] for token in tokens}


async def newest_matches(
    connection: AsyncConnection,
    tokens: Sequence[str],
    columns: str,
    where: str,
    params: dict[str, Any],
    limit: int,
) -> list[Sequence[Any]]:
    """The newest ``limit`` documents ``d`` holding every token and meeting ``where``, newest first."""
    numbers = await known_ids(connection, set(tokens))
    if len(numbers) < len(set(tokens)):
        return []  # a token no document holds
    top = (await connection.execute(sa.text("SELECT max(version_id) FROM search_documents"))).scalar()
    if top is None:
        return []
    statement = sa.text(
        f"SELECT {columns} FROM search_documents d WHERE d.token_ids @> CAST(:ids AS integer[]) "
        f"AND d.version_id > :low AND d.version_id <= :high{where} ORDER BY d.version_id DESC LIMIT :need"
    )
    rows: list[Sequence[Any]] = []
    high, span = int(top), FIRST_WINDOW
    while len(rows) < limit and high > 0:
        low = max(high - span, 0)
        values = {
            **params,
            "ids": sorted(numbers.values()),
            "low": low,
            "high": high,
            "need": limit - len(rows),
        }
        rows += list(await connection.execute(statement, values))
        high, span = low, span * WIDEN
    return rows
