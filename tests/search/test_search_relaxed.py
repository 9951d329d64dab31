"""Queries whose words no single result holds: results of the rarer words first, and which matched."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from demo.dataset import load_demo
from schema.models import Entity, InspectionResult
from search.backends.base import PageRequest, SearchFilters, SearchHits, SearchRequest
from search.query import parse_query, query_terms
from search.ranking import page_after, sort_key
from search.relaxed import any_term_search
from search.service import DATABASE, SearchOutcome, run_search
from tests import factories


async def _search(session: AsyncSession, text: str, page: PageRequest | None = None) -> SearchOutcome:
    return await run_search(session, parse_query(text), SearchFilters(), count=True, page=page)


async def _names(session: AsyncSession, outcome: SearchOutcome) -> list[str]:
    names = []
    for hit in outcome.ranked:
        result = await session.get(InspectionResult, hit.result_id)
        assert result is not None
        entity = await session.get(Entity, result.entity_id)
        assert entity is not None
        names.append(entity.name)
    return names


def test_query_terms_keep_one_character_pieces_together() -> None:
    # The segmenter cuts 鑫达 into 鑫 达 here: they make one word again, not two dropped ones.
    assert query_terms("姚安 鑫达") == ("姚安", "鑫达")
    assert query_terms("优e购") == ("优e购",)
    assert query_terms("惠农苗木合作社") == ("惠农", "苗木", "合作社")
    assert query_terms("一 二 三 四 五 六 七 八") == ("一", "二", "三", "四", "五", "六")


async def test_the_rarer_word_ranks_first_and_the_matched_words_are_told(session: AsyncSession) -> None:
    # 姚安: four entities of 姚安县 (8 results); 鑫达: one entity of 海港区 (2 results); none has both.
    await factories.joint_task(
        session,
        names=[
            "姚安县富信二手车行",
            "姚安县瑞福汽车信息咨询服务部",
            "姚安县隆达二手车经纪部",
            "姚安县张记汽车信息咨询服务部",
        ],
    )
    await factories.joint_task(session, region="130302", place="海港区", names=["秦皇岛鑫达建材有限公司"])
    outcome = await _search(session, "姚安 鑫达")
    names = await _names(session, outcome)
    assert names[:2] == ["秦皇岛鑫达建材有限公司"] * 2
    assert len(names) == 10 and all(name.startswith("姚安县") for name in names[2:])
    assert outcome.matched_terms == ("鑫达", "姚安")
    assert outcome.total == 10 and outcome.total_exact
    assert set(outcome.tokens) == {"鑫达", "姚安"}
    # Typed the other way round: the same order (rarity, not position, decides).
    again = await _search(session, "鑫达 姚安")
    assert [h.result_id for h in again.ranked] == [h.result_id for h in outcome.ranked]
    # Paging through the cursor keys walks the same order.
    first, more = page_after(outcome.ranked, None, 3)
    second, _ = page_after(outcome.ranked, sort_key(first[-1]), 3)
    assert more and [h.result_id for h in first + second] == [h.result_id for h in outcome.ranked[:6]]


async def test_every_word_matched_is_reported_too(session: AsyncSession) -> None:
    await factories.joint_task(session, names=["姚安县瑞福汽车信息咨询服务部"])
    outcome = await _search(session, "姚安 瑞福")
    assert len(outcome.ranked) == 2
    assert outcome.matched_terms == ("姚安", "瑞福")


async def test_a_word_no_document_holds_is_not_reported(session: AsyncSession) -> None:
    await load_demo(session)
    outcome = await _search(session, "ＡＢＣ鑫辉")
    assert outcome.matched_terms == ("鑫辉",)
    assert set(await _names(session, outcome)) == {"河北鑫辉网络科技有限公司"}
    nothing = await _search(session, "ＡＢＣ ＸＹＺ")
    assert (nothing.ranked, nothing.matched_terms, nothing.total) == ([], (), 0)


async def test_the_union_of_the_words_is_ranked_and_counted_up_to_the_limits(session: AsyncSession) -> None:
    await factories.joint_task(session, names=["姚安县富信二手车行", "姚安县隆达二手车经纪部"])
    await factories.joint_task(session, region="130302", place="海港区", names=["秦皇岛鑫达建材有限公司"])

    async def search(request: SearchRequest) -> SearchHits:
        return await DATABASE.search(session, request)

    limited = SearchRequest((), "", rank_limit=3, count_limit=3)
    some = await any_term_search(search, ("姚安", "鑫达"), limited)
    assert len(some.ranked) == 3 and (some.total, some.total_exact) == (3, False)
    assert some.matched_terms == ("鑫达", "姚安")
    everything = await any_term_search(search, ("姚安", "鑫达"), SearchRequest((), ""))
    assert (len(everything.ranked), everything.total, everything.total_exact) == (6, 6, True)
    assert [h.result_id for h in everything.ranked[:3]] == [h.result_id for h in some.ranked]
