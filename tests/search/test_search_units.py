"""Query checks, ranking order, cursor paging and highlighting, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from search.backends.base import Hit
from search.errors import SearchInputError
from search.highlight import snippet
from search.query import MAX_QUERY_CHARS, parse_query
from search.ranking import page_after, rank, relevance, sort_key


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "SEARCH_QUERY_EMPTY"),
        ("\u3000 \t", "SEARCH_QUERY_EMPTY"),
        ("鑫" * (MAX_QUERY_CHARS + 1), "SEARCH_QUERY_TOO_LONG"),
        ("……！！", "SEARCH_QUERY_UNSEARCHABLE"),
    ],
)
def test_unsearchable_queries_are_refused_with_a_code(raw: str, code: str) -> None:
    with pytest.raises(SearchInputError) as caught:
        parse_query(raw)
    assert caught.value.code == code and caught.value.field == "query"


def test_a_valid_credit_code_is_recognised_in_any_spelling() -> None:
    parsed = parse_query(" 9153 2325 7652 9467 xn ")
    assert parsed.credit_code == "9153232576529467XN"


def test_an_almost_code_offers_candidates() -> None:
    parsed = parse_query("9153232576529467XM")
    assert parsed.credit_code is None
    assert "9153232576529467XN" in parsed.code_candidates


def test_brackets_and_script_make_the_same_name_key() -> None:
    assert (
        parse_query("隆祥信息技术(秦皇岛)有限責任公司").name_key
        == parse_query("隆祥信息技术（秦皇岛）有限责任公司").name_key
    )


def test_ranking_puts_exact_then_name_coverage_then_recency() -> None:
    old, new = date(2020, 1, 1), date(2022, 1, 1)
    hits = [
        Hit(1, False, 0.0, new),  # found in the body only
        Hit(2, False, relevance("鑫达", "姚安县鑫达二手车交易有限公司"), new),
        Hit(3, False, relevance("鑫达", "鑫达商行"), old),  # shorter name: the query covers more
        Hit(4, True, relevance("鑫达商行", "鑫达商行"), old),
        Hit(5, False, 0.0, old),
    ]
    assert [h.result_id for h in rank(hits)] == [4, 3, 2, 1, 5]


def test_paging_after_a_cursor_key_continues_where_it_stopped() -> None:
    hits = rank([Hit(i, False, 0.0, date(2021, 1, i)) for i in range(1, 8)])
    first, more = page_after(hits, None, 3)
    assert more and [h.result_id for h in first] == [7, 6, 5]
    second, more = page_after(hits, sort_key(first[-1]), 3)
    assert more and [h.result_id for h in second] == [4, 3, 2]
    last, more = page_after(hits, sort_key(second[-1]), 3)
    assert not more and [h.result_id for h in last] == [1]


def test_highlight_maps_matches_back_to_the_original_text() -> None:
    part = snippet("姚安县鑫達二手车（交易）有限公司", parse_query("鑫达 交易"))
    assert part is not None
    assert part.marked() == "姚安县<em>鑫達</em>二手车（<em>交易</em>）有限公司"


def test_highlight_escapes_html_and_windows_long_text() -> None:
    text = "<b>" + "甲" * 80 + "责令改正" + "乙" * 80
    part = snippet(text, parse_query("责令改正"), window=True)
    assert part is not None
    assert part.text.startswith("…") and part.text.endswith("…")
    assert "<em>责令改正</em>" in part.marked() and "<b>" not in part.marked()
    assert snippet("无关文字", parse_query("责令改正")) is None
