"""The database backend: SQLite FTS5 or PostgreSQL full-text over search_documents.

Both read the newest ``rank_limit`` matches by version id (recent publications first) with the
entity's normalised name, plus every exact-name match; counts and facets come from those same
rows, so the full-text match runs once per search. Whether a match is in the name is decided
from that name (search/ranking.py), the same way for every backend.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from search.backends.base import Hit, SearchFilters, SearchHits, SearchRequest
from search.ranking import relevance, score

# SQLite hands dates back as text unless the statement says what its columns are.
_COLUMNS: tuple[sa.ColumnClause[Any], ...] = (
    sa.column("result_id", sa.Integer),
    sa.column("published_on", sa.Date),
    sa.column("name_key"),
)
_SQLITE_SOURCE = "search_fts JOIN search_documents d ON d.version_id = search_fts.rowid"
_PG_QUERY = "plainto_tsquery('simple', :match)"


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


def _match(dialect: str, tokens: tuple[str, ...]) -> str:
    if dialect == "sqlite":
        # Tokens are letters and digits only (search/text/tokens.py), so quoting cannot break.
        return " AND ".join(f'"{t}"' for t in tokens)
    return " ".join(tokens)


_CATEGORY_COUNTS = sa.text(
    "SELECT code, count(*) FROM result_category_codes WHERE result_id IN :ids GROUP BY code"
).bindparams(sa.bindparam("ids", expanding=True))


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
        params.update(match=_match(dialect, request.lookup), key=request.name_key, limit=request.rank_limit)
        source, match, order = _source_where(dialect, request.lookup)
        ranked = sa.text(
            f"SELECT d.result_id, d.published_on, d.name_key, d.department_id, d.year FROM {source} "
            f"WHERE {match}{where} ORDER BY {order} LIMIT :limit"
        ).columns(*_COLUMNS, sa.column("department_id", sa.Integer), sa.column("year", sa.Integer))
        exact = sa.text(
            "SELECT d.result_id, d.published_on, d.name_key FROM search_documents d "
            f"WHERE d.name_key = :key{where} LIMIT :limit"
        ).columns(*_COLUMNS)
        # One row more than asked: it tells whether the count is exact.
        rows = (await session.execute(ranked, {**params, "limit": request.rank_limit + 1})).all()
        counted = rows[: request.count_limit]
        hits: dict[int, Hit] = {}
        for result_id, published_on, key, _, _ in rows[: request.rank_limit]:
            value = score(request.tokens, request.name_key, key)
            hits[result_id] = Hit(result_id, key == request.name_key, value, published_on)
        for result_id, published_on, key in await session.execute(exact, params):
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
