"""index_tokens() and query_tokens(): what a citizen's query finds."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.text import index_tokens, normalize, query_tokens

NAME = "姚安县鑫达二手车交易有限公司"


def finds(query: str, document: str) -> bool:
    """Whether an AND of the query's tokens matches the document's tokens."""
    wanted = query_tokens(query)
    return bool(wanted) and set(wanted) <= set(index_tokens(document))


@pytest.mark.parametrize(
    "query",
    ["姚安", "鑫达", "二手车", "二手车交易", "鑫达二手车", "县鑫", "达二手", "有限公司", NAME],
)
def test_partial_company_name_finds_it(query: str) -> None:
    # 姚安县 and 二手车交易 are single jieba words; their parts must still be found.
    assert finds(query, NAME)


@pytest.mark.parametrize("query", ["姚安鑫达", "鑫达交易", "姚安县二手车", "丰达", "安徽"])
def test_non_substrings_do_not_find_the_name(query: str) -> None:
    assert not finds(query, NAME)


def test_query_with_spaces_requires_each_part() -> None:
    assert finds("姚安 鑫达", NAME)
    assert finds("鑫达 有限公司", NAME)
    assert not finds("姚安 丰达", NAME)


def test_city_name_with_and_without_shi() -> None:
    # Substring semantics: 秦皇岛 finds 秦皇岛市..., but 秦皇岛市 needs the 市.
    assert finds("秦皇岛", "秦皇岛市市场监督管理局")
    assert finds("秦皇岛市", "秦皇岛市市场监督管理局")
    assert not finds("秦皇岛市", "秦皇岛海港区鑫达商行")


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("市场监管局", "秦皇岛市市场监督管理局"),  # short name finds the full name (seed 003)
        ("秦皇岛市市场监管局", "秦皇岛市市场监督管理局"),
        ("市监局", "秦皇岛市市场监督管理局"),
        ("市场监督管理局", "县市场监管局"),  # and the other way (seed 000)
        ("工信局", "平顶山市工业和信息化局"),
        ("住建局", "住房和城乡建设局"),
    ],
)
def test_department_short_names_are_synonyms(query: str, document: str) -> None:
    assert finds(query, document)


def test_synonyms_do_not_match_other_departments() -> None:
    assert not finds("市场监管局", "秦皇岛市公安局")
    assert not finds("工信局", "姚安县工业信息化商务科技局")  # not a listed synonym


def test_result_category_inside_a_longer_result() -> None:
    assert finds("责令改正", "发现问题已责令改正")
    assert finds("后续处理", "发现问题待后续处理")
    # 未发现问题 is a different category from 发现问题已责令改正.
    assert not finds("未发现问题", "发现问题已责令改正")


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("姚安縣鑫達", NAME),
        ("二手車交易", NAME),
        ("責令改正", "发现问题已责令改正"),
        ("市場監督管理局", "秦皇岛市市场监督管理局"),
        ("檢驗檢測機構", "检验检测机构检查"),
    ],
)
def test_traditional_query_finds_simplified_document(query: str, document: str) -> None:
    assert finds(query, document)


def test_traditional_document_is_found_by_simplified_query() -> None:
    assert finds("鑫达二手车", "姚安縣鑫達二手車交易有限公司")


@pytest.mark.parametrize(
    ("query", "found"),
    [("ABC科技", True), ("abc", True), ("ＡＢＣ", True), ("ab", False), ("abcd", False)],
)
def test_latin_words_match_whole(query: str, found: bool) -> None:
    assert finds(query, "ABC科技（秦皇岛）有限公司") is found


def test_digits_and_latin_next_to_han() -> None:
    document = "强制性产品认证（3C认证）监督检查"
    assert query_tokens("3C认证") == ["3c", "认证"]
    assert finds("3C认证", document)
    assert finds("3c", document)
    assert not finds("5C认证", document)


def test_punctuation_omitted_in_query_still_finds() -> None:
    assert finds("双随机一公开", "“双随机、一公开”抽查")
    assert finds("鑫达秦皇岛", "鑫达（秦皇岛）商贸有限公司")
    assert finds("鑫达（秦皇岛）", "鑫达(秦皇岛)商贸有限公司")


def test_single_han_character_query() -> None:
    # Documented: one character finds only documents where it stands alone as a word.
    assert query_tokens("鑫") == ["鑫"]
    assert finds("对", "市场监管局对该公司开展检查")
    assert not finds("司", NAME)


def test_lone_han_character_beside_other_tokens_is_dropped() -> None:
    assert query_tokens("姚安 鑫") == ["姚安"]
    assert query_tokens("abc 科") == ["abc"]


def test_lone_han_character_touching_latin_is_kept_with_it() -> None:
    # 优e购: alone, 优 and 购 were dropped and e found every name with an E in it.
    assert query_tokens("优e购") == ["e", "优e", "e购"]
    assert query_tokens("优ｅ购") == ["e", "优e", "e购"]
    assert query_tokens("abc科") == ["abc", "abc科"]
    # A longer Han run is found by its bigrams: ABC科技 still finds ABC 科技.
    assert query_tokens("abc科技") == ["abc", "科技"]
    assert finds("abc科技", "ABC 科技有限公司")
    assert finds("优e购", "秦皇岛优E购电子商务有限公司")
    assert finds("优ｅ购", "秦皇岛优e购电子商务有限公司")
    assert not finds("优e购", "秦皇岛优品e家电子商务有限公司")
    assert not finds("优e购", "优 e 购物中心")


def test_query_of_lone_characters_is_read_as_one_run() -> None:
    assert query_tokens("市、县") == ["市县"]
    assert finds("局，对", "秦皇岛市市场监督管理局，对该公司开展检查")


@pytest.mark.parametrize("query", ["", "   ", "，。！？（）【】", "___", "“”"])
def test_query_without_words_has_no_tokens(query: str) -> None:
    assert query_tokens(query) == []


def test_tokens_are_deduplicated_in_order() -> None:
    assert query_tokens("姚安姚安") == ["姚安", "安姚"]
    assert query_tokens("鑫达 ABC 鑫达 abc") == ["鑫达", "abc"]
    tokens = index_tokens("鑫达商行 鑫达商行")
    assert len(tokens) == len(set(tokens))
    assert {"鑫达", "商行", "行鑫"} <= set(tokens)


def test_index_tokens_keep_one_character_words_only() -> None:
    # A query never asks for a longer word (it is looked up by bigrams), so none is stored.
    tokens = index_tokens("秦皇岛市市场监督管理局，对该公司")
    assert {"秦皇", "皇岛", "管理", "理局", "对"} <= set(tokens)
    assert not {"秦皇岛", "市场监督管理局", "管理局"} & set(tokens)
    assert all(finds(q, "秦皇岛市市场监督管理局") for q in ("秦皇岛", "市场监督管理局", "管理局"))


# Simplified characters that normalize() leaves alone: a name is stored in this form. The 16
# GB2312 characters OpenCC rewrites (乾, 於, 後 ...) can break the guarantee at a phrase edge.
LEVEL1 = bytes(b for row in range(0xB0, 0xD8) for col in range(0xA1, 0xFF) for b in (row, col))
POOL = [c for c in LEVEL1.decode("gb2312", "ignore") if normalize(c) == c]
REGIONS = ["姚安县", "秦皇岛市", "平顶山市", "新平县", "阳城县", "北戴河新区", ""]
TRADES = ["二手车交易", "商贸", "科技", "建筑工程", "餐饮管理", "检验检测", ""]
FORMS = [
    "有限公司",
    "有限责任公司",
    "股份有限公司",
    "经营部",
    "商行",
    "农民专业合作社",
    "个体工商户",
]


@st.composite
def company_names(draw: st.DrawFn) -> str:
    """A company name: region, 2-4 random characters, trade, form, maybe a branch in brackets."""
    name = draw(st.sampled_from(REGIONS)) + draw(st.text(st.sampled_from(POOL), min_size=2, max_size=4))
    name += draw(st.sampled_from(TRADES)) + draw(st.sampled_from(FORMS))
    if draw(st.booleans()):
        left, right = draw(st.sampled_from([("（", "）"), ("(", ")"), ("【", "】")]))
        name += left + draw(st.text(st.sampled_from(POOL), min_size=1, max_size=3)) + "分公司" + right
    return name


# No deadline: a first example that loads the segmenter's dictionary on a busy machine took
# 285 ms once (the property does not depend on time).
@settings(deadline=None)
@given(company_names())
def test_every_2_to_4_character_substring_finds_the_name(name: str) -> None:
    document = set(index_tokens(name))
    han = "".join(c for c in name if c not in "（）()【】")
    for size in (2, 3, 4):
        for start in range(len(han) - size + 1):
            query = query_tokens(han[start : start + size])
            assert query, han[start : start + size]
            assert set(query) <= document, han[start : start + size]


@given(st.text(max_size=60))
def test_tokens_are_letters_and_digits_only(text: str) -> None:
    # What makes them pass unicode61, PostgreSQL's parser and a whitespace analyzer unchanged.
    for token in index_tokens(text) + query_tokens(text):
        assert token.isalnum(), repr(token)
        assert token == normalize(token), repr(token)
