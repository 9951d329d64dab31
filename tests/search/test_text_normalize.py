"""normalize(): width, brackets, traditional script, case and spaces."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.text import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ科技１２３", "abc科技123"),  # full-width Latin and digits
        ("鑫达（秦皇岛）有限公司", "鑫达(秦皇岛)有限公司"),  # full-width brackets
        ("鑫达(秦皇岛)有限公司", "鑫达(秦皇岛)有限公司"),  # already canonical
        ("鑫达【秦皇岛】〔分公司〕[x]［y］", "鑫达(秦皇岛)(分公司)(x)(y)"),  # other bracket kinds
        ("姚安縣鑫達二手車交易有限公司", "姚安县鑫达二手车交易有限公司"),  # traditional
        ("Hello  World", "hello world"),  # case, repeated spaces
        ("  姚安县\u3000 鑫达\t\n", "姚安县 鑫达"),  # ideographic space, tabs, strip
        ("鑫\u200b达", "鑫达"),  # zero-width space from a web page
        ("检查结果：未发现问题！", "检查结果:未发现问题!"),  # full-width punctuation
        ("①㈱", "1(株)"),  # rarer compatibility forms go through NFKC
        ("﹝分公司﹞", "(分公司)"),  # NFKC makes 〔〕 of these; they are folded after it
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_simplified_text_is_unchanged() -> None:
    text = "秦皇岛市市场监督管理局对姚安县鑫达二手车交易有限公司开展检验检测机构检查"
    assert normalize(text) == text


def test_phrase_conversion_uses_context() -> None:
    # OpenCC t2s converts by phrase: 乾 is 干 in 乾淨 but stays in 乾隆.
    assert normalize("乾淨 乾隆") == "干净 乾隆"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
def test_normalize_is_idempotent(text: str) -> None:
    # Stored normalised text may be normalised again as a query.
    once = normalize(text)
    assert normalize(once) == once
