"""The order of search results: exact name first, then relevance, then the newest publication.

Relevance is the share of the entity's name that the query covers, for a query found in the
name; 0 for one found elsewhere (department, item, category, description). So 鑫达 ranks 鑫达商行
before 姚安县鑫达二手车交易有限公司, and both before a result that mentions 鑫达 only in its text.
Every backend computes it the same way, so their orders agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the backends import this module; a hit is only named here
    from search.backends.base import Hit


SortKey = tuple[int, float, int, int]


# Punctuation and spaces of a name, which documents' bigrams bridge (鑫达（秦皇岛） has 达秦).
_GAPS = re.compile(r"[\W_]+")


def in_name(tokens: tuple[str, ...], name_key: str) -> bool:
    """Whether every query token is in the entity's (current) name.

    A substring test per token rather than the name's token set: no per-name object to build or
    cache (a cache of a million names' token sets made each full garbage collection take 160 ms).
    """
    # Most names have no punctuation: isalnum() is ~10x cheaper than the substitution.
    compact = name_key if name_key.isalnum() else _GAPS.sub("", name_key)
    return bool(tokens) and all(token in compact for token in tokens)


def score(tokens: tuple[str, ...], query_key: str, name_key: str) -> float:
    """A hit's score: relevance() for a match in the name, 0 for a match elsewhere."""
    return relevance(query_key, name_key) if in_name(tokens, name_key) else 0.0


class Scorer:
    """score() for one query over many hits, once per distinct name (an entity's results share it)."""

    def __init__(self, tokens: tuple[str, ...], query_key: str) -> None:
        self.tokens = tokens
        self.query_key = query_key
        self._seen: dict[str, float] = {}

    def __call__(self, name_key: str) -> float:
        value = self._seen.get(name_key)
        if value is None:
            value = self._seen[name_key] = score(self.tokens, self.query_key, name_key)
        return value


def relevance(query_key: str, name_key: str) -> float:
    """The score of a match in the entity's name: 1 plus the share of the name the query covers."""
    return relevance_of_lengths(len(query_key), len(name_key))


def relevance_of_lengths(query_length: int, name_length: int) -> float:
    """relevance() from the two lengths (the SQLite ranking statement hands back lengths)."""
    return 1.0 + min(query_length, name_length) / max(name_length, 1)


def sort_key(hit: Hit) -> SortKey:
    """Ascending key: exact names, higher score, later publication, higher id first.

    The score is compared unrounded: relevance() of equal lengths is the same double wherever it
    is computed (IEEE division is correctly rounded), including in the SQLite ranking statement.
    """
    return (0 if hit.exact else 1, -hit.score, -hit.published_on.toordinal(), -hit.result_id)


def rank(hits: Sequence[Hit]) -> list[Hit]:
    """Hits in ranking order."""
    return sorted(hits, key=sort_key)


def page_after(ranked: Sequence[Hit], after: SortKey | None, size: int) -> tuple[list[Hit], bool]:
    """The ``size`` hits after the cursor key (from the start without one) and whether more follow."""
    start = 0
    if after is not None:
        start = next((i for i, hit in enumerate(ranked) if sort_key(hit) > after), len(ranked))
    rows = list(ranked[start : start + size + 1])
    return rows[:size], len(rows) > size
