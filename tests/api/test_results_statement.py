"""On PostgreSQL the results page is one statement on the wire, and an anonymous page with
nothing read before it is sent without BEGIN and ROLLBACK (api/graphql/page_statement.py).

SQLite reads the page in several statements (the driver's own reads, prefetch.py); the answers
of both are held by the public-query tests, which run on both databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from api.graphql.loaders import Loaders
from api.graphql.nodes.results import _PUBLISHED_ORDER, _published_statement
from api.graphql.page_statement import published_page
from api.settings import Settings
from inspections import results
from schema.db import make_engine, make_sessionmaker
from schema.models import ResultCategory
from tests import factories
from tests.api.conftest import graphql
from tests.factories import TEST

PAGE = """{ results(first: 20) { totalCount pageInfo { hasNextPage }
  edges { node { id version entity { creditCode } department { name } item { name }
    task { name } categories { code label }
    history { version changeReason categories { code label } } } } } }"""


@contextmanager
def wire(driver: Any) -> Iterator[list[str]]:
    """Every statement asyncpg sends on ``driver`` while the block runs (its query logger)."""
    seen: list[str] = []

    def log(record: Any) -> None:
        seen.append(record.query)

    driver.add_query_logger(log)
    try:
        yield seen
    finally:
        driver.remove_query_logger(log)


async def logged() -> None:
    """Let asyncpg's query loggers run: it calls them soon after a statement, not during it."""
    await asyncio.sleep(0)


def _reads(statements: list[str]) -> list[str]:
    # The test's own savepoints around each request are not the page's.
    return [s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]


async def test_results_page_is_one_statement_on_postgresql(
    client: httpx.AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-statement page is PostgreSQL's; SQLite reads it through its driver in several")
    joint = await factories.joint_task(session, entities=2, categories=("NO_PROBLEM", "UNREACHABLE"))
    corrected = joint.results[0]
    original = list(corrected.category_codes)
    labels = dict(
        (
            await session.execute(
                sa.select(ResultCategory.code, ResultCategory.label).order_by(ResultCategory.version)
            )
        ).all()
    )
    await results.correct_result(
        session,
        by=TEST,
        result_id=corrected.id,
        category_codes=["ORDERED_TO_CORRECT"],
        description="经复查，责令改正",
        reason="经复查，原结果录入有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    raw = await (await session.connection()).get_raw_connection()
    # asyncpg introspects a type it has not decoded yet (the rows' arrays) once per connection;
    # another page size, so the page below is not answered from the response cache.
    assert "errors" not in await graphql(client, PAGE.replace("first: 20", "first: 19"))
    with wire(raw.driver_connection) as seen:
        body = await graphql(client, PAGE)
        await logged()
    assert "errors" not in body, body
    page = body["data"]["results"]
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"] is False
    assert len(page["edges"]) == 4
    nodes = {edge["node"]["version"]: edge["node"] for edge in page["edges"] if edge["node"]["version"] == 2}
    history = nodes[2]["history"]
    assert [(h["version"], h["changeReason"]) for h in history] == [(1, None), (2, "经复查，原结果录入有误")]
    assert history[0]["categories"] == [{"code": code, "label": labels[code]} for code in original]
    assert history[1]["categories"] == [{"code": "ORDERED_TO_CORRECT", "label": labels["ORDERED_TO_CORRECT"]}]
    assert nodes[2]["categories"] == history[1]["categories"]
    assert all(edge["node"]["task"]["name"] == joint.task.name for edge in page["edges"])
    reads = _reads(seen)
    # The page with everything it shows in one statement; at most the publication generation
    # (the response cache's key) besides it.
    page_reads = [s for s in reads if "inspection_results" in s]
    assert len(page_reads) == 1, reads
    shown = ("entities", "departments", "inspection_items", "tasks", "result_versions", "result_categories")
    assert all(table in page_reads[0] for table in shown)
    others = [s for s in reads if s not in page_reads]
    assert not any(table in s for s in others for table in shown), others
    assert len(others) <= 1, others


async def test_anonymous_page_without_begin_on_postgresql(database_url: str) -> None:
    """Nothing read before the page (response cache off: no generation read): one statement on
    its own, one snapshot, no BEGIN and ROLLBACK round trips; the next page as well."""
    if not database_url.startswith("postgresql"):
        pytest.skip("asyncpg's autocommit read; SQLite keeps its deferred BEGIN")
    engine = make_engine(database_url)
    seen: list[str] = []

    def watch(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda record: seen.append(record.query))

    event.listen(engine.sync_engine, "connect", watch)
    app = create_app(Settings(database_url=database_url, response_cache_bytes=0), engine=engine)
    query = "{ results(first: 5) { pageInfo { hasNextPage } edges { node { id entity { name } } } } }"
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            for _ in range(2):
                seen.clear()
                body = await graphql(http, query)
                await logged()
                # The test database holds no committed results (every test rolls back).
                assert body["data"] == {"results": {"pageInfo": {"hasNextPage": False}, "edges": []}}
                assert len(seen) == 1, seen
                assert "inspection_results" in seen[0] and "entities" in seen[0]
    finally:
        await engine.dispose()


async def test_page_read_stays_in_a_repeatable_read_transaction(database_url: str) -> None:
    """A connection set to an isolation level (the snapshot export's REPEATABLE READ) wants every
    statement in its one transaction: the page read begins it rather than run on its own."""
    if not database_url.startswith("postgresql"):
        pytest.skip("asyncpg's autocommit read is PostgreSQL's")
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            connection = await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            raw = await connection.get_raw_connection()
            with wire(raw.driver_connection) as seen:
                page = await published_page(
                    session,
                    Loaders(session),
                    _published_statement(frozenset()),
                    _PUBLISHED_ORDER,
                    params={},
                    first=5,
                    after=None,
                    total=False,
                    parts=("entity",),
                    versions=False,
                    history=False,
                )
                await logged()
            assert page is not None and page.rows == [] and page.has_next is False
            assert len(seen) == 2, seen
            assert seen[0].upper().startswith("BEGIN ISOLATION LEVEL REPEATABLE READ"), seen
            assert "inspection_results" in seen[1] and "entities" in seen[1]
    finally:
        await engine.dispose()
