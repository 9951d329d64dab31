"""What a citizen typed, checked and turned into tokens; a 统一社会信用代码 is recognised first."""

from __future__ import annotations

from dataclasses import dataclass

from schema import credit_code
from search.error_codes import SearchErrorCode as Code
from search.errors import SearchInputError
from search.text import get_segmenter, normalize, query_tokens
from search.text.tokens import match_tokens

# Longer than any registered name (企业名称 rarely pass 50 characters) with room for a filter word;
# a longer query is a pasted paragraph, and its ~100 ANDed bigrams would find nothing anyway.
MAX_QUERY_CHARS = 100


@dataclass(frozen=True)
class ParsedQuery:
    """A checked query: normalised text, its tokens and what it says about credit codes."""

    text: str
    tokens: tuple[str, ...]
    # The normalised text without spaces, compared with search_documents.name_key.
    name_key: str
    # The query is exactly a valid 统一社会信用代码.
    credit_code: str | None = None
    # The query is almost one: the valid codes it probably meant (not yet checked to exist).
    code_candidates: tuple[str, ...] = ()
    # A looser reading for when ``tokens`` find nothing: the bigrams inside each word only.
    relaxed_tokens: tuple[str, ...] = ()
    # The tokens looked up in the index: a character-disjoint cover of ``tokens``.
    match: tuple[str, ...] = ()


def relaxed_tokens(text: str, strict: tuple[str, ...]) -> tuple[str, ...]:
    """Tokens of each segmenter word on its own, without the bigrams that bridge two words.

    惠农苗木合作社 strictly needs 木合, which 惠农苗木种植农民专业合作社 lacks; word by word
    (惠农 苗木 合作社) it is found. Used only when the strict query finds nothing.
    """
    words = [w for w in get_segmenter().cut(text) if len(w) > 1]
    tokens = tuple(dict.fromkeys(t for w in words for t in query_tokens(w)))
    return tokens if tokens and set(tokens) < set(strict) else ()


def name_key(text: str) -> str:
    """The form an entity name is compared in for an exact match (normalised, no spaces)."""
    return normalize(text).replace(" ", "")


def _code_like(raw: str) -> str | None:
    code = credit_code.normalize(raw)
    return code if len(code) == credit_code.CODE_LENGTH and code.isascii() and code.isalnum() else None


def parse_query(raw: str) -> ParsedQuery:
    """Check a query and tokenise it, or raise SearchInputError with a stable code."""
    # Refuse a huge input before normalising it: normalisation costs time per character.
    if len(raw) > 4 * MAX_QUERY_CHARS:
        raise _too_long()
    text = normalize(raw)
    if not text:
        raise SearchInputError("请输入要搜索的内容", code=Code.SEARCH_QUERY_EMPTY, field="query")
    if len(text) > MAX_QUERY_CHARS:
        raise _too_long()
    tokens = tuple(query_tokens(text))
    key = text.replace(" ", "")
    code = _code_like(raw)
    if code is not None:
        if credit_code.is_valid(code):
            return ParsedQuery(text, tokens, key, credit_code=code)
        candidates = tuple(credit_code.suggest(code))
        if candidates:
            return ParsedQuery(text, tokens, key, code_candidates=candidates)
    if not tokens:
        raise SearchInputError(
            "搜索内容中没有可检索的文字，请输入名称、事项或结果类型等文字",
            code=Code.SEARCH_QUERY_UNSEARCHABLE,
            field="query",
        )
    return ParsedQuery(
        text, tokens, key, relaxed_tokens=relaxed_tokens(text, tokens), match=tuple(match_tokens(text))
    )


def _too_long() -> SearchInputError:
    return SearchInputError(
        f"搜索内容不能超过{MAX_QUERY_CHARS}个字", code=Code.SEARCH_QUERY_TOO_LONG, field="query"
    )
