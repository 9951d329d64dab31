"""The Elasticsearch backend: mapping, query bodies, bulk actions, and the outbox while it is away.

Nothing here needs a cluster: the outbox and fallback tests point at 127.0.0.1:9, where nothing
listens. The integration test at the end runs when ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings
from schema.models import SearchOutbox
from search import config
from search.backends import elastic
from search.backends.base import SearchFilters, SearchRequest
from search.documents import documents_for
from search.outbox import drain_once, pending
from search.query import parse_query
from tests import factories
from tests.api.conftest import graphql

UNREACHABLE = "http://127.0.0.1:9"  # loopback, discard port: connection refused at once
IDS = "query ($q: String!) { search(query: $q, first: 50) { totalCount edges { node { id } } } }"


def test_mapping_is_pre_segmented_text_plus_keyword_filters() -> None:
    body = elastic.INDEX_BODY
    assert body["settings"]["analysis"]["analyzer"]["tokens"] == {"type": "custom", "tokenizer": "whitespace"}
    fields = body["mappings"]["properties"]
    assert body["mappings"]["dynamic"] == "strict"
    assert {fields[f]["analyzer"] for f in ("name", "body")} == {"tokens"}
    for keyword in ("department_id", "task_id", "entity_id", "region_code", "entity_type", "category_codes"):
        assert fields[keyword] == {"type": "keyword"}, keyword
    assert fields["published_on"] == {"type": "date"}


def test_query_bodies_and_every_token_filter_and_count() -> None:
    parsed = parse_query("鑫达 二手车")
    filters = SearchFilters(
        department_id=3,
        region_prefix="5323",
        year=2021,
        category_code="NO_PROBLEM",
        task_id=7,
        entity_type="enterprise",
    )
    request = SearchRequest(
        parsed.tokens, parsed.name_key, filters, count=True, facets=True, match=parsed.match
    )
    ranked, exact = elastic.query_bodies(request)
    match = ranked["query"]["bool"]["must"][0]["combined_fields"]
    assert match == {"query": "鑫达 二手 手车", "fields": ["name", "body"], "operator": "and"}
    assert ranked["query"]["bool"]["filter"] == [
        {"term": {"department_id": "3"}},
        {"term": {"task_id": "7"}},
        {"term": {"entity_type": "enterprise"}},
        {"term": {"year": 2021}},
        {"term": {"category_codes": "NO_PROBLEM"}},
        {"prefix": {"region_code": "5323"}},
    ]
    assert ranked["size"] == 1000 and ranked["track_total_hits"] == 1000
    assert ranked["sort"] == [{"version_id": "desc"}]
    assert set(ranked["aggs"]) == {"categories", "departments", "years", "regions"}
    # Whole region codes, enough buckets for every county; summed per level in parse_answers.
    assert ranked["aggs"]["regions"] == {"terms": {"field": "region_code", "size": 5000}}
    assert exact["query"]["bool"]["filter"][0] == {"term": {"name_key": "鑫达二手车"}}
    uncounted, _ = elastic.query_bodies(SearchRequest(parsed.tokens, parsed.name_key))
    assert uncounted["track_total_hits"] is False and "aggs" not in uncounted


def test_answers_rank_exact_and_name_matches_like_the_database() -> None:
    request = SearchRequest(("鑫达",), "鑫达商行", count=True, facets=True)

    def hit(result_id: int, key: str) -> dict[str, object]:
        return {"_id": str(result_id), "_source": {"published_on": "2021-05-01", "name_key": key}}

    ranked: dict[str, Any] = {
        "hits": {
            "total": {"value": 10_000, "relation": "gte"},
            "hits": [hit(1, "姚安县鑫达二手车交易有限公司"), hit(2, "某某公司")],
        },
        "aggregations": {
            "categories": {"buckets": [{"key": "NO_PROBLEM", "doc_count": 7}]},
            "departments": {"buckets": [{"key": "3", "doc_count": 9}]},
            "years": {"buckets": [{"key": 2021, "doc_count": 9}]},
            "regions": {
                "buckets": [
                    {"key": "532325", "doc_count": 4},
                    {"key": "532301", "doc_count": 2},
                    {"key": "530102", "doc_count": 2},
                    {"key": "110105", "doc_count": 1},
                ]
            },
        },
    }
    exact = {"hits": {"hits": [hit(3, "鑫达商行")]}}
    answer = elastic.parse_answers(request, ranked, exact)
    by_id = {h.result_id: h for h in answer.hits}
    assert by_id[3].exact and not by_id[1].exact
    assert by_id[1].score > by_id[2].score == 0.0
    assert answer.total == 10_000 and answer.total_exact is False
    assert answer.facets.departments == {3: 9} and answer.facets.categories == {"NO_PROBLEM": 7}
    assert answer.facets.regions == {"53": 8, "11": 1}  # no region filter: by province
    # Filtered to 云南 (53): by prefecture; to 楚雄州 (5323): by county; to 北京 (a municipality):
    # by district at once. The cluster only ever sees the filter; the buckets are summed here.
    for prefix, regions in (
        ("53", {"5323": 6, "5301": 2}),
        ("5323", {"532325": 4, "532301": 2}),
        ("11", {"110105": 1}),
    ):
        within = [b for b in ranked["aggregations"]["regions"]["buckets"] if b["key"].startswith(prefix)]
        narrowed = {**ranked, "aggregations": {"regions": {"buckets": within}}}
        filtered = SearchRequest(("鑫达",), "鑫达商行", SearchFilters(region_prefix=prefix), facets=True)
        assert elastic.parse_answers(filtered, narrowed, exact).facets.regions == regions, prefix


async def test_bulk_actions_index_by_result_id(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    docs = await documents_for(session, [r.id for r in joint.results])
    actions = list(elastic.bulk_actions("idx", docs, deleted=[999]))
    assert [a["_op_type"] for a in actions] == ["index", "index", "delete"]
    first = actions[0]
    assert first["_id"] == str(docs[0].result_id) and first["_index"] == "idx"
    assert "鑫达" in first["_source"]["name"].split()
    assert first["_source"]["category_codes"] == list(docs[0].category_codes)


@pytest.fixture
async def elastic_configured() -> AsyncIterator[None]:
    """Search configured with an Elasticsearch that does not answer; restored afterwards."""
    before = config.current()
    config.configure(config.SearchConfig(elasticsearch_url=UNREACHABLE))
    yield
    backend = elastic.backend()
    if backend is not None:
        await backend.close()
    config.configure(before)


@pytest.fixture
async def es_client(
    session: AsyncSession, engine: AsyncEngine, elastic_configured: None
) -> AsyncIterator[httpx.AsyncClient]:
    """The application with ELASTICSEARCH_URL set to the unreachable address."""
    connection = await session.connection()
    sessions = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    settings = Settings(database_url=str(engine.url), elasticsearch_url=UNREACHABLE)
    app = create_app(settings, engine=engine, sessions=sessions)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


async def test_outbox_keeps_every_change_and_the_database_answers(
    session: AsyncSession, es_client: httpx.AsyncClient
) -> None:
    # Writes succeed while the cluster is away; each publication queues its result.
    joint = await factories.joint_task(session, entities=3)
    from inspections import results

    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=joint.results[0].id,
        category_codes=["ORDERED_TO_CORRECT"],
        description="复查后责令改正",
        reason="经复查，原结果有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    queued = list(await session.scalars(sa.select(SearchOutbox.result_id).order_by(SearchOutbox.id)))
    assert sorted(queued) == sorted([r.id for r in joint.results] + [joint.results[0].id])
    backend = elastic.backend()
    assert backend is not None
    drained = await drain_once(session, backend)
    assert drained.sent == 0 and drained.error is not None
    assert await pending(session) == len(queued)  # nothing lost
    attempts = set(await session.scalars(sa.select(SearchOutbox.attempts)))
    assert attempts == {1}
    # The same query answers from the database, with current data.
    backend.mark_up()  # forget the drain's failure: the search itself must meet the refused connection
    via_fallback = await graphql(es_client, IDS, q="鑫达")
    assert "errors" not in via_fallback
    assert backend.is_down()
    config.configure(config.SearchConfig())
    direct = await graphql(es_client, IDS, q="鑫达")
    config.configure(config.SearchConfig(elasticsearch_url=UNREACHABLE))
    assert via_fallback["data"] == direct["data"]
    assert via_fallback["data"]["search"]["totalCount"] == len(joint.results)


async def test_readyz_says_search_is_degraded_but_stays_ready(
    session: AsyncSession, es_client: httpx.AsyncClient
) -> None:
    response = await es_client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body  # the database backend still answers every search
    assert body["search"].startswith("degraded (elasticsearch unreachable")


async def test_readyz_search_ok_without_elasticsearch(client: httpx.AsyncClient) -> None:
    body = (await client.get("/readyz")).json()
    assert body["search"] == "ok"


@pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="ELASTICSEARCH_URL not set")
async def test_elasticsearch_answers_like_the_database(session: AsyncSession) -> None:
    from search.reindex import rebuild_elastic
    from search.service import DATABASE

    url = os.environ["ELASTICSEARCH_URL"]
    before = config.current()
    config.configure(config.SearchConfig(elasticsearch_url=url, alias="gongshi-test-results"))
    try:
        joint = await factories.joint_task(session, entities=3)
        backend = elastic.backend()
        assert backend is not None
        made = await rebuild_elastic(session, backend)
        assert made.count >= len(joint.results)
        parsed = parse_query("鑫达1号")
        request = SearchRequest(parsed.tokens, parsed.name_key, count=True, facets=True, match=parsed.match)
        from_es = await backend.search(session, request)
        from_db = await DATABASE.search(session, request)
        assert {h.result_id for h in from_es.hits} == {h.result_id for h in from_db.hits}
        assert from_es.total == from_db.total
        assert from_es.facets.regions == from_db.facets.regions
        await backend.client.indices.delete(index=made.index)
        await backend.close()
    finally:
        config.configure(before)
