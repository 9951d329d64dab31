"""Relevance over the demo data: recall@10 and MRR of relevance_queries.json must stay above floors.

The floors are recorded in the README's "Search" section; the test prints every miss.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from demo.dataset import load_demo
from schema.enums import ResultStatus
from schema.models import Department, Entity, InspectionItem, InspectionResult, ResultCategoryCode
from search.backends import postgres
from search.reindex import rebuild_database
from tests import factories
from tests.api.conftest import graphql
from workdays.china_time import china_today

CASES = json.loads((Path(__file__).parent / "relevance_queries.json").read_text("utf-8"))["cases"]
RECALL_FLOOR = 0.97
MRR_FLOOR = 0.95

QUERY = """
query ($q: String!) { search(query: $q, first: 10) {
  entity { name } didYouMean { name } matchedTerms allTermsMatched
  edges { node { id entity { name } item { name } publishedOn } }
} }
"""
# Top 10s of the issue-17 cases per database, compared once both have run (they must agree).
TOP_TENS: dict[str, dict[str, list[Any]]] = {}
# One date for the demo's recent flows on both databases: loaded on each with China's date of the
# moment, a run across midnight in China (16:00 UTC) dated them a day apart, and the top 10s
# differed by those dates (a CI run at 16:05 UTC, 2026-12-03).
DEMO_TODAY = china_today()


async def _citizens_misses(session: AsyncSession) -> None:
    """The entities behind issue 17's misses, which the demo data lacks: a name mixing scripts
    (with two names that also hold an E), a 金穗 in 兰陵县 of 临沂市, and a 鑫达 away from 姚安."""
    await factories.joint_task(
        session,
        region="130302",
        place="秦皇岛市海港区",
        names=[
            "秦皇岛优e购电子商务有限公司",
            "秦皇岛E家网络科技有限公司",
            "秦皇岛优品E站电子商务有限公司",
            "秦皇岛鑫达建材有限公司",
        ],
    )
    await factories.joint_task(
        session, region="371324", place="兰陵县", names=["兰陵县金穗农业种植专业合作社"]
    )


async def _relevant(session: AsyncSession, expect: dict[str, Any]) -> set[int]:
    r = InspectionResult
    stmt = sa.select(r.id).where(r.status == ResultStatus.PUBLISHED)
    if "entity" in expect:
        stmt = stmt.join(Entity, Entity.id == r.entity_id).where(Entity.name == expect["entity"])
    elif "department" in expect:
        stmt = stmt.join(Department, Department.id == r.department_id).where(
            Department.name == expect["department"]
        )
    elif "item" in expect:
        stmt = stmt.join(InspectionItem, InspectionItem.id == r.item_id).where(
            InspectionItem.name == expect["item"]
        )
    elif "category" in expect:
        stmt = stmt.join(ResultCategoryCode, ResultCategoryCode.result_id == r.id).where(
            ResultCategoryCode.code == expect["category"]
        )
    else:
        return set()
    return set(await session.scalars(stmt))


def _local(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().split(":")[1])


async def _score(
    session: AsyncSession, client: httpx.AsyncClient, case: dict[str, Any]
) -> tuple[float, float]:
    """(recall@10, reciprocal rank) of one case."""
    body = await graphql(client, QUERY, q=case["query"])
    assert "errors" not in body, (case, body)
    found = body["data"]["search"]
    if "issue 17" in case["kind"]:
        top = [
            [e["node"]["entity"]["name"], e["node"]["item"]["name"], e["node"]["publishedOn"]]
            for e in found["edges"]
        ]
        shown = (
            top + [n["name"] for n in found["didYouMean"]] + [found["matchedTerms"], found["allTermsMatched"]]
        )
        if "rarer word first" in case["kind"]:
            # No result has both words: the rarer word's results first, and named first.
            assert found["matchedTerms"][0] == "鑫达", found
        # The same with and without posting bitmaps; across databases, compared at the end.
        record = TOP_TENS.setdefault(session.get_bind().dialect.name, {})
        assert record.setdefault(case["query"], shown) == shown, case
    expect = case["expect"]
    if "code" in expect:
        hit = 1.0 if (found["entity"] or {}).get("name") == expect["code"] else 0.0
        return hit, hit
    if "suggest" in expect:
        names = [e["name"] for e in found["didYouMean"]]
        rank = names.index(expect["suggest"]) + 1 if expect["suggest"] in names else 0
        return (1.0 if rank else 0.0), (1 / rank if rank else 0.0)
    relevant = await _relevant(session, expect)
    assert relevant, f"the demo data has nothing for {case}: update relevance_queries.json"
    ids = [_local(edge["node"]["id"]) for edge in found["edges"]]
    recall = len(set(ids) & relevant) / min(10, len(relevant))
    rank = next((i + 1 for i, result_id in enumerate(ids) if result_id in relevant), 0)
    return recall, (1 / rank if rank else 0.0)


@pytest.mark.parametrize("bitmaps", [False, True], ids=["full-text", "bitmaps"])
async def test_relevance_of_the_demo_queries_is_above_the_floors(
    session: AsyncSession, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, bitmaps: bool
) -> None:
    """``bitmaps``: after a full rebuild, which on SQLite gives the frequent tokens posting
    bitmaps and on PostgreSQL counts each token's documents, from which it plans."""
    await load_demo(session, today=DEMO_TODAY)
    await _citizens_misses(session)
    if bitmaps and session.get_bind().dialect.name == "sqlite":
        # Tokens in 10+ of the demo's ~250 results get bitmaps (at a million: 4,096+), so most
        # queries mix FTS5 for their rare tokens and bitmaps for the common ones.
        await rebuild_database(session, frequent_from=10)
        connection = await session.connection()
        assert await connection.scalar(sa.text("SELECT count(DISTINCT token) FROM search_fts_postings")) > 100
    elif bitmaps:
        # From 10 expected matches of the ~250 results the newest are walked (at a million:
        # 20,000), so queries take both plans: the GIN bitmap and the newest documents first.
        monkeypatch.setattr(postgres, "WALK_FROM", 10)
        await rebuild_database(session)
        connection = await session.connection()
        common = await connection.execute(sa.text("SELECT docs > 10, count(*) FROM search_tokens GROUP BY 1"))
        assert {is_common: n > 50 for is_common, n in common} == {False: True, True: True}
    scored = [c for c in CASES if "nothing" not in c["expect"]]
    assert len(scored) >= 40
    recalls, ranks, misses = [], [], []
    for case in scored:
        recall, reciprocal = await _score(session, client, case)
        recalls.append(recall)
        ranks.append(reciprocal)
        if recall < 1 or reciprocal < 1:
            misses.append(f"{case['query']} ({case['kind']}): recall@10 {recall:.2f}, RR {reciprocal:.2f}")
        if "issue 17" in case["kind"]:
            # Each of these must be found first, not only keep the averages above the floors.
            assert (recall, reciprocal) == (1.0, 1.0), case
    mean_recall = sum(recalls) / len(recalls)
    mrr = sum(ranks) / len(ranks)
    print(f"recall@10 {mean_recall:.3f}, MRR {mrr:.3f} over {len(scored)} queries", *misses, sep="\n")
    assert mean_recall >= RECALL_FLOOR, misses
    assert mrr >= MRR_FLOOR, misses
    for case in CASES:
        if "nothing" in case["expect"]:
            body = await graphql(client, QUERY, q=case["query"])
            assert body["data"]["search"]["edges"] == [], case
    if len(TOP_TENS) == 2:
        assert TOP_TENS["sqlite"] == TOP_TENS["postgresql"]
