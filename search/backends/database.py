"""The database backend: SQLite FTS5 or PostgreSQL full-text over search_documents.

Both read the newest ``rank_limit`` matches by version id (recent publications first), which of
them match in the entity's name, plus every exact-name match, and count at most ``count_limit``
matches with their facets in one statement.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from search.backends.base import Facets, Hit, SearchFilters, SearchHits, SearchRequest
from search.ranking import relevance

# SQLite hands dates back as text unless the statement says what its columns are.
_COLUMNS: tuple[sa.ColumnClause[Any], ...] = (
    sa.column("result_id", sa.Integer),
    sa.column("published_on", sa.Date),
    sa.column("name_key"),
)
_SQLITE_SOURCE = "{table} JOIN search_documents d ON d.version_id = {table}.rowid"
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


def _source_where(dialect: str, tokens: tuple[str, ...], *, name_only: bool = False) -> tuple[str, str, str]:
    """FROM, WHERE and ORDER BY of a match: all columns, or the entity's names only."""
    if not tokens:
        # A credit-code query: one entity's documents, newest first.
        return "search_documents d", "1 = 1", "d.version_id DESC"
    if dialect == "sqlite":
        # The names have their own table (the main one has no columns, see the migration).
        table = "search_fts_names" if name_only else "search_fts"
        return _SQLITE_SOURCE.format(table=table), f"{table} MATCH :match", f"{table}.rowid DESC"
    return "search_documents d", f"d.search_vector @@ {_PG_QUERY}", "d.version_id DESC"


def _match_params(dialect: str, tokens: tuple[str, ...]) -> dict[str, str]:
    if dialect == "sqlite":
        # Tokens are letters and digits only (search/text/tokens.py), so quoting cannot break.
        return {"match": " AND ".join(f'"{t}"' for t in tokens)}
    # Weight A marks the name tokens (see indexing.py): t:A matches a name token only.
    return {"match": " ".join(tokens), "name_match": " & ".join(f"{t}:A" for t in tokens)}


class DatabaseBackend:
    """Full-text search in the database the data lives in."""

    name = "database"

    async def search(self, session: AsyncSession, request: SearchRequest) -> SearchHits:
        """Ranked candidates, exact-name matches and (if asked) counts and facets."""
        dialect = session.get_bind().dialect.name
        where, params = _filters(request.filters)
        params.update(_match_params(dialect, request.tokens), key=request.name_key, limit=request.rank_limit)
        source, match, order = _source_where(dialect, request.tokens)
        in_name: set[int] = set()
        if request.tokens and dialect == "sqlite":
            # Which matches match in the names: the names table, as bounded as the main query.
            name_source, name_match, name_order = _source_where(dialect, request.tokens, name_only=True)
            in_name = set(
                await session.scalars(
                    sa.text(
                        f"SELECT d.result_id FROM {name_source} WHERE {name_match}{where} "
                        f"ORDER BY {name_order} LIMIT :limit"
                    ),
                    params,
                )
            )
        name_flag = "0"
        if request.tokens and dialect != "sqlite":
            name_flag = "d.search_vector @@ to_tsquery('simple', :name_match)"
        ranked = sa.text(
            f"SELECT d.result_id, d.published_on, d.name_key, {name_flag} AS in_name "
            f"FROM {source} WHERE {match}{where} ORDER BY {order} LIMIT :limit"
        ).columns(*_COLUMNS, sa.column("in_name", sa.Boolean))
        exact = sa.text(
            "SELECT d.result_id, d.published_on, d.name_key FROM search_documents d "
            f"WHERE d.name_key = :key{where} LIMIT :limit"
        ).columns(*_COLUMNS)
        hits: dict[int, Hit] = {}
        for result_id, published_on, key, flag in await session.execute(ranked, params):
            named = bool(flag) or result_id in in_name
            score = relevance(request.name_key, key) if named else 0.0
            hits[result_id] = Hit(result_id, key == request.name_key, score, published_on)
        for result_id, published_on, key in await session.execute(exact, params):
            hits[result_id] = Hit(result_id, True, relevance(request.name_key, key), published_on)
        answer = SearchHits(hits=list(hits.values()), backend=self.name)
        if request.count:
            await self._count(session, source, match + where, params, request.count_limit, answer)
        return answer

    async def _count(
        self,
        session: AsyncSession,
        source: str,
        where: str,
        params: dict[str, Any],
        limit: int,
        answer: SearchHits,
    ) -> None:
        # One statement: the capped match set once, then the total and the three facets over it.
        counts = sa.text(
            "WITH m AS (SELECT d.result_id, d.department_id, d.year "
            f"FROM {source} WHERE {where} LIMIT :count_limit) "
            "SELECT 't', '', count(*) FROM m "
            "UNION ALL SELECT 'd', CAST(department_id AS TEXT), count(*) FROM m GROUP BY department_id "
            "UNION ALL SELECT 'y', CAST(year AS TEXT), count(*) FROM m GROUP BY year "
            # IN, not JOIN: with a join SQLite scanned all of result_category_codes and probed m.
            "UNION ALL SELECT 'c', c.code, count(*) FROM result_category_codes c "
            "WHERE c.result_id IN (SELECT result_id FROM m) GROUP BY c.code"
        )
        facets = Facets()
        total = 0
        for kind, value, count in await session.execute(counts, {**params, "count_limit": limit + 1}):
            if kind == "t":
                total = int(count)
            elif kind == "d":
                facets.departments[int(value)] = int(count)
            elif kind == "y":
                facets.years[int(value)] = int(count)
            else:
                facets.categories[str(value)] = int(count)
        answer.total = min(total, limit)
        answer.total_exact = total <= limit
        answer.facets = facets
