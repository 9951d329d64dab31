"""The main list queries issue the same number of SQL statements whatever the data size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inspections.tokens import issue_token
from objections.storage import EvidenceFile
from tests import factories
from tests.api.conftest import graphql

RESULTS_PAGE = """
{ results(first: 20) { totalCount edges { node { id publishedOn version
    entity { name creditCode } department { name } item { name legalBasis department { name } }
    task { name initiatingDepartment { name } } categories { code label }
    history { version categories { label } } } } } }"""

TASKS_PAGE = """
{ tasks(first: 20) { totalCount edges { node { name
    initiatingDepartment { name } participatingDepartments { name }
    items { item { name } department { name } } strata { name ratioPercent }
    draw { seedSha256 } drawnEntities { name }
    resultSummary { published byCategory { category { label } count } } } } } }"""

PLANS_PAGE = """
{ plans(first: 20) { edges { node { title department { name } tasks { name } } } } }"""


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Record every SQL statement sent through ``engine`` while the block runs."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def _statements(
    client: httpx.AsyncClient, engine: AsyncEngine, query: str
) -> tuple[int, dict[str, Any]]:
    with count_statements(engine) as seen:
        body = await graphql(client, query)
    assert "errors" not in body, body
    return len(seen), body


async def test_list_queries_stay_flat_when_data_doubles(
    client: httpx.AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    for _ in range(3):
        await factories.joint_task(session, entities=4, categories=("NO_PROBLEM", "UNREACHABLE"))
    before = {}
    for name, query in (("results", RESULTS_PAGE), ("tasks", TASKS_PAGE), ("plans", PLANS_PAGE)):
        before[name], body = await _statements(client, engine, query)
    assert len(body["data"]["plans"]["edges"]) >= 3

    for _ in range(3):
        await factories.joint_task(session, entities=4, categories=("NO_PROBLEM", "UNREACHABLE"))
    after = {}
    for name, query in (("results", RESULTS_PAGE), ("tasks", TASKS_PAGE), ("plans", PLANS_PAGE)):
        after[name], body = await _statements(client, engine, query)
        if name == "results":
            assert len(body["data"]["results"]["edges"]) == 20
            assert body["data"]["results"]["totalCount"] >= 48
    assert after == before
    # One page query, one count, then one batched query per kind of related object (measured:
    # tasks 13, plans 3). A loader that stops batching would add 20 or more. The results page
    # reads its entities, departments, items, tasks and categories in one statement that primes
    # the loaders (load_page; through the driver on SQLite, so not counted there), then the
    # versions and their categories for history: 5 on PostgreSQL, 4 on SQLite (9 before priming).
    # Every anonymous query also reads the publication generation (the response cache's key,
    # api/http/caching.py): one primary-key read more, constant, on each page.
    assert before["results"] <= 5 + 1, before
    assert before["tasks"] <= 15 + 1, before


SEARCH_PAGE = """
query ($first: Int) { search(query: "鑫达", first: $first) { totalCount edges { %s } } }"""
SEARCH_IDS = "node { id }"
# Every related object a search page shows, and the highlights (which read the same objects).
SEARCH_FULL = """node { id publishedOn version
    entity { name creditCode formerNames } department { name } item { name legalBasis }
    task { name } categories { code label } }
  highlights { field text marked }"""


async def _search_statements(
    client: httpx.AsyncClient, engine: AsyncEngine, edge_fields: str, first: int
) -> tuple[int, list[dict[str, Any]]]:
    with count_statements(engine) as seen:
        body = await graphql(client, SEARCH_PAGE % edge_fields, first=first)
    assert "errors" not in body, body
    edges: list[dict[str, Any]] = body["data"]["search"]["edges"]
    return len(seen), edges


async def test_search_page_statements_do_not_depend_on_what_it_shows(
    client: httpx.AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    for _ in range(3):
        await factories.joint_task(session, entities=4, categories=("NO_PROBLEM", "UNREACHABLE"))
    counts = {}
    for name, fields, first in (
        ("ids", SEARCH_IDS, 20),
        ("full", SEARCH_FULL, 20),
        ("full of 3", SEARCH_FULL, 3),
        ("history", SEARCH_FULL + " node { history { version } description }", 20),
    ):
        counts[name], edges = await _search_statements(client, engine, fields, first)
        assert len(edges) == first, name
    assert all(edge["node"]["categories"] and edge["node"]["history"] for edge in edges)
    assert all(edge["highlights"][0]["field"] == "entityName" for edge in edges)
    # The search itself, then one statement for the whole page: the results with their entity,
    # department, item, task, categories and current description, whatever the page shows.
    assert counts["full"] == counts["full of 3"] == counts["ids"], counts
    # Every version of each result (history) is one more batched statement.
    assert counts["history"] == counts["full"] + 1, counts


MY_OBJECTIONS = """
{ myObjections { ... on ObjectionList { objections { id state evidenceCount steps { toState on } } } } }"""


async def test_objection_lists_load_steps_and_evidence_counts_in_batches(
    client: httpx.AsyncClient, session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    """Each objection's steps and evidence count come from one batch, not a query per objection."""
    joint = await factories.joint_task(session, entities=1)
    entity = joint.entities[0]
    first, second = [r for r in joint.results if r.entity_id == entity.id][:2]
    token = await issue_token(
        session, actor="test", holder_name="经办人", entity_credit_code=entity.credit_code
    )
    headers = {"Authorization": f"Bearer {token.secret}"}
    pdf = EvidenceFile("租赁合同.pdf", b"%PDF-1.7\n...")
    await factories.objection(session, first, "objection-key-1", storage_dir=tmp_path, evidence=[pdf])

    async def statements() -> tuple[int, list[dict[str, Any]]]:
        with count_statements(engine) as seen:
            response = await client.post("/graphql", json={"query": MY_OBJECTIONS}, headers=headers)
        return len(seen), response.json()["data"]["myObjections"]["objections"]

    one, listed = await statements()
    assert [(o["evidenceCount"], [s["toState"] for s in o["steps"]]) for o in listed] == [(1, ["FILED"])]
    await factories.objection(session, second, "objection-key-2", storage_dir=tmp_path, evidence=[pdf, pdf])
    two, listed = await statements()
    assert sorted((o["evidenceCount"], len(o["steps"])) for o in listed) == [(1, 1), (2, 1)]
    assert all(o["state"] == "FILED" and o["id"] for o in listed)
    assert two == one, (one, two)
