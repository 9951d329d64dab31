"""A search's page on PostgreSQL, ranked by the database: one statement, only the page comes back.

The same ranking as search/ranking.py and as SQLite's statement (database._ranking_sql): the
newest ``:limit`` matches (read by the plan postgres.plan chooses, unchanged) give the count and
the facets; the newest ``:rank_limit`` of them plus the exact-name matches among the rest are
scored with the same double arithmetic as ranking.relevance (float8 division and addition are
IEEE, as Python's), and the statement returns the page after the cursor among the names it can
score, plus every match whose name only Python can score (ranking.in_name strips punctuation,
which a regular expression here would do by other rules): the caller ranks those with the page.

Why: before, the 1,001 newest matches crossed asyncpg and SQLAlchemy as rows and were ranked in
Python; the statement itself took a millisecond of the 13-18 (BENCHMARKS.md, issue 17, Run 4).
The answer is one JSON value, the shape database._page_hits reads for SQLite.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from search.backends import postgres
from search.backends.base import PLAIN_NAME, SearchRequest, ranking_values

_COLUMNS = "d.version_id, d.result_id, d.published_on, d.name_key, d.department_id, d.year, d.region_code"
# The Gregorian ordinal of a date, as date.toordinal() (0001-01-01 is 1).
_ORDINAL = "(published_on - DATE '0001-01-01' + 1)"


def _source(
    request: SearchRequest,
    plan_name: str | None,
    ids: Sequence[int],
    indexed: Sequence[int],
    where: str,
    windows: Sequence[int],
    every: bool,
    bound: dict[str, Any],
) -> str:
    """The statement reading the newest ``:limit`` matches with _COLUMNS (its token numbers
    bound into ``bound`` where the plan allows: postgres.matches_sql)."""
    if not request.lookup:
        # A credit-code query: one entity's documents (a filter), newest first.
        return (
            f"SELECT {_COLUMNS} FROM search_documents d WHERE TRUE{where} "
            "ORDER BY d.version_id DESC LIMIT :limit"
        )
    if plan_name is None:
        # A token no document holds: no match, but the exact-name ones are still looked up.
        return f"SELECT {_COLUMNS} FROM search_documents d WHERE FALSE"
    return postgres.matches_sql(plan_name, ids, _COLUMNS, where, indexed, windows, every, bound)


def _facet(name: str, key: str, source: str) -> str:
    """One facet of the counted matches as a JSON object of counts ('{}' for none)."""
    return (
        f", '{name}', (SELECT coalesce(json_object_agg(k, n), '{{}}') FROM "
        f"(SELECT {key} AS k, count(*) AS n FROM {source} GROUP BY 1) f)"
    )


@functools.lru_cache(maxsize=512)
def _ranking_tail(where: str, tokens: int, chars: int, facets: bool, after: bool) -> str:
    """Everything after the matches ``m``: the ranking, the page, the count and the facets."""
    in_name = " AND ".join(f"strpos(name_key, :t{i}) > 0" for i in range(tokens)) or "FALSE"
    lacks_a_char = " OR ".join(f"strpos(name_key, :c{i}) = 0" for i in range(chars)) or "FALSE"
    cursor = (
        f" AND (CASE WHEN exact THEN 0 ELSE 1 END, -score, -{_ORDINAL}, -result_id)"
        " > (CAST(:after_exact AS integer), CAST(:after_score AS float8), "
        "CAST(:after_day AS integer), CAST(:after_id AS integer))"
        if after
        else ""
    )
    facet_sql = (
        _facet("departments", "department_id", "counted")
        + _facet("years", "year", "counted")
        # The matches' ids as one array for the primary key (result_id, code): a join was hashed
        # over every result's categories (27 of 34 ms at 60,000 results).
        + _facet(
            "categories",
            "c.code",
            "result_category_codes c WHERE c.result_id = ANY(ARRAY(SELECT result_id FROM counted))",
        )
        + _facet("regions", "substr(region_code, 1, CAST(:region_length AS integer))", "counted")
        if facets
        else ""
    )
    return (
        "counted AS MATERIALIZED (SELECT * FROM m ORDER BY version_id DESC LIMIT :count_limit), "
        "newest AS MATERIALIZED (SELECT result_id, published_on, name_key FROM m "
        "ORDER BY version_id DESC LIMIT :rank_limit), "
        "x AS (SELECT * FROM newest UNION ALL (SELECT d.result_id, d.published_on, d.name_key "
        f"FROM search_documents d WHERE d.name_key = CAST(:key AS text){where} "
        "AND d.result_id NOT IN (SELECT result_id FROM newest) LIMIT :rank_limit)), "
        "s AS MATERIALIZED (SELECT result_id, published_on, name_key, "
        "name_key = CAST(:key AS text) AS exact, "
        "CASE WHEN name_key = CAST(:key AS text) THEN float8 '2' "
        # Tokens are letters and digits: a token in the name as it is stays in it once
        # ranking.in_name strips the punctuation. The same doubles as ranking.relevance_of_lengths.
        f"WHEN {in_name} THEN float8 '1' + CAST(least(CAST(:query_length AS integer), length(name_key)) "
        "AS float8) / CAST(greatest(length(name_key), 1) AS float8) "
        # A name without some character of the tokens cannot hold them, punctuation or not.
        f"WHEN {lacks_a_char} THEN float8 '0' "
        "WHEN name_key ~ CAST(:plain AS text) THEN NULL "
        "ELSE float8 '0' END AS score FROM x) "
        "SELECT json_build_object('count', (SELECT count(*) FROM m), "
        # The name's length rather than the score: the next page's cursor must hold the very
        # double this statement compares, which Python recomputes from the lengths.
        "'page', (SELECT coalesce(json_agg(json_build_array(result_id, published_on, exact, "
        "CASE WHEN score > 0 THEN length(name_key) END) "
        "ORDER BY exact DESC, score DESC, published_on DESC, result_id DESC), '[]') FROM "
        f"(SELECT * FROM s WHERE score IS NOT NULL{cursor} "
        "ORDER BY exact DESC, score DESC, published_on DESC, result_id DESC LIMIT :page) p), "
        "'unscored', (SELECT coalesce(json_agg(json_build_array(result_id, published_on, exact, "
        f"name_key)), '[]') FROM s WHERE score IS NULL){facet_sql})::text"
    )


async def statement(
    connection: AsyncConnection, request: SearchRequest, where: str, params: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The ranking statement of ``request`` and its values (the tokens looked up first)."""
    page = request.page
    assert page is not None
    plan_name: str | None = None
    ids: list[int] = []
    indexed: list[int] = []
    windows: tuple[int, ...] = ()
    every = False
    if request.lookup:
        found = await postgres.look_up(connection, set(request.lookup))
        known, documents, windows = found.known, found.documents, found.windows
        if len(known) == len(set(request.lookup)):
            counts = {token: docs for token, (_, docs) in known.items()}
            plan_name = postgres.plan(counts, documents, filtered=bool(where))
            ids = [id_ for id_, _ in known.values()]
            indexed = postgres.indexed_ids(known, documents)
            every = postgres.reads_every_window(known, request.rank_limit + 1)
    values, chars = ranking_values(request, params, PLAIN_NAME)
    tail = _ranking_tail(where, len(request.tokens), len(chars), request.facets, page.after is not None)
    source = _source(request, plan_name, ids, indexed, where, windows, every, values)
    return f"WITH m AS MATERIALIZED ({source}), {tail}", values


# A bound name (:limit), not a cast (::bigint).
_BOUND = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def _numbered(sql: str) -> tuple[str, list[str]]:
    """``sql`` with its :name parameters as asyncpg's $1, $2... and the names in that order."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _BOUND.sub(number, sql), order


async def ranked_answer(
    connection: AsyncConnection, request: SearchRequest, where: str, params: dict[str, Any]
) -> dict[str, Any]:
    """The page of ``request`` (after its cursor), the count and the facets, as database._page_hits
    reads them: ``count``, ``page`` (id, day, exact, name length or null), ``unscored`` (id, day,
    exact, name key) and, with facets, ``departments``, ``years``, ``categories``, ``regions``."""
    sql, values = await statement(connection, request, where, params)
    # To the driver as it is ($1, $2...): each statement's text is new (its token numbers are
    # written in), so SQLAlchemy's compile of a 3-6 KB text, cached for nothing, cost ~1 ms of a
    # search (BENCHMARKS.md, issue 17, Run 7). Still through SQLAlchemy's connection and events.
    numbered, order = _numbered(sql)
    text = (await connection.exec_driver_sql(numbered, tuple(values[name] for name in order))).scalar_one()
    answer: dict[str, Any] = orjson.loads(text)
    return answer
