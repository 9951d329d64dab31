"""The database backend: SQLite FTS5 or PostgreSQL full-text over search_documents.

Both read the newest ``rank_limit`` matches by version id (recent publications first) with the
entity's normalised name, plus every exact-name match; counts and facets come from those same
rows, so the full-text match runs once per search. Whether a match is in the name is decided
from that name (search/ranking.py), the same way for every backend.

On SQLite, a query holding one of the frequent tokens that have posting bitmaps
(search/backends/postings.py) is answered in two steps: FTS5 finds the documents of its rare
tokens (or, with none, the bitmaps alone give the candidates, newest chunk first), the frequent
tokens' bitmaps are ANDed with them in memory, and only then are the survivors joined to
search_documents, newest first, until enough rows are found. The matches are the same as one
FTS5 MATCH of every token; the time no longer grows with the length of the common doclists.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from pyroaring import BitMap
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from search.backends import postings
from search.backends.base import Hit, SearchFilters, SearchHits, SearchRequest
from search.ranking import Scorer, relevance

# SQLite hands dates back as text unless the statement says what its columns are.
_COLUMNS: tuple[sa.ColumnClause[Any], ...] = (
    sa.column("result_id", sa.Integer),
    sa.column("published_on", sa.Date),
    sa.column("name_key"),
)
_SQLITE_SOURCE = "search_fts JOIN search_documents d ON d.version_id = search_fts.rowid"
_PG_QUERY = "plainto_tsquery('simple', :match)"
_RANKED = "d.result_id, d.published_on, d.name_key, d.department_id, d.year"
# Rowids read from FTS5 per step of the rare tokens, and joined to search_documents per statement.
_RARE_BLOCK = 4096
_JOIN_BLOCK = 2048


def _filters(filters: SearchFilters) -> tuple[str, dict[str, Any]]:
    """SQL conditions on search_documents ``d`` (constant fragments, values bound)."""
    sql: list[str] = []
    params: dict[str, Any] = {}
    for column in ("department_id", "year", "task_id", "entity_type", "entity_id"):
        value = getattr(filters, column)
        if value is not None:
            sql.append(f"d.{column} = :{column}")
            params[column] = value
    if filters.region_prefix:
        # A prefix as a range, which any B-tree and both databases' collations agree on.
        prefix = filters.region_prefix
        sql.append("d.region_code >= :region_lo AND d.region_code < :region_hi")
        params["region_lo"] = prefix
        params["region_hi"] = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    if filters.category_code is not None:
        sql.append(
            "EXISTS (SELECT 1 FROM result_category_codes c "
            "WHERE c.result_id = d.result_id AND c.code = :category_code)"
        )
        params["category_code"] = filters.category_code
    return "".join(f" AND {s}" for s in sql), params


def _source_where(dialect: str, tokens: tuple[str, ...]) -> tuple[str, str, str]:
    """FROM, WHERE and ORDER BY of a match."""
    if not tokens:
        # A credit-code query: one entity's documents, newest first.
        return "search_documents d", "1 = 1", "d.version_id DESC"
    if dialect == "sqlite":
        return _SQLITE_SOURCE, "search_fts MATCH :match", "search_fts.rowid DESC"
    return "search_documents d", f"d.search_vector @@ {_PG_QUERY}", "d.version_id DESC"


def _match(dialect: str, tokens: Sequence[str]) -> str:
    if dialect == "sqlite":
        # Tokens are letters and digits only (search/text/tokens.py), so quoting cannot break.
        return " AND ".join(f'"{t}"' for t in tokens)
    return " ".join(tokens)


_CATEGORY_COUNTS = sa.text(
    "SELECT code, count(*) FROM result_category_codes WHERE result_id IN :ids GROUP BY code"
).bindparams(sa.bindparam("ids", expanding=True))


async def _rare_candidates(
    connection: AsyncConnection, rare: Sequence[str], frequent: Sequence[str]
) -> AsyncIterator[BitMap]:
    """Rowids holding every token, a block at a time, newest block first: FTS5 for the rare tokens,
    then the bitmaps of the frequent ones over the chunks those rowids fall in."""
    match = _match("sqlite", rare)
    before = None
    while True:
        bound = "" if before is None else f" AND rowid < {int(before)}"
        # One row of text rather than thousands of rows: each row costs ~0.4 µs in the driver.
        text = (
            await connection.exec_driver_sql(
                "SELECT group_concat(rowid) FROM (SELECT rowid FROM search_fts "
                f"WHERE search_fts MATCH ?{bound} ORDER BY rowid DESC LIMIT ?)",
                (match, _RARE_BLOCK),
            )
        ).scalar()
        rowids: list[int] = orjson.loads(f"[{text or ''}]")
        if not rowids:
            return
        found = BitMap(rowids)
        if frequent:
            chunks = range(postings.chunk_of(found.min()), postings.chunk_of(found.max()) + 1)
            bitmaps = await postings.load(connection, frequent, chunks)
            for bitmap in sorted(bitmaps.values(), key=len):
                found &= bitmap
        yield found
        if len(rowids) < _RARE_BLOCK:
            return
        before = min(rowids)


async def _frequent_candidates(
    connection: AsyncConnection, frequent: Sequence[str], last: int
) -> AsyncIterator[BitMap]:
    """Rowids holding every (frequent) token, newest chunk first.

    The newest chunk alone usually holds enough matches; when it does not (a rare combination of
    common tokens), the rest are read in one statement rather than one per chunk.
    """
    for window in (range(last, last + 1), range(0, last)):
        if not window:
            continue
        loaded = await postings.load_chunks(connection, frequent, window)
        for chunk in reversed(window):
            bitmaps = [loaded[token].get(chunk, BitMap()) for token in frequent]
            found = BitMap.intersection(*sorted(bitmaps, key=len))
            if found:
                yield found


def _row(row: Sequence[Any]) -> tuple[Any, ...]:
    result_id, published_on, key, department_id, year = row
    # SQLite hands dates back as ISO text to a statement that does not type its columns.
    day = published_on if isinstance(published_on, date) else date.fromisoformat(published_on)
    return (result_id, day, key, department_id, year)


async def _planned_rows(
    connection: AsyncConnection, request: SearchRequest, where: str, params: dict[str, Any], limit: int
) -> list[tuple[Any, ...]] | None:
    """The newest ``limit`` matches through the posting bitmaps, or None where they do not help."""
    tokens = request.lookup
    last_chunks = await postings.last_chunks(connection, tokens)
    if not last_chunks:
        return None
    frequent = [t for t in tokens if t in last_chunks]
    rare = [t for t in tokens if t not in last_chunks]
    if not rare and where:
        # Filters over a candidate set that may be most of the index: FTS5 with the filters in
        # the same statement reads no more than that.
        return None
    blocks = (
        _rare_candidates(connection, rare, frequent)
        if rare
        # Every token is in the newest chunk's bitmaps or none of them is: start at the lowest top.
        else _frequent_candidates(connection, frequent, min(last_chunks.values()))
    )
    # The rows come back as one JSON text: through the driver, each row of a thousand costs ~1 µs.
    join = (
        "SELECT json_group_array(json_array(result_id, published_on, name_key, department_id, year)) "
        f"FROM (SELECT {_RANKED} FROM search_documents d "
        f"WHERE d.version_id IN (SELECT value FROM json_each(:ids)){where} "
        "ORDER BY d.version_id DESC LIMIT :limit)"
    )
    rows: list[tuple[Any, ...]] = []

    async def take(ids: BitMap) -> bool:
        """Join ``ids`` (newer than any not yet joined); whether ``limit`` rows are found."""
        found = await connection.scalar(
            sa.text(join), {**params, "ids": orjson.dumps(list(ids)).decode(), "limit": limit - len(rows)}
        )
        rows.extend(map(_row, orjson.loads(found)))
        return len(rows) >= limit

    # Blocks come newest first and never overlap, so the top of what is pending is always the
    # newest unjoined match. Small blocks are pooled: one statement per ~2,000 candidates.
    pending = BitMap()
    async for block in blocks:
        pending |= block
        while len(pending) >= _JOIN_BLOCK:
            # Slices from the top: iterating a bitmap backwards is slow.
            cut = len(pending) - _JOIN_BLOCK
            if await take(pending[cut:]):
                return rows
            pending = pending[:cut]
    if pending:
        await take(pending)
    return rows


class DatabaseBackend:
    """Full-text search in the database the data lives in."""

    name = "database"

    async def search(self, session: AsyncSession, request: SearchRequest) -> SearchHits:
        """Ranked candidates, exact-name matches and (if asked) counts and facets.

        The full-text match runs once: counts and facets are taken from the rows it returned,
        which are all the matches up to ``rank_limit`` (== ``count_limit``).
        """
        assert request.count_limit <= request.rank_limit, "counts come from the ranked rows"
        dialect = session.get_bind().dialect.name
        where, params = _filters(request.filters)
        # One row more than asked: it tells whether the count is exact.
        limit = request.rank_limit + 1
        connection = await session.connection()
        rows = None
        if dialect == "sqlite" and request.lookup:
            rows = await _planned_rows(connection, request, where, params, limit)
        if rows is None:
            source, match, order = _source_where(dialect, request.lookup)
            ranked = sa.text(
                f"SELECT {_RANKED} FROM {source} WHERE {match}{where} ORDER BY {order} LIMIT :limit"
            )
            found = await connection.execute(
                ranked, {**params, "match": _match(dialect, request.lookup), "limit": limit}
            )
            rows = [_row(row) for row in found]
        exact = sa.text(
            "SELECT d.result_id, d.published_on, d.name_key FROM search_documents d "
            f"WHERE d.name_key = :key{where} LIMIT :limit"
        ).columns(*_COLUMNS)
        counted = rows[: request.count_limit]
        hits: dict[int, Hit] = {}
        scored = Scorer(request.tokens, request.name_key)
        for result_id, published_on, key, _, _ in rows[: request.rank_limit]:
            hits[result_id] = Hit(result_id, key == request.name_key, scored(key), published_on)
        for result_id, published_on, key in await session.execute(
            exact, {**params, "key": request.name_key, "limit": request.rank_limit}
        ):
            hits[result_id] = Hit(result_id, True, relevance(request.name_key, key), published_on)
        answer = SearchHits(hits=list(hits.values()), backend=self.name)
        answer.total = len(counted)
        answer.total_exact = len(rows) <= request.count_limit
        if request.facets and counted:
            for _, _, _, department_id, year in counted:
                answer.facets.departments[department_id] = answer.facets.departments.get(department_id, 0) + 1
                answer.facets.years[year] = answer.facets.years.get(year, 0) + 1
            ids = [row[0] for row in counted]
            answer.facets.categories = {
                code: int(n) for code, n in await session.execute(_CATEGORY_COUNTS, {"ids": ids})
            }
        return answer
