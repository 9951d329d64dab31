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

Reading: one ``WHERE token_ids @> ids ORDER BY version_id DESC LIMIT n`` statement, planned
by PostgreSQL from the array's element statistics (ANALYZE at the end of every rebuild, and
autovacuum's after): a query matching many documents (有限公司, 族自治县) walks the primary key
newest first and stops after ``n`` matches (0.4-2.9 ms at a million), a rare one takes the GIN
bitmap and sorts its few matches. Reading in windows of version ids instead (the newest 32,768,
then eight times wider) measured worse: 族自治县 46 ms, as the planner then chose the bitmap
within the window (BENCHMARKS.md, "Search").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

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
    # The numbers are written into the statement, not bound: a prepared statement run often
    # enough gets a generic plan, which cannot see how common these tokens are, and one plan
    # cannot serve both 有限公司 (newest first) and 恒鼎 (the GIN bitmap). Integers only.
    ids = ",".join(str(int(number)) for number in sorted(numbers.values()))
    statement = sa.text(
        f"SELECT {columns} FROM search_documents d WHERE d.token_ids @> '{{{ids}}}'::integer[]"
        f"{where} ORDER BY d.version_id DESC LIMIT :limit"
    )
    return list(await connection.execute(statement, {**params, "limit": limit}))
