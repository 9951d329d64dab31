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
    # The query's words (query_terms): what the relaxed readings search by, and what
    # SearchOutcome.matched_terms reports.
    terms: tuple[str, ...] = ()


# The relaxed reading that accepts any word searches each word apart: at most this many.
MAX_TERMS = 6


def query_terms(text: str) -> tuple[str, ...]:
    """The words of a normalised query: each space-separated part cut by the segmenter, with
    touching one-character pieces kept together (鑫达 cut as 鑫 达, 优e购 as 优 e 购 are one word).

    Only words with tokens count (a lone character beside others has none), at most MAX_TERMS.
    """
    terms: list[str] = []
    for part in text.split():
        pending = ""  # one-character pieces so far, which touch each other
        for word in get_segmenter().cut(part):
            if len(word) == 1:
                pending += word
                continue
            if pending:
                terms.append(pending)
                pending = ""
            terms.append(word)
        if pending:
            terms.append(pending)
    kept = [term for term in dict.fromkeys(terms) if query_tokens(term)]
    return tuple(kept[:MAX_TERMS])


def relaxed_tokens(terms: tuple[str, ...], strict: tuple[str, ...]) -> tuple[str, ...]:
    """Tokens of each word on its own, without the bigrams that bridge two words.

    惠农苗木合作社 strictly needs 木合, which 惠农苗木种植农民专业合作社 lacks; word by word
    (惠农 苗木 合作社) it is found. Used only when the strict query finds nothing.
    """
    tokens = tuple(dict.fromkeys(t for w in terms for t in query_tokens(w)))
    return tokens if tokens and set(tokens) < set(strict) else ()


def name_key(text: str) -> str:
    """The form an entity name is compared in for an exact match (normalised, no spaces)."""
    return normalize(text).replace(" ", "")


def _code_like(raw: str) -> str | None:
    """The normalised query if it looks like a 统一社会信用代码 typed with at most one character
    too few or too many (17-19 letters and digits), else None."""
    code = credit_code.normalize(raw)
    near = abs(len(code) - credit_code.CODE_LENGTH) <= 1
    return code if near and code.isascii() and code.isalnum() else None


def _candidates(code: str) -> tuple[str, ...]:
    """The valid codes an almost-valid one probably meant (to be looked up in the directory)."""
    if len(code) == credit_code.CODE_LENGTH:
        return tuple(credit_code.suggest(code))
    return tuple(credit_code.suggest_edits(code))


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
        candidates = _candidates(code)
        if candidates:
            return ParsedQuery(text, tokens, key, code_candidates=candidates)
    if not tokens:
        raise SearchInputError(
            "搜索内容中没有可检索的文字，请输入名称、事项或结果类型等文字",
            code=Code.SEARCH_QUERY_UNSEARCHABLE,
            field="query",
        )
    terms = query_terms(text)
    return ParsedQuery(
        text,
        tokens,
        key,
        relaxed_tokens=relaxed_tokens(terms, tokens),
        match=tuple(match_tokens(text)),
        terms=terms,
    )


def _too_long() -> SearchInputError:
    return SearchInputError(
        f"搜索内容不能超过{MAX_QUERY_CHARS}个字", code=Code.SEARCH_QUERY_TOO_LONG, field="query"
    )
