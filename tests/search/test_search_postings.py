"""SQLite's posting bitmaps of frequent tokens (search/backends/postings.py) change no answer.

The documents here are written straight into the index (search/indexing.write_documents) from
synthetic entities shaped like the directory's: the bitmaps are an index-layer structure, and
this way the rowids can be spread over several 65,536-rowid chunks, which real data reaches only
past 65,536 published versions. Every query is answered twice, with the bitmaps and with plain
FTS5 (bitmaps cleared), and the answers must be the same: the same hits, counts and facets.
"""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import date

import pytest
import sqlalchemy as sa
from pyroaring import BitMap
from sqlalchemy.ext.asyncio import AsyncSession

from demo.names import EntityFaker
from inspections import results
from search.backends import database, postings
from search.backends.base import Hit, PageRequest, SearchFilters, SearchHits, SearchRequest
from search.documents import Document, joined_tokens
from search.indexing import write_documents
from search.query import name_key, parse_query
from search.ranking import page_after, rank, sort_key
from search.reindex import rebuild_database
from search.service import DATABASE
from tests import factories

BODIES = (
    ("秦皇岛市市场监督管理局", "二手车经营备案检查", "未发现问题", "现场检查未发现问题"),
    ("秦皇岛市市场监督管理局", "电子商务经营者公示信息检查", "责令改正", "已责令限期改正"),
    ("海港区市场监督管理局", "计量器具检定情况检查", "不合格", "计量器具未按期检定"),
    ("姚安县市场监督管理局", "食品经营许可检查", "未发现问题", "经营正常"),
    ("姚安县工业信息化商务科技局", "棉花质量检查", "待后续处理", "样品送检，待后续处理"),
    ("昌黎县市场监督管理局", "检验检测机构资质检查", "无法联系", "通过登记的住所无法联系"),
)


@pytest.fixture
def sqlite_only(session: AsyncSession) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("posting bitmaps exist on SQLite only (PostgreSQL searches through GIN)")


def _documents(count: int, rng: random.Random, version_ids: list[int]) -> list[Document]:
    faker = EntityFaker(rng)
    docs = []
    for n, (entity, version_id) in enumerate(zip(faker.entities(count), version_ids, strict=False)):
        department, item, category, description = BODIES[n % len(BODIES)]
        docs.append(
            Document(
                result_id=n + 1,
                version_id=version_id,
                entity_id=n + 1,
                department_id=1 + n % len(BODIES),
                task_id=1 + n % 4,
                region_code=entity.region_code,
                year=2019 + n % 5,
                entity_type=entity.entity_type,
                published_on=date(2019 + n % 5, 1 + n % 12, 1 + n % 28),
                name_key=name_key(entity.name),
                category_codes=(),
                credit_code=entity.credit_code,
                item_code=f"ITEM-{n % len(BODIES)}",
                name_tokens=joined_tokens((entity.name, *entity.former_names, entity.credit_code)),
                body_tokens=joined_tokens((department, item, category, description)),
            )
        )
    return docs


def _queries(docs: list[Document], rng: random.Random) -> list[str]:
    names = [doc.name_key for doc in rng.sample(docs, 25)]
    parts = []
    for name in names:
        start = rng.randrange(max(len(name) - 4, 1))
        parts.append(name[start : start + rng.choice((2, 3, 4, 6))])
    # Names with brackets, typed without them: the query's bigrams bridge the punctuation, which
    # only Python's in_name sees through (the ranking statement hands such names over).
    bracketed = [re.sub(r"[\W_]+", "", doc.name_key) for doc in docs if not doc.name_key.isalnum()][:10]
    assert bracketed, "the faker makes bracketed names (鑫达商贸（秦皇岛）有限公司)"
    return [
        *names,
        *parts,
        *bracketed,
        *(name[2:9] for name in bracketed),
        "有限公司",
        "市场监督管理局",
        "未发现问题",
        "秦皇岛 电子商务 责令改正",
        "姚安 棉花 待后续处理",
        "海港区 计量 不合格",
        "二手车 未发现问题",
        "检查",
        "鑫达",
    ]


def _request(query: str, filters: SearchFilters, rank_limit: int, page: PageRequest | None) -> SearchRequest:
    parsed = parse_query(query)
    return SearchRequest(
        parsed.tokens,
        parsed.name_key,
        filters,
        count=True,
        facets=True,
        rank_limit=rank_limit,
        count_limit=rank_limit,
        match=parsed.match,
        page=page,
    )


def _summary(found: SearchHits) -> tuple[object, ...]:
    return (found.total, found.total_exact, found.facets)


async def _reference(session: AsyncSession, case: tuple[str, SearchFilters, int]) -> tuple[object, ...]:
    """Every match to Python, ranked by search/ranking.py (no page asked: the reference path)."""
    found = await DATABASE.search(session, _request(*case, page=None))
    return (*_summary(found), rank(found.hits))


async def _paged(
    session: AsyncSession, case: tuple[str, SearchFilters, int], size: int
) -> tuple[object, ...]:
    """The same search page by page through the ranking statement, following the cursors."""
    first = await DATABASE.search(session, _request(*case, page=PageRequest(None, size)))
    assert first.paged
    found, ranked = first, list[Hit]()
    for _ in range(1000):
        page, more = page_after(found.hits, None, size)
        assert not ranked or not page or sort_key(page[0]) > sort_key(ranked[-1]), "a page must move on"
        ranked += page
        if not more:
            return (*_summary(first), ranked)
        found = await DATABASE.search(session, _request(*case, page=PageRequest(sort_key(page[-1]), size)))
    raise AssertionError("more than 1,000 pages")


def _cases(queries: list[str]) -> list[tuple[str, SearchFilters, int]]:
    return [
        (query, filters, limit)
        for query in queries
        for filters in (SearchFilters(), SearchFilters(year=2021), SearchFilters(department_id=2))
        for limit in (1000, 7)
    ]


async def ranked_alike(session: AsyncSession, queries: list[str]) -> int:
    """Each query (under three filters, two limits) ranked page by page by the ranking statement
    (pages of 3 and of 20, following the cursors) and by Python's ranking of every match (the
    reference) must agree: same hits in the same order, same counts, same facets. Returns how
    many of the cases found something."""
    cases = _cases(queries)
    reference = [await _reference(session, case) for case in cases]
    for case, expected in zip(cases, reference, strict=True):
        for size in (3, 20):
            assert await _paged(session, case, size) == expected, (case, size)
    return sum(1 for answer in reference if answer[0])


async def _compare(session: AsyncSession, queries: list[str]) -> int:
    """Rank every query three ways, which must agree; return how many tokens had bitmaps.

    Python's ranking of every match (the reference), the ranking statement page by page with
    the bitmaps, and the same without them (plain FTS5): same hits in the same order, same
    counts, same facets.
    """
    connection = await session.connection()
    frequent = await connection.scalar(sa.text("SELECT count(DISTINCT token) FROM search_fts_postings"))
    found = await ranked_alike(session, queries)
    assert found > len(_cases(queries)) / 2, "the queries must find things"
    await postings.clear(connection)
    assert await ranked_alike(session, queries) == found
    return int(frequent or 0)


async def test_bitmaps_give_the_answers_of_plain_full_text(
    session: AsyncSession, sqlite_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261122)
    # Rowids over four chunks, superseded versions among them, blocks small enough to page.
    version_ids = sorted(rng.sample(range(1, 4 * 65536), 700))
    docs = _documents(600, rng, version_ids)
    await write_documents(session, docs, empty=True)
    connection = await session.connection()
    assert await postings.rebuild(connection, frequent_from=40) > 10
    # Later versions of 100 results: new rowids above all others, the old ones superseded.
    later = [
        dataclasses.replace(doc, version_id=version_id, body_tokens=joined_tokens(BODIES[1]))
        for doc, version_id in zip(docs[:100], version_ids[600:], strict=True)
    ]
    await write_documents(session, later)
    monkeypatch.setattr(database, "_RARE_BLOCK", 16)
    assert await _compare(session, _queries(docs, rng)) > 10


async def test_new_documents_join_the_bitmaps_in_their_own_transaction(
    session: AsyncSession, sqlite_only: None
) -> None:
    first = await factories.joint_task(session, entities=3)
    assert await rebuild_database(session, frequent_from=2) == len(first.results)
    connection = await session.connection()
    tokens = {token for (token,) in await connection.exec_driver_sql("SELECT token FROM search_fts_postings")}
    assert {"鑫达", "有限", "公司", "二手"} <= tokens
    # Published after the rebuild: written by the publication itself, through write_documents.
    second = await factories.joint_task(session, entities=2)
    blobs = await connection.exec_driver_sql("SELECT bitmap FROM search_fts_postings WHERE token = '鑫达'")
    indexed = BitMap.union(*(BitMap.deserialize(blob) for (blob,) in blobs))
    versions = set(
        await session.scalars(
            sa.text("SELECT version_id FROM search_documents WHERE result_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": [r.id for r in [*first.results, *second.results]]},
        )
    )
    assert versions <= set(indexed)
    # A correction: the new version is found, the superseded one is not.
    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=second.results[0].id,
        category_codes=["ORDERED_TO_CORRECT"],
        description="已责令改正",
        reason="经复查，原结果有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    parsed = parse_query("鑫达 二手车")
    page = PageRequest(None, 20)
    found = await DATABASE.search(
        session, SearchRequest(parsed.tokens, parsed.name_key, match=parsed.match, page=page)
    )
    assert sorted(hit.result_id for hit in found.hits) == sorted(
        r.id for r in [*first.results, *second.results]
    )
    assert await _compare(session, ["鑫达", "鑫达 二手车", "责令改正", "有限公司", "姚安县 现场检查"]) > 10


async def test_a_rebuild_chooses_tokens_by_how_many_documents_hold_them(
    session: AsyncSession, sqlite_only: None
) -> None:
    await factories.joint_task(session, entities=3)
    await factories.joint_task(session, entities=1, industry="其他行业")
    await rebuild_database(session, frequent_from=7)
    connection = await session.connection()
    chosen = {
        token
        for (token,) in await connection.exec_driver_sql("SELECT DISTINCT token FROM search_fts_postings")
    }
    # 8 results hold 鑫达 and 姚安; the 3 first task's 6 results and the second's 2 are 8 in all.
    assert {"鑫达", "姚安"} <= chosen
    # 二手车经营备案检查 is one item of two: 4 results, below 7.
    assert "备案" not in chosen


async def test_bitmaps_kept_in_memory_are_dropped_when_an_older_chunk_changes(
    session: AsyncSession, sqlite_only: None
) -> None:
    rng = random.Random(7)
    # Rowids over three chunks; 5 is left free, in the oldest chunk.
    version_ids = sorted(rng.sample(range(10, 3 * 65536), 300))
    docs = _documents(300, rng, version_ids)
    await write_documents(session, docs, empty=True)
    connection = await session.connection()
    await postings.rebuild(connection, frequent_from=20)
    query = "秦皇岛 电子商务 责令改正"
    page = PageRequest(None, 20)

    async def first_hits() -> list[int]:
        parsed = parse_query(query)
        request = SearchRequest(parsed.tokens, parsed.name_key, match=parsed.match, page=page)
        return [hit.result_id for hit in (await DATABASE.search(session, request)).hits]

    before = await first_hits()
    assert before
    generation = await connection.scalar(sa.text("SELECT generation FROM search_fts_generation"))
    kept = [
        (t, c) for t in ("电子", "责令") for c in (0, 1) if postings.SEALED.get(generation, t, c) is not None
    ]
    assert kept, "the older chunks' bitmaps are kept between searches"
    assert await first_hits() == before
    # A document written under an old rowid (chunk 0), newer than every other by date.
    late = dataclasses.replace(
        docs[1], result_id=1000, version_id=5, entity_id=1000, published_on=date(2030, 1, 1)
    )
    await write_documents(session, [late])
    assert await connection.scalar(sa.text("SELECT generation FROM search_fts_generation")) != generation
    assert (await first_hits())[0] == 1000
