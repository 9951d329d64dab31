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

With a page asked for, one statement also ranks those rows, counts them and returns only the
page: a thousand rows never cross the driver (SQLite: _ranking_sql; PostgreSQL:
search/backends/postgres_page.py). Without a page (the reference the tests hold both statements
to), every match is ranked in Python.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from pyroaring import BitMap
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from search import regions
from search.backends import postgres, postgres_page, postings
from search.backends.base import PLAIN_NAME, Hit, SearchFilters, SearchHits, SearchRequest, ranking_values
from search.backends.sqlite_rows import fetch_value
from search.ranking import Scorer, rank, relevance, relevance_of_lengths, sort_key

# SQLite hands dates back as text unless the statement says what its columns are.
_COLUMNS: tuple[sa.ColumnClause[Any], ...] = (
    sa.column("result_id", sa.Integer),
    sa.column("published_on", sa.Date),
    sa.column("name_key"),
)
_SQLITE_SOURCE = "search_fts JOIN search_documents d ON d.version_id = search_fts.rowid"
_RANKED = "d.result_id, d.published_on, d.name_key, d.department_id, d.year"
# Rowids read from FTS5 per step of the rare tokens.
_RARE_BLOCK = 4096


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


def _source_where(tokens: tuple[str, ...]) -> tuple[str, str, str]:
    """FROM, WHERE and ORDER BY of a match on SQLite."""
    if not tokens:
        # A credit-code query: one entity's documents, newest first.
        return "search_documents d", "1 = 1", "d.version_id DESC"
    return _SQLITE_SOURCE, "search_fts MATCH :match", "search_fts.rowid DESC"


def _match(tokens: Sequence[str]) -> str:
    # Tokens are letters and digits only (search/text/tokens.py), so quoting cannot break.
    return " AND ".join(f'"{t}"' for t in tokens)


_CATEGORY_COUNTS = sa.text(
    "SELECT code, count(*) FROM result_category_codes WHERE result_id IN :ids GROUP BY code"
).bindparams(sa.bindparam("ids", expanding=True))


_REGION_COUNTS = sa.text(
    "SELECT substr(region_code, 1, :length) AS r, count(*) FROM search_documents "
    "WHERE result_id IN :ids GROUP BY r"
).bindparams(sa.bindparam("ids", expanding=True))


async def region_counts(
    connection: AsyncConnection, result_ids: Sequence[int], region_prefix: str | None
) -> dict[str, int]:
    """The region facet of these matches (PostgreSQL, and SQLite without a page): one statement.

    Kept apart from the match itself so that the statement reading the matches stays as it is.
    """
    if not result_ids:
        return {}
    length = regions.facet_length(region_prefix)
    rows = await connection.execute(_REGION_COUNTS, {"ids": list(result_ids), "length": length})
    return {str(key): int(n) for key, n in rows}


class _Bitmaps:
    """The frequent tokens' chunk bitmaps one search uses: the newest chunk's as read with the
    plan, older ones from the process's SealedChunks or else read once, in one statement."""

    def __init__(self, connection: AsyncConnection, newest: postings.Newest) -> None:
        self.connection = connection
        self.newest = newest.chunk
        self.generation = newest.generation
        self._chunks: dict[tuple[str, int], BitMap] = {
            (t, newest.chunk): b for t, b in newest.bitmaps.items()
        }

    async def fetch(self, tokens: Sequence[str], chunks: Iterable[int]) -> set[int]:
        """Have every (token, chunk) of these at hand; returns the chunks asked for."""
        wanted = set(chunks)
        missing: set[int] = set()
        for chunk in wanted:
            for token in tokens:
                if (token, chunk) in self._chunks:
                    continue
                kept = postings.SEALED.get(self.generation, token, chunk) if chunk < self.newest else None
                if kept is None:
                    missing.add(chunk)
                else:
                    self._chunks[token, chunk] = kept
        if missing:
            loaded = await postings.load_chunks(self.connection, tokens, missing)
            for token in tokens:
                for chunk in missing:
                    if (token, chunk) in self._chunks:
                        continue
                    bitmap, size = loaded[token].get(chunk, (BitMap(), 0))
                    self._chunks[token, chunk] = bitmap
                    if chunk < self.newest:
                        postings.SEALED.put(self.generation, token, chunk, bitmap, size)
        return wanted

    async def get(self, tokens: Sequence[str], chunks: Iterable[int]) -> dict[str, BitMap]:
        """Each token's rowids over those chunks: read only, the bitmaps may be SealedChunks' own."""
        wanted = await self.fetch(tokens, chunks)
        if len(wanted) == 1:
            # One chunk (every step of _frequent_candidates): the stored bitmap, not a copy of it.
            (chunk,) = wanted
            return {t: self._chunks[t, chunk] for t in tokens}
        return {t: BitMap.union(*(self._chunks[t, c] for c in wanted)) for t in tokens}


async def _rare_candidates(
    connection: AsyncConnection, rare: Sequence[str], frequent: Sequence[str], bitmaps: _Bitmaps
) -> AsyncIterator[BitMap]:
    """Rowids holding every token, a block at a time, newest block first: FTS5 for the rare tokens,
    then the bitmaps of the frequent ones over the chunks those rowids fall in."""
    match = _match(rare)
    before = None
    while True:
        bound = "" if before is None else f" AND rowid < {int(before)}"
        # One row of text rather than thousands of rows: each row costs ~0.4 µs in the driver.
        text = await fetch_value(
            connection,
            "SELECT group_concat(rowid) FROM (SELECT rowid FROM search_fts "
            f"WHERE search_fts MATCH ?{bound} ORDER BY rowid DESC LIMIT ?)",
            (match, _RARE_BLOCK),
        )
        rowids: list[int] = orjson.loads(f"[{text or ''}]")
        if not rowids:
            return
        found = BitMap(rowids)
        if frequent:
            chunks = {postings.chunk_of(r) for r in rowids}
            for bitmap in sorted((await bitmaps.get(frequent, chunks)).values(), key=len):
                found &= bitmap
        yield found
        if len(rowids) < _RARE_BLOCK:
            return
        before = min(rowids)


async def _frequent_candidates(frequent: Sequence[str], bitmaps: _Bitmaps) -> AsyncIterator[BitMap]:
    """Rowids holding every (frequent) token, newest chunk first.

    The newest chunk (read with the plan) usually holds enough matches; when it does not (a rare
    combination of common tokens), the rest are read in one statement rather than one per chunk.
    """
    last = bitmaps.newest
    for window in (range(last, last + 1), range(0, last)):
        if not window:
            continue
        await bitmaps.fetch(frequent, window)
        for chunk in reversed(window):
            found = BitMap.intersection(*sorted((await bitmaps.get(frequent, [chunk])).values(), key=len))
            if found:
                yield found


def _row(row: Sequence[Any]) -> tuple[Any, ...]:
    result_id, published_on, key, department_id, year = row
    # SQLite hands dates back as ISO text to a statement that does not type its columns.
    day = published_on if isinstance(published_on, date) else date.fromisoformat(published_on)
    return (result_id, day, key, department_id, year)


class _CandidatePool:
    """Candidate rowids from the bitmap plan, pulled block by block, newest first, as needed."""

    def __init__(self, blocks: AsyncIterator[BitMap]) -> None:
        self._blocks = blocks
        self._pool = BitMap()
        self._exhausted = False

    async def top(self, count: int) -> tuple[list[int], bool]:
        """The newest ``count`` candidates, and whether they are all there are."""
        while len(self._pool) < count and not self._exhausted:
            try:
                self._pool |= await anext(self._blocks)
            except StopAsyncIteration:
                self._exhausted = True
        # A slice from the top: iterating a bitmap backwards is slow.
        ids = list(self._pool[max(len(self._pool) - count, 0) :])
        return ids, self._exhausted and len(ids) == len(self._pool)


async def _bitmap_plan(
    connection: AsyncConnection, request: SearchRequest, where: str
) -> _CandidatePool | None:
    """Candidates through the posting bitmaps, or None where they do not help."""
    tokens = request.lookup
    newest = await postings.newest(connection, tokens)
    if not newest.bitmaps:
        return None
    frequent = [t for t in tokens if t in newest.bitmaps]
    rare = [t for t in tokens if t not in newest.bitmaps]
    if not rare and where:
        # Filters over a candidate set that may be most of the index: FTS5 with the filters in
        # the same statement reads no more than that.
        return None
    bitmaps = _Bitmaps(connection, newest)
    return _CandidatePool(
        _rare_candidates(connection, rare, frequent, bitmaps)
        if rare
        else _frequent_candidates(frequent, bitmaps)
    )


_SOURCES = {
    # The newest matches, by version id, with their filter columns: FTS5 alone, candidates from
    # the bitmap plan, or a credit-code query's one entity.
    "fts": f"{_SQLITE_SOURCE} WHERE search_fts MATCH :match{{where}} ORDER BY search_fts.rowid DESC",
    # :ids is newest first, and json_each yields them in that order as the outer loop (CROSS
    # JOIN), so the LIMIT stops at the newest matches without fetching and sorting every
    # candidate's row (1.4-2.4 ms of 4-7 at a thousand candidates).
    "ids": "json_each(:ids) j CROSS JOIN search_documents d ON d.version_id = j.value WHERE 1 = 1{where}",
    "all": "search_documents d WHERE 1 = 1{where} ORDER BY d.version_id DESC",
}


@functools.lru_cache(maxsize=512)
def _ranking_sql(source: str, where: str, tokens: int, chars: int, facets: bool, after: bool) -> str:
    """One statement that ranks the newest matches as search/ranking.py does and returns a page.

    The newest ``:limit`` matches (``m``) give the count and the facets; the newest
    ``:rank_limit`` of them plus every exact-name match are ranked; the statement returns the
    ``:page`` best after the cursor among names it can score, and every match whose name only
    Python can score (ranking.in_name strips punctuation, which SQL cannot do the same way).
    Scores are computed with the same double arithmetic as ranking.relevance.
    """
    in_name = " AND ".join(f"instr(name_key, :t{i}) > 0" for i in range(tokens)) or "0"
    lacks_a_char = " OR ".join(f"instr(name_key, :c{i}) = 0" for i in range(chars)) or "0"
    cursor = (
        " AND (1 - exact, -score, -(julianday(published_on) - 1721424.5), -result_id)"
        " > (:after_exact, :after_score, :after_day, :after_id)"
        if after
        else ""
    )
    facet_sql = (
        ", 'departments', (SELECT json_group_object(department_id, n) FROM "
        "(SELECT department_id, count(*) AS n FROM counted GROUP BY department_id))"
        ", 'years', (SELECT json_group_object(year, n) FROM "
        "(SELECT year, count(*) AS n FROM counted GROUP BY year))"
        ", 'categories', (SELECT json_group_object(code, n) FROM "
        # CROSS JOIN keeps this order: SQLite otherwise scanned every result's categories.
        "(SELECT c.code, count(*) AS n FROM counted k "
        "CROSS JOIN result_category_codes c ON c.result_id = k.result_id GROUP BY c.code))"
        ", 'regions', (SELECT json_group_object(r, n) FROM "
        "(SELECT substr(region_code, 1, :region_length) AS r, count(*) AS n FROM counted GROUP BY r))"
        if facets
        else ""
    )
    return (
        # The region column only where the region facet needs it (one statement, SQLite only).
        f"WITH m AS MATERIALIZED (SELECT {_RANKED}{', d.region_code' if facets else ''} "
        f"FROM {_SOURCES[source].format(where=where)} "
        "LIMIT :limit), "
        "counted AS (SELECT * FROM m LIMIT :count_limit), "
        # The newest matches, and the exact-name ones among the rest: UNION ALL and NOT IN rather
        # than a UNION, whose de-duplication sorted a thousand rows (~0.4 ms).
        "x AS (SELECT * FROM (SELECT result_id, published_on, name_key FROM m LIMIT :rank_limit) UNION ALL "
        "SELECT * FROM (SELECT d.result_id, d.published_on, d.name_key FROM search_documents d "
        f"WHERE d.name_key = :key{where} "
        "AND d.result_id NOT IN (SELECT result_id FROM m LIMIT :rank_limit) LIMIT :rank_limit)), "
        "s AS MATERIALIZED (SELECT result_id, published_on, name_key, name_key = :key AS exact, CASE "
        "WHEN name_key = :key THEN 2.0 "
        # Tokens are letters and digits, so a token in the name as it is stays in it once
        # ranking.in_name strips the punctuation: only names without every token need the
        # (costlier) test for punctuation, which Python must look at.
        f"WHEN {in_name} THEN 1.0 + (min(:query_length, length(name_key)) * 1.0) / max(length(name_key), 1) "
        # A name without some character of the tokens cannot hold them, punctuation or not; most
        # names of a query that matched elsewhere end here, before the costlier GLOB.
        f"WHEN {lacks_a_char} THEN 0.0 "
        "WHEN name_key GLOB :plain THEN NULL "
        "ELSE 0.0 END AS score FROM x) "
        "SELECT json_object('count', (SELECT count(*) FROM m), "
        # The name's length rather than the score: JSON prints doubles to 15 digits, and the next
        # page's cursor must hold the very double this statement compares.
        "'page', (SELECT json_group_array(json_array(result_id, published_on, exact, "
        "CASE WHEN score > 0 THEN length(name_key) END)) FROM "
        f"(SELECT * FROM s WHERE score IS NOT NULL{cursor} "
        "ORDER BY exact DESC, score DESC, published_on DESC, result_id DESC LIMIT :page)), "
        "'unscored', (SELECT json_group_array(json_array(result_id, published_on, exact, name_key)) "
        f"FROM s WHERE score IS NULL){facet_sql})"
    )


async def _sqlite_page(
    connection: AsyncConnection, request: SearchRequest, where: str, params: dict[str, Any]
) -> SearchHits:
    """The ranked page of a search on SQLite, with counts and facets, ranked by the database."""
    page = request.page
    assert page is not None
    values, chars = ranking_values(request, params, f"*{PLAIN_NAME}*")
    pool = await _bitmap_plan(connection, request, where) if request.lookup else None
    source = "all" if not request.lookup else "fts" if pool is None else "ids"
    sql = _ranking_sql(source, where, len(request.tokens), len(chars), request.facets, page.after is not None)
    if pool is None:
        values["match"] = _match(request.lookup)
        answer = orjson.loads(await fetch_value(connection, sql, values))
    else:
        # Candidates may be superseded versions or filtered out: ask for a quarter more than
        # needed, and four times as many again until enough are found or none are left.
        want = values["limit"] + values["limit"] // 4 + 64
        while True:
            ids, complete = await pool.top(want)
            values["ids"] = orjson.dumps(ids[::-1]).decode()
            answer = orjson.loads(await fetch_value(connection, sql, values))
            if answer["count"] >= values["limit"] or complete:
                break
            want *= 4
    return _page_hits(request, answer)


def _page_hits(request: SearchRequest, answer: dict[str, Any]) -> SearchHits:
    page = request.page
    assert page is not None
    length = len(request.name_key)
    hits = [
        Hit(
            result_id,
            bool(exact),
            # The same arithmetic as the statement's, so the next cursor holds its very double.
            relevance_of_lengths(length, name_length) if name_length else 0.0,
            date.fromisoformat(day),
        )
        for result_id, day, exact, name_length in answer["page"]
    ]
    scored = Scorer(request.tokens, request.name_key)
    for result_id, day, exact, key in answer["unscored"]:
        hit = Hit(result_id, bool(exact), scored(key), date.fromisoformat(day))
        if page.after is None or sort_key(hit) > page.after:
            hits.append(hit)
    found = SearchHits(hits=rank(hits)[: page.size + 1], backend="database", paged=True)
    found.total = min(answer["count"], request.count_limit)
    found.total_exact = answer["count"] <= request.count_limit
    if request.facets and found.total:
        found.facets.departments = {int(k): n for k, n in answer["departments"].items()}
        found.facets.years = {int(k): n for k, n in answer["years"].items()}
        found.facets.categories = dict(answer["categories"])
        found.facets.regions = dict(answer["regions"])
    return found


class DatabaseBackend:
    """Full-text search in the database the data lives in."""

    name = "database"

    async def search(self, session: AsyncSession, request: SearchRequest) -> SearchHits:
        """Ranked candidates, exact-name matches and (if asked) counts and facets.

        The full-text match runs once: counts and facets are taken from the rows it returned,
        which are all the matches up to ``rank_limit`` (== ``count_limit``). With a page asked
        for, the database ranks and only that page comes back (_sqlite_page, postgres_page).
        """
        assert request.count_limit <= request.rank_limit, "counts come from the ranked rows"
        dialect = session.get_bind().dialect.name
        where, params = _filters(request.filters)
        # One row more than asked: it tells whether the count is exact.
        limit = request.rank_limit + 1
        connection = await session.connection()
        if dialect == "sqlite" and request.page is not None:
            return await _sqlite_page(connection, request, where, params)
        if request.page is not None:
            return _page_hits(request, await postgres_page.ranked_answer(connection, request, where, params))
        # No page asked for (the reference the tests hold both ranking statements to): every
        # match to Python, ranked by search/ranking.py.
        if dialect != "sqlite" and request.lookup:
            found = await postgres.newest_matches(connection, request.lookup, _RANKED, where, params, limit)
        else:
            source, match, order = _source_where(request.lookup)
            ranked = sa.text(
                f"SELECT {_RANKED} FROM {source} WHERE {match}{where} ORDER BY {order} LIMIT :limit"
            )
            values = {**params, "match": _match(request.lookup), "limit": limit}
            found = list(await connection.execute(ranked, values))
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
            answer.facets.regions = await region_counts(connection, ids, request.filters.region_prefix)
        return answer
