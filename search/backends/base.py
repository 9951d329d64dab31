"""The interface every backend answers: a request in, a bounded ranked list and counts out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from search import regions

# Ranking looks at the newest RANK_LIMIT matches only (plus exact name matches), so a very common
# term (有限公司 matches most of a million results) costs the same as a rare one; counts and facets
# stop at COUNT_LIMIT and say so (totalCountExact: false). Paging stops at RANK_LIMIT: a person
# narrows a query long before that, and search engines cap their result windows the same way.
RANK_LIMIT = 1000
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class SearchFilters:
    """The filters of a search (department, region prefix, year, category, task, entity type)."""

    department_id: int | None = None
    region_prefix: str | None = None
    year: int | None = None
    category_code: str | None = None
    task_id: int | None = None
    entity_type: str | None = None
    # Set by a 统一社会信用代码 query: that entity's results only.
    entity_id: int | None = None


@dataclass(frozen=True)
class PageRequest:
    """The page a search is for: after which sort key (ranking.sort_key), how many hits."""

    after: tuple[int, float, int, int] | None
    size: int


@dataclass(frozen=True)
class SearchRequest:
    """What a backend is asked: ANDed tokens (none: filters only), the exact-name key, filters."""

    tokens: tuple[str, ...]
    name_key: str
    filters: SearchFilters = SearchFilters()
    count: bool = False
    # Facets too (implies counting).
    facets: bool = False
    rank_limit: int = RANK_LIMIT
    count_limit: int = COUNT_LIMIT
    # The tokens looked up in the index (a thinner cover of ``tokens``, see match_tokens).
    match: tuple[str, ...] = ()
    # Set: a backend that can rank may return just this page (SearchHits.paged).
    page: PageRequest | None = None

    @property
    def lookup(self) -> tuple[str, ...]:
        """What the index is asked for."""
        return self.match or self.tokens


class Hit(NamedTuple):
    """One matching result with its ranking signals (a tuple: a thousand are made per search)."""

    result_id: int
    exact: bool
    score: float
    published_on: date


@dataclass
class Facets:
    """Counts of matches by category code, department id, year and region.

    ``regions``: by the region one level below the filter's (search/regions.py: provinces,
    a province's prefectures, a prefecture's counties), keyed by that region's code prefix.
    """

    categories: dict[str, int] = field(default_factory=dict)
    departments: dict[int, int] = field(default_factory=dict)
    years: dict[int, int] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)


@dataclass
class SearchHits:
    """A backend's answer: hits in no particular order (ranking sorts them), counts if asked.

    ``paged``: the backend ranked the matches itself and ``hits`` is the requested page in
    order (one hit more than the page when more follow), with the count always set.
    """

    hits: list[Hit]
    total: int = 0
    total_exact: bool = True
    facets: Facets = field(default_factory=Facets)
    backend: str = ""
    paged: bool = False


class SearchBackend(Protocol):
    """A place that can answer a search."""

    name: str

    async def search(self, session: AsyncSession, request: SearchRequest) -> SearchHits:
        """Matches of ``request``: at most ``rank_limit`` newest, plus every exact-name match."""
        ...


# Names made only of characters outside this class are scored by the ranking statements (SQLite's
# and PostgreSQL's); any other name goes to Python (ranking.in_name strips punctuation by its own rules).
PLAIN_NAME = "[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]"


def ranking_values(
    request: SearchRequest, params: dict[str, Any], plain: str
) -> tuple[dict[str, Any], list[str]]:
    """The values both databases' ranking statements are bound to (``params``: the filters'), and
    the query's characters, last words first, that they test names for (``:c0``, ``:c1``...)."""
    page = request.page
    assert page is not None
    chars = list(dict.fromkeys(char for token in reversed(request.tokens) for char in token))
    values: dict[str, Any] = {
        **params,
        "limit": request.rank_limit + 1,  # one row more than counted: whether the count is exact
        "count_limit": request.count_limit,
        "rank_limit": request.rank_limit,
        "key": request.name_key,
        "plain": plain,
        "query_length": len(request.name_key),
        "page": page.size + 1,
        **{f"t{i}": token for i, token in enumerate(request.tokens)},
        # The last words first: a query typed as name, trade, outcome ends with what names lack.
        **{f"c{i}": char for i, char in enumerate(chars)},
    }
    if request.facets:
        values["region_length"] = regions.facet_length(request.filters.region_prefix)
    if page.after is not None:
        values.update(zip(("after_exact", "after_score", "after_day", "after_id"), page.after, strict=True))
    return values, chars
