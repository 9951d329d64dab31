"""One search: credit-code shortcut, the chosen backend with its fallback, and the ranking."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from schema.models import Entity
from search.backends import elastic
from search.backends.base import Facets, Hit, PageRequest, SearchFilters, SearchHits, SearchRequest
from search.backends.database import DatabaseBackend
from search.query import ParsedQuery
from search.ranking import rank
from search.relaxed import any_term_search

log = logging.getLogger(__name__)
DATABASE = DatabaseBackend()


@dataclass
class SearchOutcome:
    """Ranked hits, counts and facets, and what the query said about credit codes."""

    ranked: list[Hit]
    total: int = 0
    total_exact: bool = True
    facets: Facets = field(default_factory=Facets)
    # A query that is exactly a 统一社会信用代码 of the directory: that entity.
    entity_id: int | None = None
    # A query that is almost one: entities whose valid code it probably meant, best first.
    suggested_entity_ids: list[int] = field(default_factory=list)
    backend: str = DATABASE.name
    # The tokens that found the hits (the relaxed ones when the strict ones found nothing).
    tokens: tuple[str, ...] = ()
    # The query's words that the hits match, for "只匹配了…": every word (ParsedQuery.terms) when
    # the hits match them all; only some, rarest first, when no result matched every word and
    # the results of some are shown instead (search/relaxed.py). Empty for a credit-code query.
    matched_terms: tuple[str, ...] = ()


async def _entities_by_code(session: AsyncSession, codes: tuple[str, ...]) -> list[int]:
    if not codes:
        return []
    rows = await session.execute(
        sa.select(Entity.credit_code, Entity.id).where(Entity.credit_code.in_(codes))
    )
    found = dict(rows.all())
    return [found[code] for code in codes if code in found]


def _ranked(found: SearchHits) -> list[Hit]:
    return found.hits if found.paged else rank(found.hits)


async def run_search(
    session: AsyncSession,
    query: ParsedQuery,
    filters: SearchFilters,
    *,
    count: bool,
    facets: bool = False,
    page: PageRequest | None = None,
) -> SearchOutcome:
    """Search published results for ``query`` under ``filters``.

    With ``page``, ``ranked`` may hold only that page (what follows the cursor, one hit more than
    the page when more follow) rather than every ranked match: ranking.page_after reads both alike.
    """
    if query.credit_code is not None:
        ids = await _entities_by_code(session, (query.credit_code,))
        if not ids:
            return SearchOutcome(ranked=[])
        # Straight to the entity: its results, newest first (the database has them by entity).
        request = SearchRequest(
            (), query.name_key, dataclasses.replace(filters, entity_id=ids[0]), count=count, page=page
        )
        own = await DATABASE.search(session, request)
        return SearchOutcome(_ranked(own), own.total, own.total_exact, own.facets, entity_id=ids[0])
    suggested = await _entities_by_code(session, query.code_candidates)
    if not query.tokens:
        return SearchOutcome(ranked=[], suggested_entity_ids=suggested)
    request = SearchRequest(
        query.tokens, query.name_key, filters, count=count, facets=facets, match=query.match, page=page
    )

    async def search(request: SearchRequest) -> SearchHits:
        backend = elastic.active_backend()
        if backend is not None:
            try:
                return await backend.search(session, request)
            except elastic.unavailable() as exc:
                # The database index is written in the data's own transaction, so it answers the
                # same query with current data while the cluster is away.
                backend.mark_down(exc)
                log.warning("Elasticsearch unavailable, searching the database: %s", exc)
        return await DATABASE.search(session, request)

    hits = await search(request)
    if not hits.hits and not hits.total:
        if query.relaxed_tokens:
            # Nothing for the strict reading: every word, but each on its own (same backend choice).
            relaxed = dataclasses.replace(
                query, tokens=query.relaxed_tokens, relaxed_tokens=(), match=(), terms=()
            )
            outcome = await run_search(session, relaxed, filters, count=count, facets=facets, page=page)
            if outcome.ranked:
                return dataclasses.replace(outcome, suggested_entity_ids=suggested, matched_terms=query.terms)
        if len(query.terms) > 1:
            # No result has every word: those with some of them, the rarer words' first.
            some = await any_term_search(search, query.terms, request)
            return SearchOutcome(
                some.ranked,
                some.total,
                some.total_exact,
                some.facets,
                suggested_entity_ids=suggested,
                backend=some.backend or hits.backend,
                tokens=some.tokens,
                matched_terms=some.matched_terms,
            )
    return SearchOutcome(
        _ranked(hits),
        hits.total,
        hits.total_exact,
        hits.facets,
        suggested_entity_ids=suggested,
        backend=hits.backend,
        tokens=query.tokens,
        matched_terms=query.terms if hits.hits or hits.total else (),
    )
