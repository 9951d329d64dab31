"""统一社会信用代码 (GB 32100-2015): normalization, validation, suggestions, construction.

The entity directory is keyed by this code (DOMAIN.md "Entities"; seed 001 art.2).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema import credit_code as cc
from schema.credit_code import (
    ALPHABET,
    InvalidCreditCode,
    check_character,
    is_valid,
    make_code,
    normalize,
    org_code_check,
    suggest,
    validate,
)

# Codes built by hand from real-shaped parts (authority 9 = 市场监管, real division codes of the
# seed documents, "MA…" bodies as issued since 2015 or older all-digit 组织机构代码 bodies).
#
# 1) 92532325MA6K3P1W93 — 个体工商户 (category 2) in 姚安县 532325, body MA6K3P1W.
#    GB 11714 check of the body, weights 3 7 9 10 5 8 4 2, letters A=10 … Z=35 (I and O count
#    there, so M=22 K=20 P=25 W=32):
#      22*3 + 10*7 + 6*9 + 20*10 + 3*5 + 25*8 + 1*4 + 32*2
#      = 66 + 70 + 54 + 200 + 15 + 200 + 4 + 64 = 673; 673 mod 11 = 2; 11 - 2 = 9.
#    The 17 characters 9 2 5 3 2 3 2 5 M A 6 K 3 P 1 W 9 take their index in ALPHABET
#    (M=21 A=10 K=19 P=23 W=28) times the weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
#      9*1 + 2*3 + 5*9 + 3*27 + 2*19 + 3*26 + 2*16 + 5*17 + 21*20 + 10*29 + 6*25 + 19*13
#      + 3*8 + 23*24 + 1*10 + 28*30 + 9*28
#      = 9 + 6 + 45 + 81 + 38 + 78 + 32 + 85 + 420 + 290 + 150 + 247 + 24 + 552 + 10 + 840 + 252
#      = 3159; 3159 mod 31 = 28 (31*101 = 3131); 31 - 28 = 3 -> ALPHABET[3] = "3".
# 2) 91130302MA07RX4B60 — enterprise in 秦皇岛市海港区 130302, body MA07RX4B, org check 6;
#    weighted sum 2449 = 31*79, so 31 - 0 = 31 -> 0: the check character is "0".
# 3) 9114052211360285XT — enterprise in 阳城县 140522, all-digit body 11360285:
#    org check 1*3+1*7+3*9+6*10+0*5+2*8+8*4+5*2 = 155, 155 mod 11 = 1, 11 - 1 = 10 -> "X";
#    weighted sum 1617, 1617 mod 31 = 5, 31 - 5 = 26 -> ALPHABET[26] = "T".
# 4) 93410481597012839L — 农民专业合作社 (category 3) in 舞钢市 410481, body 59701283,
#    org check 9, weighted sum 1344, 1344 mod 31 = 11, 31 - 11 = 20 -> ALPHABET[20] = "L".
HAND_CHECKED = (
    "92532325MA6K3P1W93",
    "91130302MA07RX4B60",
    "9114052211360285XT",
    "93410481597012839L",
)

# Codes as published for well-known companies (recalled; both checks pass, which a wrong
# recollection would do only by a 1-in-341 chance): 华为技术有限公司, 阿里巴巴（中国）有限公司,
# 深圳市腾讯计算机系统有限公司.
PUBLISHED = ("914403001922038216", "91330100716105852F", "91440300708461136T")

REGIONS: tuple[str, ...] = ("532325", "130302", "130303", "130304", "130306", "130321", "130322", "130324")
REGIONS += ("410481", "530427", "140522")


@pytest.mark.parametrize("code", HAND_CHECKED + PUBLISHED)
def test_known_valid_codes_validate(code: str) -> None:
    assert validate(code) == code
    assert is_valid(code)
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", HAND_CHECKED)
def test_hand_checked_codes_come_out_of_make_code(code: str) -> None:
    assert make_code(code[0], code[1], code[2:8], code[8:16]) == code
    assert org_code_check(code[8:16]) == code[16]


def test_weights_are_powers_of_three_mod_31() -> None:
    """GB 32100-2015 §5 weights."""
    expected = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert tuple(pow(3, i, 31) for i in range(17)) == expected
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


def test_org_code_check_maps_10_to_x_and_11_to_0() -> None:
    assert org_code_check("11360285") == "X"  # 155 mod 11 = 1, 11 - 1 = 10 -> X
    # "00000000": sum 0, 11 - 0 = 11 -> "0"; "00000111": 8 + 4 + 2 = 14, 14 mod 11 = 3 -> 8.
    assert org_code_check("00000000") == "0"
    assert org_code_check("00000111") == "8"
    with pytest.raises(ValueError):
        org_code_check("1234567")


# --- normalization --------------------------------------------------------------------------


def test_normalize_full_width_spaces_hyphens_and_case() -> None:
    assert normalize("  ９１１３０３０２ｍａ０７ｒｘ４ｂ６０ ") == "91130302MA07RX4B60"
    assert normalize("9113-0302\u3000MA07 RX4B-60") == "91130302MA07RX4B60"
    assert normalize("9113\u20140302\u2013ma07rx4b60\t") == "91130302MA07RX4B60"


def test_validate_returns_the_normalized_code_of_full_width_input() -> None:
    assert validate("９２５３２３２５ＭＡ６Ｋ３Ｐ１Ｗ９３") == "92532325MA6K3P1W93"
    assert validate(" 92532325-ma6k3p1w93 ") == "92532325MA6K3P1W93"
    assert is_valid("９２５３２３２５ｍａ６ｋ３ｐ１ｗ９３")


# --- errors ---------------------------------------------------------------------------------


def _error(raw: str) -> InvalidCreditCode:
    with pytest.raises(InvalidCreditCode) as info:
        validate(raw)
    assert not is_valid(raw)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == info.value.message
    return info.value


def test_length_error() -> None:
    error = _error("92532325MA6K3P1W9")
    assert error.code == cc.CREDIT_CODE_LENGTH == "CREDIT_CODE_LENGTH"
    assert error.message == "统一社会信用代码应为18位，收到17位"
    assert _error("").message == "统一社会信用代码应为18位，收到0位"
    assert _error("92532325MA6K3P1W933").message == "统一社会信用代码应为18位，收到19位"


def test_charset_error_names_position_and_excluded_letters() -> None:
    error = _error("9253O325MA6K3P1W93")
    assert error.code == cc.CREDIT_CODE_CHARSET == "CREDIT_CODE_CHARSET"
    assert error.message == "第5位“O”不是有效字符（不使用I、O、Z、S、V）"
    assert error.position == 5


def test_charset_error_for_other_characters() -> None:
    error = _error("92532325MA6K3P1W9*")
    assert error.code == "CREDIT_CODE_CHARSET"
    assert error.position == 18
    assert error.message.startswith("第18位“*”不是有效字符")
    assert _error("92532325MA6K3P1W9号").message.startswith("第18位“号”不是有效字符")


def test_region_error() -> None:
    # Valid alphabet, letters in positions 3-8.
    code = "9253A325MA6K3P1W9"
    error = _error(code + check_character(code))
    assert error.code == cc.CREDIT_CODE_REGION == "CREDIT_CODE_REGION"
    assert error.message == "第3至8位行政区划代码应为6位数字，收到“53A325”"


def test_check_error_says_expected_and_received() -> None:
    error = _error("9114052211360285X3")
    assert error.code == cc.CREDIT_CODE_CHECK == "CREDIT_CODE_CHECK"
    assert error.message == "校验位应为“T”，收到“3”"
    assert error.position == 18


def test_embedded_org_code_check_is_not_enforced() -> None:
    """Real 个体工商户 codes do not always satisfy GB 11714; only the 18th char counts."""
    first17 = "92532325MA6K3P1W" + "0"  # 9 would be the GB 11714 check
    assert org_code_check("MA6K3P1W") != "0"
    assert is_valid(first17 + check_character(first17))


def test_check_character_rejects_malformed_input() -> None:
    with pytest.raises(InvalidCreditCode) as info:
        check_character("9253232")
    assert info.value.code == "CREDIT_CODE_LENGTH"
    with pytest.raises(InvalidCreditCode) as info:
        check_character("92532325MA6K3P1WO")
    assert info.value.code == "CREDIT_CODE_CHARSET"


@pytest.mark.parametrize(
    ("parts", "what"),
    [
        (("", "1", "130302", "MA07RX4B"), "authority"),
        (("9", "I", "130302", "MA07RX4B"), "category"),
        (("9", "1", "13030", "MA07RX4B"), "region"),
        (("9", "1", "13O302", "MA07RX4B"), "region"),
        (("9", "1", "130302", "MA07RX4"), "org_body"),
        (("9", "1", "130302", "MA07RX4O"), "org_body"),
    ],
)
def test_make_code_rejects_malformed_parts(parts: tuple[str, str, str, str], what: str) -> None:
    with pytest.raises(ValueError, match=what):
        make_code(*parts)


# --- properties -----------------------------------------------------------------------------

alphabet_char = st.sampled_from(ALPHABET)
org_bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)
codes = st.builds(
    make_code,
    st.sampled_from("159NY"),
    st.sampled_from("123"),
    st.sampled_from(REGIONS),
    org_bodies,
)


@given(code=codes)
def test_make_code_always_validates(code: str) -> None:
    assert validate(code) == code
    assert org_code_check(code[8:16]) == code[16]


@given(code=codes)
def test_any_single_substitution_is_detected(code: str) -> None:
    for i, original in enumerate(code):
        for replacement in ALPHABET:
            if replacement != original:
                assert not is_valid(code[:i] + replacement + code[i + 1 :]), (i, replacement)


@given(code=codes)
def test_any_adjacent_transposition_is_detected(code: str) -> None:
    for i in range(17):
        if code[i] != code[i + 1]:
            assert not is_valid(code[:i] + code[i + 1] + code[i] + code[i + 2 :])


# --- suggestions ----------------------------------------------------------------------------


def test_suggest_on_a_valid_code_is_the_code() -> None:
    assert suggest(" 9114-0522-1136-0285-xt ") == ["9114052211360285XT"]


@given(code=codes.filter(lambda c: "0" in c), data=st.data())
def test_suggest_recovers_o_for_0(code: str, data: st.DataObject) -> None:
    zeros = [i for i, ch in enumerate(code) if ch == "0"]
    i = data.draw(st.sampled_from(zeros))
    typo = code[:i] + "O" + code[i + 1 :]
    assert suggest(typo) == [code]


@given(code=codes, data=st.data())
def test_suggest_recovers_i_for_1(code: str, data: st.DataObject) -> None:
    ones = [i for i, ch in enumerate(code) if ch == "1"]
    if not ones:
        code = make_code(code[0], "1", code[2:8], code[8:16])
        ones = [1]
    i = data.draw(st.sampled_from(ones))
    typo = (code[:i] + "i" + code[i + 1 :]).lower()  # lower-case input too
    assert suggest(typo) == [code]


@given(code=codes, wrong=alphabet_char)
def test_suggest_fixes_a_wrong_check_character_first(code: str, wrong: str) -> None:
    typo = code[:17] + wrong
    result = suggest(typo)
    assert result[0] == code
    assert 1 <= len(result) <= 3
    assert all(is_valid(candidate) for candidate in result)


def test_suggest_reads_several_look_alikes_at_once() -> None:
    # I for 1 in the body, Z for 2 in the category, l and o for 1 and 0 in the region.
    assert suggest("92532325MA6K3PIW93") == ["92532325MA6K3P1W93"]
    assert suggest("9Z532325MA6K3P1W93") == ["92532325MA6K3P1W93"]
    assert suggest("91l3o3o2MAo7RX4B6o") == ["91130302MA07RX4B60"]


def test_suggest_offers_a_look_alike_among_valid_characters() -> None:
    # B typed as 8 in the body: the check no longer matches; the check fix comes first, the
    # look-alike substitution that restores the real code is offered after it.
    typo = "91130302MA07RX48" + "60"
    result = suggest(typo)
    assert result[0] == typo[:17] + check_character(typo[:17])
    assert "91130302MA07RX4B60" in result


def test_suggest_offers_an_adjacent_swap() -> None:
    typo = "9114052211360258XT"  # ...85XT typed as ...58XT
    assert "9114052211360285XT" in suggest(typo)


@pytest.mark.parametrize(
    "raw",
    ["", "9114052211360285X", "9114052211360285XTT", "鑫达商贸有限公司", "91140522113602*5XT"],
)
def test_suggest_nothing_plausible(raw: str) -> None:
    assert suggest(raw) == []


@given(raw=st.text(alphabet=ALPHABET + "IOZSV*-", max_size=20))
def test_suggestions_are_valid_distinct_and_few(raw: str) -> None:
    result = suggest(raw)
    assert len(result) <= 3
    assert len(set(result)) == len(result)
    assert all(is_valid(candidate) for candidate in result)


# Codes whose authority and category go together: suggest_edits offers only such codes.
plausible_codes = codes.filter(lambda c: c[1] in cc.AUTHORITY_CODES.get(c[0], ("", ""))[1])


@given(code=plausible_codes, data=st.data())
def test_suggest_edits_restores_a_missing_character(code: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, 17))
    result = cc.suggest_edits(code[:i] + code[i + 1 :])
    assert code in result
    assert len(set(result)) == len(result)
    assert all(is_valid(candidate) and len(candidate) == 18 for candidate in result)


@given(code=plausible_codes, data=st.data())
def test_suggest_edits_drops_an_extra_character(code: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, 18))
    extra = data.draw(alphabet_char)
    result = cc.suggest_edits(code[:i] + extra + code[i:])
    assert code in result
    # Removing one of 19 characters: at most 19 codes, in practice one or two validate.
    assert all(is_valid(candidate) for candidate in result)


def test_suggest_edits_counts() -> None:
    # The code of 秦皇岛万兴网络科技有限公司 in the demo, its 6th character left out: 14 codes validate,
    # only one of which is registered (the search looks them up in the directory).
    assert len(cc.suggest_edits("9113004131065998F")) == 14
    # A 7 typed after the fifth character: two removals validate, the code meant among them.
    assert cc.suggest_edits("91130 7304 1310 6599 8f") == ["11307304131065998F", "91130304131065998F"]


@pytest.mark.parametrize(
    "raw", ["", "9114052211360285XT", "91140522113602", "9114052211360285XTTT", "鑫达商贸有限公司"]
)
def test_suggest_edits_only_for_one_character_off(raw: str) -> None:
    assert cc.suggest_edits(raw) == []
