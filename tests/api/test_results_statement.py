"""On PostgreSQL the results page is one statement on the wire, and an anonymous page with
nothing read before it is sent without BEGIN and ROLLBACK (api/graphql/page_statement.py).

SQLite reads the page in several statements (the driver's own reads, prefetch.py); the answers
of both are held by the public-query tests, which run on both databases.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from api.graphql.nodes.results import _PUBLISHED_ORDER, _published_statement
from api.graphql.page_statement import published_page
from api.settings import Settings
from inspections import results
from schema.db import make_engine, make_sessionmaker
from schema.migrate import upgrade
from schema.models import ResultCategory
from tests import factories
from tests.api.conftest import graphql
from tests.conftest import POSTGRES_URL
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


# The benchmark's page (bench/read_api.py RESULTS_QUERY) with the ids, the task and the page's
# bounds: every field the one statement carries.
FULL_PAGE = """query ($after: String) { results(first: 20, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node {
    id referenceNumber publishedOn version
    entity { name creditCode } department { name } item { name } task { name }
    categories { code label }
    history { version publishedOn changeReason categories { code label } }
  } } } }"""


PAGE_TABLES = (
    "inspection_results",
    "entities",
    "departments",
    "inspection_items",
    "tasks",
    "result_versions",
    "result_categories",
)


@pytest.fixture
async def committed_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, of the suite's backend, holding 22 committed published results (one
    corrected, one of its codes with a second dictionary version): the app reads them on its own connections, outside any test transaction."""
    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'page.db'}"
        await asyncio.to_thread(upgrade, url)
        admin = None
    else:
        admin_url = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
        name = f"gongshi_page_{os.getpid()}"
        admin = await asyncpg.connect(admin_url, timeout=3)
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            joint = await factories.joint_task(session, entities=11, categories=("NO_PROBLEM", "UNREACHABLE"))
            await results.correct_result(
                session,
                by=TEST,
                result_id=joint.results[3].id,
                category_codes=["ORDERED_TO_CORRECT", "UNDISCLOSED_INFO"],
                description="经复查，责令改正",
                reason="经复查，原结果录入有误",
                approved_by="局长",
                today=date(2021, 12, 20),
            )
            # A later dictionary version of a code the correction carries: the history shows a
            # code's newest label, the current categories the entry the result was filed with.
            first = await session.scalar(
                sa.select(ResultCategory).where(ResultCategory.code == "UNDISCLOSED_INFO")
            )
            assert first is not None and first.version == 1
            first.effective_to = date(2022, 12, 31)
            columns = {
                c.key: getattr(first, c.key) for c in sa.inspect(ResultCategory).column_attrs if c.key != "id"
            }
            columns.update(
                version=2, label=f"{first.label}（修订）", effective_from=date(2023, 1, 1), effective_to=None
            )
            session.add(ResultCategory(**columns))
            await session.commit()
        await engine.dispose()
        yield url
    finally:
        await engine.dispose()
        if admin is not None:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await admin.close()


async def expected_pages(url: str) -> list[dict[str, Any]]:
    """The two pages of 20 as the public rules say, read with plain SQL (an oracle apart from the
    page statement, prefetch.py and the loaders): published results newest first then by id
    descending; a category's label is its dictionary entry's, the current version for a code."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:

            async def rows(sql: str, **params: Any) -> list[Any]:
                return list((await connection.execute(sa.text(sql), params)).all())

            labels = {
                code: label
                for code, label in await rows(
                    "SELECT code, label FROM result_categories ORDER BY code, version"
                )
            }
            published = await rows(
                "SELECT r.id, r.published_on, r.current_version, e.name, e.credit_code, d.name, i.name, t.name"
                " FROM inspection_results r JOIN entities e ON e.id = r.entity_id"
                " JOIN departments d ON d.id = r.department_id JOIN inspection_items i ON i.id = r.item_id"
                " JOIN tasks t ON t.id = r.task_id WHERE r.status = 'published'"
                " ORDER BY r.published_on DESC, r.id DESC"
            )
            nodes = []
            for rid, published_on, version, entity, credit_code, department, item, task in published:
                current = await rows(
                    "SELECT c.code, c.label FROM result_category_codes rc"
                    " JOIN result_categories c ON c.id = rc.category_id WHERE rc.result_id = :rid"
                    " ORDER BY c.sort_order, c.id",
                    rid=rid,
                )
                versions = await rows(
                    "SELECT version, published_on, change_reason, category_codes FROM result_versions"
                    " WHERE result_id = :rid ORDER BY version",
                    rid=rid,
                )
                history = []
                for number, on, reason, codes in versions:
                    codes = json.loads(codes) if isinstance(codes, str) else codes
                    categories = [{"code": code, "label": labels[code]} for code in codes]
                    history.append(
                        {
                            "version": number,
                            "publishedOn": str(on),
                            "changeReason": reason,
                            "categories": categories,
                        }
                    )
                nodes.append(
                    {
                        "id": base64.b64encode(f"InspectionResult:{rid}".encode()).decode(),
                        "referenceNumber": rid,
                        "publishedOn": str(published_on),
                        "version": version,
                        "entity": {"name": entity, "creditCode": credit_code},
                        "department": {"name": department},
                        "item": {"name": item},
                        "task": {"name": task},
                        "categories": [{"code": code, "label": label} for code, label in current],
                        "history": history,
                    }
                )
    finally:
        await engine.dispose()
    return [
        {"totalCount": len(nodes), "hasNextPage": True, "nodes": nodes[:20]},
        {"totalCount": len(nodes), "hasNextPage": False, "nodes": nodes[20:]},
    ]


def app_watched(url: str) -> tuple[Any, AsyncEngine, list[str]]:
    """The application on ``url`` (response cache off), its engine, and on PostgreSQL the list
    every statement asyncpg sends on the engine's connections is appended to."""
    engine = make_engine(url)
    seen: list[str] = []

    def watch(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda record: seen.append(record.query))

    if url.startswith("postgresql"):
        event.listen(engine.sync_engine, "connect", watch)
    return create_app(Settings(database_url=url, response_cache_bytes=0), engine=engine), engine, seen


async def test_anonymous_page_without_begin(committed_url: str) -> None:
    """Two full pages of committed results, every field asserted against the oracle above; on
    PostgreSQL nothing is read before the page (response cache off: no generation read), so each
    page is one statement on its own, one snapshot, with no BEGIN and ROLLBACK round trips."""
    postgres = committed_url.startswith("postgresql")
    app, engine, seen = app_watched(committed_url)
    expected = await expected_pages(committed_url)
    assert [len(page["nodes"]) for page in expected] == [20, 2]
    corrected = [n for page in expected for n in page["nodes"] if n["version"] == 2]
    assert len(corrected) == 1 and len(corrected[0]["history"]) == 2  # the fixture's correction
    revised = [c["label"] for c in corrected[0]["history"][1]["categories"]]
    assert revised[1].endswith("（修订）") and not corrected[0]["categories"][0]["label"].endswith("（修订）")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            # asyncpg introspects the types it has not decoded yet (the enums, the rows' arrays)
            # once per connection: a page of another size first, so the pages below are the page.
            assert "errors" not in await graphql(http, FULL_PAGE.replace("first: 20", "first: 19"))
            after = None
            for want in expected:
                seen.clear()
                body = await graphql(http, FULL_PAGE, after=after)
                await logged()
                assert "errors" not in body, body
                page = body["data"]["results"]
                assert page["totalCount"] == want["totalCount"] == 22
                assert page["pageInfo"]["hasNextPage"] is want["hasNextPage"]
                assert [edge["node"] for edge in page["edges"]] == want["nodes"]
                after = page["pageInfo"]["endCursor"]
                assert isinstance(after, str) and after
                if postgres:
                    assert len(seen) == 1, seen
                    assert all(table in seen[0] for table in PAGE_TABLES), seen[0]
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


# Every field of the nodes a results page shows, as far as a page statement reads them (a
# description sends the page the other way): the columns a page record keeps
# (api.graphql.page_statement.PAGE_COLUMNS) must be all that these read.
EVERY_FIELD = """
  id year publishedOn publicationDue publicationDueProvisional version referenceNumber underObjection
  entity { id creditCode name formerNames entityType regionCode address legalRepresentative
    registrationDate status entityTypeLabel }
  department { id code name shortName level regionCode publicationWorkingDays levelLabel parent { id } }
  item { id code version name category subject content legalBasis method effectiveFrom effectiveTo
    methodLabel department { id name } }
  task { id name year level method regionCode periodStart periodEnd status referenceNumber }
  categories { code label isProblem withoutInspection source }
  history { version description publishedOn changeReason
    categories { code label isProblem withoutInspection source } }
"""
EVERY_FIELD_PAGE = (
    "query ($after: String) { results(first: 20, after: $after) {"
    " pageInfo { hasNextPage endCursor } edges { node {" + EVERY_FIELD + "} } } }"
)
EVERY_FIELD_NODE = "query ($id: ID!) { node(id: $id) { ... on InspectionResult {" + EVERY_FIELD + "} } }"


async def test_a_page_shows_what_each_of_its_results_shows_alone(committed_url: str) -> None:
    """Every field of every result of two pages equals that result read alone by ``node`` (its
    rows loaded whole through the loaders); on PostgreSQL the pages come from the page statement,
    whose records keep only the columns the nodes read."""
    postgres = committed_url.startswith("postgresql")
    app, engine, seen = app_watched(committed_url)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            nodes: list[dict[str, Any]] = []
            after = None
            for _ in range(2):
                seen.clear()
                body = await graphql(http, EVERY_FIELD_PAGE, after=after)
                await logged()
                assert "errors" not in body, body
                page = body["data"]["results"]
                nodes += [edge["node"] for edge in page["edges"]]
                after = page["pageInfo"]["endCursor"]
                if postgres:
                    statements = [s for s in seen if "inspection_results" in s and "result_versions" in s]
                    assert len(statements) == 1 and "array_agg" in statements[0], seen
            assert len(nodes) == 22 and page["pageInfo"]["hasNextPage"] is False
            corrected = [node for node in nodes if node["version"] == 2]
            assert len(corrected) == 1 and len(corrected[0]["history"]) == 2
            for node in nodes:
                alone = await graphql(http, EVERY_FIELD_NODE, id=node["id"])
                assert "errors" not in alone, alone
                assert alone["data"]["node"] == node
    finally:
        await engine.dispose()
