"""The last reading of a query that found nothing: results matching some of its words.

Why: 姚安 鑫达 with no 姚安 company called 鑫达 used to fall back to 姚安 alone (the segmenter cut
鑫达 into 鑫 达 and the one-character pieces were dropped): ten 姚安 companies and no 鑫达. The
distinctive word is the rarer one, so each word is searched on its own and results are ordered
by how many words they match, then by the rarest word they match, then as usual (ranking.py).
The caller is told which words matched (SearchOutcome.matched_terms), so the site can say
"只匹配了…" rather than pretend every word was found.

The order is carried in the hits' scores, so ranking.sort_key, page_after and the cursor work
unchanged: ``score = base + TERM_WEIGHT * (words matched) + RARITY_WEIGHT * (words rarer than
none matched)``, with the base score (at most 2, ranking.relevance) below RARITY_WEIGHT.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from search.backends.base import Facets, Hit, SearchHits, SearchRequest
from search.ranking import rank
from search.text import query_tokens

RARITY_WEIGHT = 3.0

Search = Callable[[SearchRequest], Awaitable[SearchHits]]


@dataclasses.dataclass
class AnyTermHits:
    """The merged answer: hits in ranking order, counts, and the words that matched, rarest first."""

    ranked: list[Hit]
    total: int
    total_exact: bool
    facets: Facets
    matched_terms: tuple[str, ...]
    tokens: tuple[str, ...]
    backend: str


async def any_term_search(search: Search, terms: tuple[str, ...], request: SearchRequest) -> AnyTermHits:
    """Search each of ``terms`` apart (``request``'s filters and limits) and merge the results.

    Facets, when asked for, are those of the rarest word that matched: the words' facets cannot
    be added (a result matching two words would count twice), and its results come first.
    """
    answers: list[tuple[str, SearchHits]] = []
    for term in terms:
        tokens = tuple(query_tokens(term))
        own = dataclasses.replace(request, tokens=tokens, match=(), name_key=term.replace(" ", ""), page=None)
        # Counted whatever the caller asked: the counts decide which word is the rarer.
        answers.append((term, await search(dataclasses.replace(own, count=True))))
    found = [(term, hits) for term, hits in answers if hits.hits]
    # Rarest first: fewest matches, then the word typed first.
    found.sort(key=lambda pair: pair[1].total)  # stable: equal counts keep the typed order
    term_weight = RARITY_WEIGHT * (len(found) + 1)
    matched: dict[int, list[int]] = {}
    best: dict[int, Hit] = {}
    for rarity, (_, hits) in enumerate(found):
        for hit in hits.hits:
            matched.setdefault(hit.result_id, []).append(rarity)
            if hit.result_id not in best or hit.score > best[hit.result_id].score:
                best[hit.result_id] = hit
    ranked = rank(
        [
            hit._replace(
                score=hit.score
                + term_weight * len(matched[hit.result_id])
                + RARITY_WEIGHT * (len(found) - min(matched[hit.result_id]))
            )
            for hit in best.values()
        ]
    )
    return AnyTermHits(
        # As many as one search ranks and counts (base.RANK_LIMIT, COUNT_LIMIT): the union of
        # several words' matches can be larger.
        ranked=ranked[: request.rank_limit],
        total=min(len(ranked), request.count_limit),
        total_exact=len(ranked) <= request.count_limit and all(hits.total_exact for _, hits in found),
        facets=found[0][1].facets if found and request.facets else Facets(),
        matched_terms=tuple(term for term, _ in found),
        tokens=tuple(dict.fromkeys(t for term, _ in found for t in query_tokens(term))),
        backend=found[0][1].backend if found else "",
    )
