"""PostgreSQL's index: numbered tokens, and the newest matches read window by window."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from search.backends import postgres
from search.backends.base import SearchRequest
from search.query import parse_query
from search.service import DATABASE
from tests import factories


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
            "ON t.id = ANY(d.token_ids) WHERE d.result_id = :id"
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
