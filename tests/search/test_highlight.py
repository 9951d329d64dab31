"""Highlight ranges: every character some token matched, in maximal runs (no database)."""

from __future__ import annotations

from search.highlight import snippet
from search.query import ParsedQuery


def _ranges(text: str, *tokens: str) -> tuple[tuple[int, int], ...] | None:
    part = snippet(text, ParsedQuery(text="", tokens=tokens, name_key=""))
    return None if part is None else part.ranges


def test_overlapping_and_adjacent_matches_make_one_range() -> None:
    # The bigrams of a query overlap each other; touching matches join too.
    assert _ranges("姚安县有限公司", "有限", "限公", "公司") == ((3, 7),)
    assert _ranges("甲乙丙丁", "甲乙", "丙丁") == ((0, 4),)
    assert _ranges("甲乙丙丁", "甲", "丁") == ((0, 1), (3, 4))


def test_every_occurrence_counts_and_a_token_does_not_overlap_itself() -> None:
    assert _ranges("公司的公司", "公司") == ((0, 2), (3, 5))
    # Like re.finditer: "aa" in "aaa" matches once, at the start.
    assert _ranges("aaa", "aa") == ((0, 2),)
    assert _ranges("aaaa", "aa") == ((0, 4),)


def test_matching_is_on_the_normalised_text() -> None:
    # Traditional and full-width forms are folded before matching; ranges index the original.
    assert _ranges("鑫達（交易）", "鑫达", "(交易)") == ((0, 6),)
    assert _ranges("ＡＢＣ公司", "abc") == ((0, 3),)


def test_nothing_to_mark() -> None:
    assert _ranges("无关文字", "责令") is None
    assert _ranges("", "责令") is None
    assert _ranges("责令改正") is None
    assert _ranges("责令改正", "") is None
