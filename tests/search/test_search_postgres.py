"""PostgreSQL's index: numbered tokens, their document counts, and the plans chosen from them."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from search.backends import postgres, postgres_page
from search.backends.base import PageRequest, SearchFilters, SearchRequest
from search.documents import joined_tokens
from search.indexing import write_documents
from search.query import parse_query
from search.reindex import rebuild_database
from search.service import DATABASE
from tests import factories
from tests.search.test_search_postings import BODIES, _documents, _queries, ranked_alike


@pytest.fixture(autouse=True)
def _postgresql_only(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "sqlite":
        pytest.skip("numbered tokens exist on PostgreSQL only (SQLite searches through FTS5)")


async def test_tokens_are_numbered_once_and_kept(session: AsyncSession) -> None:
    connection = await session.connection()
    first = await postgres.token_ids(connection, {"鑫达", "优e", "甲乙"})
    assert sorted(first) == ["优e", "甲乙", "鑫达"]
    assert len(set(first.values())) == 3
    cache: dict[str, int] = {}
    again = await postgres.token_ids(connection, {"鑫达", "丙丁"}, cache)
    assert again["鑫达"] == first["鑫达"]
    assert again["丙丁"] not in first.values()
    assert cache == again
    assert await postgres.known_ids(connection, {"鑫达", "戊己"}) == {"鑫达": first["鑫达"]}
    stored = {t: i for t, i in await session.execute(sa.text("SELECT token, id FROM search_tokens"))}
    assert {t: stored[t] for t in ("鑫达", "优e", "甲乙", "丙丁")} == {**first, "丙丁": again["丙丁"]}


async def test_documents_hold_the_numbers_of_their_tokens(session: AsyncSession) -> None:
    joint = await factories.joint_task(session, entities=1)
    held = await session.scalar(
        sa.text(
            "SELECT array_agg(t.token) FROM search_documents d JOIN search_tokens t "
            "ON t.id = ANY(search_token_set(d.token_ids, d.common_bits)) WHERE d.result_id = :id"
        ),
        {"id": joint.results[0].id},
    )
    # The name's bigrams, the body's (姚安县工业信息化商务科技局) and the region names' (云南省, 楚雄州).
    assert {"姚安", "鑫达", "二手", "工业", "云南", "楚雄"} <= set(held)
    # A one-character jieba word is kept, longer ones are not (never looked up).
    assert "二手车" not in held


async def _ranked_ids(session: AsyncSession, query: str) -> list[int]:
    parsed = parse_query(query)
    found = await DATABASE.search(session, SearchRequest(parsed.tokens, parsed.name_key, count=True))
    return [hit.result_id for hit in sorted(found.hits, key=lambda hit: -hit.result_id)]


async def test_newest_matches_first_and_a_token_no_document_holds(session: AsyncSession) -> None:
    first = await factories.joint_task(session, entities=3)
    second = await factories.joint_task(session, entities=3)
    everything = sorted((r.id for r in first.results + second.results), reverse=True)
    assert await _ranked_ids(session, "鑫达") == everything
    connection = await session.connection()
    newest = await postgres.newest_matches(connection, ("鑫达",), "d.result_id", "", {}, 4)
    assert [row[0] for row in newest] == everything[:4]
    # A filter is bound as a parameter beside the written-in numbers.
    where, params = " AND d.result_id <= :most", {"most": everything[2]}
    filtered = await postgres.newest_matches(connection, ("鑫达", "二手"), "d.result_id", where, params, 2)
    assert [row[0] for row in filtered] == everything[2:4]
    # A token no document holds: nothing, without a number being made for it.
    assert await postgres.newest_matches(connection, ("鑫达", "无此"), "d.result_id", "", {}, 4) == []
    assert await postgres.known_ids(connection, {"无此"}) == {}


def test_the_plan_follows_the_rarest_token_and_the_expected_matches() -> None:
    million = 1_000_000.0
    assert postgres.walk_from(million) == 30_000
    # The rarest token bounds the matches: few, so every one is read through GIN.
    assert postgres.plan({"鑫达": 500, "有限": 300_000}, million) == "bitmap"
    assert postgres.plan({"鑫达": 30_000, "有限": 300_000}, million) == "bitmap"
    # One word's overlapping bigrams count as its rarest (they come together): walk newest first.
    phrase = {"族自": 200_000, "自治": 300_000, "治县": 190_000}
    assert postgres.estimate(phrase, million) == 190_000
    assert postgres.plan(phrase, million) == "newest"
    # Separate words are independent: each common, together rare, so the bitmap.
    three = {
        "海港": 91_641,
        "港区": 91_641,
        "二手": 183_909,
        "手车": 183_909,
        "未发": 730_463,
        "发现": 840_615,
        "现问": 810_678,
        "问题": 810_678,
    }
    assert round(postgres.estimate(three, million)) == round(91_641 * 183_909 * 730_463 / million**2)
    assert postgres.plan(three, million) == "bitmap"
    # A token without a count (numbered since the last rebuild) may be rare or common: a counted
    # rare one still bounds the matches; otherwise PostgreSQL's statistics decide, as they do
    # for common tokens with filters, and before the table was ever analysed.
    assert postgres.plan({"甄嬛": None, "鑫达": 10}, million) == "bitmap"
    assert postgres.plan({"甄嬛": None, "有限": 300_000}, million) == "planner"
    assert postgres.plan({"甄嬛": None}, million) == "planner"
    assert postgres.plan({"鑫达": 5, "有限": 300_000}, million, filtered=True) == "bitmap"
    assert postgres.plan(phrase, million, filtered=True) == "planner"
    assert postgres.plan(phrase, -1.0) == "planner"
    # GIN is asked for the tokens in at most a quarter of the documents and those without a
    # count; the others are tested on each row it returns. All common: GIN is asked for all.
    known = {"卢龙": (101, 90_477), "二手": (102, 183_909), "未发": (5, 730_463), "甄嬛": (103, None)}
    assert postgres.indexed_ids(known, million) == [101, 102, 103]
    assert postgres.indexed_ids({"未发": (5, 730_463), "发现": (3, 840_615)}, million) == [5, 3]
    # Of a word's bigrams, the rarest (two at least in all): 二手 for 二手车 (a tie: by text).
    three_words = {"二手": (102, 183_909), "卢龙": (101, 90_477), "手车": (104, 183_909)}
    assert postgres.indexed_ids(three_words, million) == [102, 101]
    assert postgres.indexed_ids(three_words, million, per_word=0) == [102, 101, 104]
    one_word = {"族自": (7, 200_000), "自治": (8, 30_000), "治县": (9, 19_000), "县甄": (10, None)}
    assert postgres.indexed_ids(one_word, million) == [9, 10]
    assert postgres.indexed_ids(dict(list(one_word.items())[:3]), million) == [8, 9]


async def _tokens_by_document(session: AsyncSession) -> list[tuple[int, int, set[str]]]:
    """(version id, result id, tokens) of every document, newest first, read back through the
    dictionary: the oracle the plans are checked against."""
    rows = await session.execute(
        sa.text(
            "SELECT d.version_id, d.result_id, array_agg(t.token) FROM search_documents d "
            "JOIN search_tokens t ON t.id = ANY(search_token_set(d.token_ids, d.common_bits)) "
            "GROUP BY d.version_id, d.result_id "
            "ORDER BY d.version_id DESC"
        )
    )
    return [(version_id, result_id, set(tokens)) for version_id, result_id, tokens in rows]


async def _two_places(session: AsyncSession) -> None:
    await factories.joint_task(session, entities=3, categories=("NO_PROBLEM",))
    await factories.joint_task(
        session,
        region="130302",
        place="秦皇岛市海港区",
        names=["秦皇岛优e购电子商务有限公司", "秦皇岛鑫达建材有限公司"],
        published_on=date(2022, 3, 1),
    )


async def test_a_rebuild_counts_each_tokens_documents_and_swaps_in_whole_tables(
    session: AsyncSession,
) -> None:
    await _two_places(session)
    indexed = await _tokens_by_document(session)
    assert await rebuild_database(session) == len(indexed)
    # The same documents hold the same tokens (numbered afresh).
    assert await _tokens_by_document(session) == indexed
    held = Counter(token for _, _, tokens in indexed for token in tokens)
    counted = {t: n for t, n in await session.execute(sa.text("SELECT token, docs FROM search_tokens"))}
    assert counted == dict(held)
    assert held["鑫达"] == 8 and held["秦皇"] == 4 and held["优e"] == 2
    # The 64 tokens most documents hold are numbered 1-64 and kept as bits, not in the arrays.
    numbered = {t: i for t, i in await session.execute(sa.text("SELECT token, id FROM search_tokens"))}
    bits = [held[t] for t, i in numbered.items() if i <= postgres.COMMON]
    assert len(bits) == postgres.COMMON < len(numbered)
    assert min(bits) >= max(held[t] for t, i in numbered.items() if i > postgres.COMMON)
    arrays = await session.execute(
        sa.text(
            "SELECT count(*) FILTER (WHERE common_bits = 0), "
            "count(*) FILTER (WHERE token_ids && ARRAY(SELECT generate_series(1, 64))), "
            "count(*) FILTER (WHERE cardinality(token_ids) + 64 < cardinality("
            "search_token_set(token_ids, common_bits))) FROM search_documents"
        )
    )
    assert tuple(arrays.one()) == (0, 0, 0)
    # Token 64 alone is bit 63, the sign of the bigint: every plan's statement reads it.
    sixty_fourth = next(t for t, i in numbered.items() if i == postgres.COMMON)
    holding = [r for _, r, tokens in await _tokens_by_document(session) if sixty_fourth in tokens]
    for name in ("bitmap", "newest", "planner"):
        sql = postgres.matches_sql(name, [postgres.COMMON], "d.result_id", "")
        assert [r for (r,) in await session.execute(sa.text(sql), {"limit": 20})] == holding, name
    # The swapped-in tables have the migrations' constraints and indexes, by the same names.
    indexes = await session.execute(
        sa.text(
            "SELECT tablename, indexname FROM pg_indexes "
            "WHERE tablename IN ('search_documents', 'search_tokens')"
        )
    )
    assert sorted(indexes) == [
        ("search_documents", "ix_search_documents_entity_id"),
        ("search_documents", "ix_search_documents_name_key"),
        ("search_documents", "ix_search_documents_tokens"),
        ("search_documents", "pk_search_documents"),
        ("search_documents", "uq_search_documents_result_id"),
        ("search_tokens", "pk_search_tokens"),
        ("search_tokens", "uq_search_tokens_token"),
    ]
    # Publishing after the rebuild numbers new tokens after the copied ones, without a count.
    highest = await session.scalar(sa.text("SELECT max(id) FROM search_tokens"))
    await factories.joint_task(session, names=["姚安县甄嬛茶叶有限公司"], published_on=date(2022, 5, 1))
    new = {
        t: (i, n) for t, i, n in await session.execute(sa.text("SELECT token, id, docs FROM search_tokens"))
    }
    assert new["甄嬛"][0] > highest and new["甄嬛"][1] is None
    assert new["鑫达"] == (new["鑫达"][0], 8)
    assert "甄嬛" in (await _tokens_by_document(session))[0][2]


# WALK_FROM for each plan: every token (at most 12 documents) rare, or every query walked.
_PLANS = {"bitmap": 1_000_000, "newest": 0}


def _starts(versions: list[int], size: int) -> list[int]:
    """Where windows of ``size`` documents start, counted from the newest of ``versions`` (newest
    first); the oldest takes the rest, unless under half a window (it then joins the next)."""
    return sorted(versions[n - 1] for n in range(size, len(versions), size) if n + size // 2 < len(versions))


async def _windows_of(session: AsyncSession, size: int) -> list[int]:
    """Windows of ``size`` documents recorded as a rebuild records them (without their indexes:
    the statements must find the same either way), for the tests that do not rebuild."""
    versions = await session.scalars(sa.text("SELECT version_id FROM search_documents ORDER BY 1 DESC"))
    windows = _starts(list(versions), size)
    for lower in windows:
        await session.execute(sa.text("INSERT INTO search_windows (lower) VALUES (:lower)"), {"lower": lower})
    return windows


@pytest.mark.parametrize("windowed", [False, True], ids=["one-index", "windows"])
@pytest.mark.parametrize("chosen", ["bitmap", "newest", "planner"])
@pytest.mark.parametrize(
    "query",
    [
        "鑫达",  # 8 of the 12 documents: every plan
        "优e购",  # a rare name mixing scripts (two documents)
        "二手车交易",  # a phrase: bigrams common on their own
        "有限公司",  # in every document
        "海港区 电子商务 有限公司",  # three words
    ],
)
async def test_every_plan_finds_the_same_newest_matches_counts_and_facets(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, query: str, chosen: str, windowed: bool
) -> None:
    await _two_places(session)
    if windowed:
        # Windows of three of the twelve documents: every search crosses several.
        monkeypatch.setattr(postgres, "WINDOW", 3)
    if chosen != "planner":
        # Counted by the rebuild; every count above 0 and at most a million: one plan for all.
        await rebuild_database(session)
        monkeypatch.setattr(postgres, "WALK_FROM", _PLANS[chosen])
    elif windowed:
        await _windows_of(session, 3)
    parsed = parse_query(query)
    lookup = SearchRequest(parsed.tokens, parsed.name_key, match=parsed.match).lookup
    looked_up = await postgres.look_up(await session.connection(), set(lookup))
    versions = [version_id for version_id, _, _ in await _tokens_by_document(session)]
    assert list(looked_up.windows) == (_starts(versions, 3) if windowed else [])
    assert len(looked_up.windows) == (2 if windowed else 0)  # ten documents: three windows
    counts = {token: docs for token, (_, docs) in looked_up.known.items()}
    assert postgres.plan(counts, looked_up.documents) == chosen
    documents = await _tokens_by_document(session)
    expected = [result_id for _, result_id, tokens in documents if set(lookup) <= tokens]
    assert expected, "the query matches something"
    # What each matching result is filed under, read from the data (not the index).
    filed = {
        result_id: (department_id, year)
        for result_id, department_id, year in await session.execute(
            sa.text("SELECT id, department_id, year FROM inspection_results")
        )
    }
    codes = [
        (r, c) for r, c in await session.execute(sa.text("SELECT result_id, code FROM result_category_codes"))
    ]
    for count_limit in (len(expected), len(expected) - 1):
        if count_limit == 0:
            continue
        request = SearchRequest(
            parsed.tokens,
            parsed.name_key,
            facets=True,
            count=True,
            match=parsed.match,
            rank_limit=count_limit,
            count_limit=count_limit,
        )
        found = await DATABASE.search(session, request)
        counted = expected[:count_limit]
        assert found.total == count_limit
        # Past the bound the count is an estimate, as on SQLite.
        assert found.total_exact is (count_limit == len(expected))
        assert {hit.result_id for hit in found.hits} >= set(counted)
        assert found.facets.departments == dict(Counter(filed[r][0] for r in counted))
        assert found.facets.years == dict(Counter(filed[r][1] for r in counted))
        assert found.facets.categories == dict(Counter(c for r, c in codes if r in set(counted)))
    # With a filter (bound; inside the bitmap plan's CTE): the newest match's department.
    department = filed[expected[0]][0]
    in_department = [r for r in expected if filed[r][0] == department]
    filters = SearchFilters(department_id=department)
    request = SearchRequest(parsed.tokens, parsed.name_key, filters, count=True, match=parsed.match)
    found = await DATABASE.search(session, request)
    assert (found.total, found.total_exact) == (len(in_department), True)
    assert {hit.result_id for hit in found.hits} >= set(in_department)
    rows = await postgres.newest_matches(
        await session.connection(), lookup, "d.result_id, d.version_id", "", {}, 3
    )
    assert [row[0] for row in rows] == expected[:3]
    assert [row[1] for row in rows] == sorted((row[1] for row in rows), reverse=True)


async def test_each_plan_reads_the_index_it_is_meant_to(session: AsyncSession) -> None:
    await _two_places(session)
    await rebuild_database(session)
    ids = list((await postgres.known_ids(await session.connection(), {"鑫达", "有限"})).values())
    # Sequential scans off: on a dozen rows PostgreSQL would otherwise read the table for both.
    await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plans = {}
    for name in ("bitmap", "newest"):
        sql = postgres.matches_sql(name, ids, "d.result_id", " AND d.year >= :year")
        explained = await session.execute(sa.text(f"EXPLAIN {sql}"), {"limit": 5, "year": 2021})
        plans[name] = "\n".join(row[0] for row in explained)
    assert "Bitmap Index Scan on ix_search_documents_tokens" in plans["bitmap"]
    assert "CTE m" in plans["bitmap"]
    assert "Index Scan Backward using pk_search_documents" in plans["newest"]
    assert "ix_search_documents_tokens" not in plans["newest"]


async def test_a_rebuild_cuts_the_index_into_windows_read_newest_first(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _two_places(session)
    monkeypatch.setattr(postgres, "WINDOW", 3)
    await rebuild_database(session)
    versions = [version_id for version_id, _, _ in await _tokens_by_document(session)]
    # Ten documents, three a window from the newest: windows start at the 3rd and 6th newest,
    # and the oldest holds four (a window of one would be under half a window).
    windows = [versions[5], versions[2]]
    assert list(await session.scalars(sa.text("SELECT lower FROM search_windows ORDER BY 1"))) == windows
    definitions = {
        name: definition
        for name, definition in await session.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'search_documents' AND indexname LIKE 'ix_search_documents_tokens%'"
            )
        )
    }
    gin = "USING gin (search_token_set(token_ids, common_bits))"
    assert {name: definition.split(gin)[1] for name, definition in definitions.items()} == {
        "ix_search_documents_tokens": f" WHERE (version_id >= {windows[1]})",
        # The older windows numbered from the oldest.
        "ix_search_documents_tokens_2": f" WHERE ((version_id >= {windows[0]}) AND (version_id < {windows[1]}))",
        "ix_search_documents_tokens_1": f" WHERE (version_id < {windows[0]})",
    }
    # 有限 (every document): two matches are in the newest window (three), so the older windows'
    # statements are never run. (Which index reads a window PostgreSQL decides by its size: on
    # ten rows, the key's range; at a million, the window's GIN index: BENCHMARKS.md, Run 7.)
    ids = list((await postgres.known_ids(await session.connection(), {"有限"})).values())
    sql = postgres.matches_sql("bitmap", ids, "d.result_id", "", None, windows)
    explained = [
        row[0] for row in await session.execute(sa.text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"), {"limit": 2})
    ]
    scans = [line.strip().split(" (")[0] for line in explained if "Scan on w" in line]
    assert scans == ["->  CTE Scan on w0 d", "->  CTE Scan on w1 d_1", "->  CTE Scan on w2 d_2"]
    never = [
        line.strip().split(" (")[0] for line in explained if "Scan on w" in line and "never executed" in line
    ]
    assert never == ["->  CTE Scan on w1 d_1", "->  CTE Scan on w2 d_2"]
    found = await session.execute(sa.text(sql), {"limit": 6})
    newest_six = [result_id for _, result_id, _ in (await _tokens_by_document(session))[:6]]
    assert [row[0] for row in found] == newest_six
    # Every window in one scan (reads_every_window: when all are read anyway), the same answer.
    assert postgres.reads_every_window({"有限": (ids[0], 10)}, 11)
    assert not postgres.reads_every_window({"有限": (ids[0], 10)}, 10)
    assert not postgres.reads_every_window({"甄嬛": (ids[0], None)}, 11)
    every = postgres.matches_sql("bitmap", ids, "d.result_id", "", None, windows, every=True)
    assert f"(d.version_id < {windows[0]})) AND" in every
    assert [row[0] for row in await session.execute(sa.text(every), {"limit": 6})] == newest_six
    # Published after the rebuild: in the newest window (open-ended), found first.
    joint = await factories.joint_task(
        session, names=["姚安县甄嬛茶叶有限公司"], published_on=date(2022, 5, 1)
    )
    published = sorted((r.id for r in joint.results), reverse=True)
    assert await _ranked_ids(session, "甄嬛") == published
    newest = await postgres.newest_matches(await session.connection(), ("有限",), "d.result_id", "", {}, 4)
    assert [row[0] for row in newest] == [
        result_id for _, result_id, _ in (await _tokens_by_document(session))[:4]
    ]
    assert [row[0] for row in newest][: len(published)] == published


async def _window_indexes(session: AsyncSession) -> dict[str, str]:
    """Every GIN window index in the database (any table), by name: its predicate."""
    rows = await session.execute(
        sa.text(
            "SELECT indexname, tablename, indexdef FROM pg_indexes "
            "WHERE indexname LIKE 'ix\\_search\\_documents\\_tokens%'"
        )
    )
    gin = "USING gin (search_token_set(token_ids, common_bits))"
    return {name: f"{table}:{definition.split(gin)[1]}" for name, table, definition in rows}


async def test_a_rebuild_into_fewer_windows_drops_the_old_ones_and_still_finds_everything(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _two_places(session)
    monkeypatch.setattr(postgres, "WINDOW", 3)
    await rebuild_database(session)
    assert len(await _window_indexes(session)) == 3
    # Wider windows: ten documents, five a window, so two windows where there were three.
    monkeypatch.setattr(postgres, "WINDOW", 5)
    await rebuild_database(session)
    documents = await _tokens_by_document(session)
    versions = [version_id for version_id, _, _ in documents]
    start = versions[4]
    # Only the new window's start is recorded: a search reads the ranges search_windows holds.
    assert list(await session.scalars(sa.text("SELECT lower FROM search_windows"))) == [start]
    # The third window's index is gone with the old table; the two left cover every version.
    assert await _window_indexes(session) == {
        "ix_search_documents_tokens": f"search_documents: WHERE (version_id >= {start})",
        "ix_search_documents_tokens_1": f"search_documents: WHERE (version_id < {start})",
    }
    looked_up = await postgres.look_up(await session.connection(), {"有限"})
    assert looked_up.windows == (start,)
    # Every plan reads both windows and finds every match, newest first (the oracle: each
    # document's tokens read back through the dictionary).
    everything = [result_id for _, result_id, _ in documents]
    with_xinda = [result_id for _, result_id, tokens in documents if {"鑫达"} <= tokens]
    assert len(everything) == 10 and 0 < len(with_xinda) < 10
    for chosen, walk_from in _PLANS.items():
        monkeypatch.setattr(postgres, "WALK_FROM", walk_from)
        connection = await session.connection()
        found = await postgres.newest_matches(connection, ("有限",), "d.result_id", "", {}, 20)
        assert [row[0] for row in found] == everything, chosen
        found = await postgres.newest_matches(connection, ("鑫达",), "d.result_id", "", {}, 20)
        assert [row[0] for row in found] == with_xinda, chosen
        assert await _ranked_ids(session, "鑫达") == sorted(with_xinda, reverse=True), chosen


@pytest.mark.parametrize("chosen", ["bitmap", "newest"])
async def test_the_ranking_statement_binds_the_token_numbers_of_the_plans_chosen_here(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, chosen: str
) -> None:
    await _two_places(session)
    monkeypatch.setattr(postgres, "WINDOW", 3)
    await rebuild_database(session)
    monkeypatch.setattr(postgres, "WALK_FROM", _PLANS[chosen])
    # Two tokens numbered among the common ones (their bits), two characters each: one shape.
    common = list(
        await session.scalars(
            sa.text(
                "SELECT token FROM search_tokens WHERE id <= 64 AND length(token) = 2 ORDER BY id LIMIT 2"
            )
        )
    )
    assert len(common) == 2
    connection = await session.connection()
    requests = [SearchRequest((token,), token, count=True, page=PageRequest(None, 20)) for token in common]
    made = [await postgres_page.statement(connection, request, "", {}) for request in requests]
    # One text for both: PostgreSQL parses it once per connection (a prepared statement).
    assert made[0][0] == made[1][0]
    for token, request, (_, values) in zip(common, requests, made, strict=True):
        number = (await postgres.known_ids(connection, {token}))[token]
        # The numbers are values, not text: bits for a common token, no array of the others.
        assert (values["gin_tokens"], values["row_tokens"], values["row_bits"]) == (
            [number],
            [],
            1 << (number - 1),
        )
        answer = await postgres_page.ranked_answer(connection, request, "", {})
        holding = [
            result_id for _, result_id, tokens in await _tokens_by_document(session) if token in tokens
        ]
        assert answer["count"] == len(holding) > 0
        assert sorted(hit[0] for hit in answer["page"] + answer["unscored"]) == sorted(holding)


async def test_a_rebuild_of_nothing_leaves_empty_working_tables(session: AsyncSession) -> None:
    assert await rebuild_database(session) == 0
    assert await session.scalar(sa.text("SELECT count(*) FROM search_documents")) == 0
    assert await session.scalar(sa.text("SELECT count(*) FROM search_tokens")) == 0
    # Publishing afterwards indexes and finds as before.
    joint = await factories.joint_task(session, entities=1)
    assert await _ranked_ids(session, "鑫达") == sorted((r.id for r in joint.results), reverse=True)


@pytest.mark.parametrize("windowed", [False, True], ids=["one-index", "windows"])
@pytest.mark.parametrize("chosen", ["bitmap", "newest", "planner"])
async def test_the_ranking_statement_gives_pythons_pages_by_every_plan(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, chosen: str, windowed: bool
) -> None:
    """postgres_page ranks in the statement: page by page, following the cursors, the same hits
    in the same order, counts and facets as every match ranked by search/ranking.py."""
    rng = random.Random(20261203)
    # Later versions of 60 results: their old versions are gone, the new ones newest.
    docs = _documents(400, rng, list(range(1, 401)))
    await write_documents(session, docs, empty=True)
    later = [
        dataclasses.replace(doc, version_id=1000 + n, body_tokens=joined_tokens(BODIES[1]))
        for n, doc in enumerate(docs[:60])
    ]
    await write_documents(session, later)
    if chosen == "planner":
        await session.execute(sa.text("UPDATE search_tokens SET docs = NULL"))
    else:
        # Each token's documents, as a rebuild counts them, and the table's size for the plan.
        await session.execute(
            sa.text(
                "UPDATE search_tokens t SET docs = (SELECT count(*) FROM search_documents d "
                "WHERE search_token_set(d.token_ids, d.common_bits) @> ARRAY[t.id])"
            )
        )
        await session.execute(sa.text("ANALYZE search_documents"))
        monkeypatch.setattr(postgres, "WALK_FROM", _PLANS[chosen])
    if windowed:
        # Four windows of the 400 documents: the newest holds the 60 later versions and 40 more.
        assert len(await _windows_of(session, 100)) == 3
    queries = _queries(docs, rng)
    connection = await session.connection()
    for query in queries[:3] + queries[-5:]:
        parsed = parse_query(query)
        lookup = SearchRequest(parsed.tokens, parsed.name_key, match=parsed.match).lookup
        known, documents = await postgres.known_tokens(connection, set(lookup))
        counts = {token: n for token, (_, n) in known.items()}
        assert postgres.plan(counts, documents) == chosen, query
    # 甄嬛: a word no document holds (no number); the cases (x 6) must mostly find something.
    assert await ranked_alike(session, [*queries, "甄嬛"]) > 3 * len(queries)
