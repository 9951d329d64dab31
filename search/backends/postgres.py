"""PostgreSQL's newest matches: a GIN match read window by window of version ids, newest first.

Why: one ``WHERE search_vector @@ q ORDER BY version_id DESC LIMIT n`` over a million documents
makes PostgreSQL fetch every matching row from the heap and sort them when the planner expects
many matches (a phrase of common bigrams, 族自治县, matches 180,000 documents: 330-390 ms). A
search needs only the newest ``n`` (ranking looks at those, and counts past them are estimates,
search/backends/base.py). So the match is asked for the newest window of version ids first, and
for a window eight times wider only while fewer than ``n`` were found: the heap is read for the
rows of the windows searched, which for a common query is the first window alone.

The matches are the same as the single statement's: the windows tile the version ids from the
newest down, and each is read newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# The first window: ~1/30 of a million documents, which holds a thousand matches of any query
# matching more than ~3% of them. Each further window is WIDEN times the last, so a rare query
# reaches the oldest document in four statements at a million.
FIRST_WINDOW = 32_768
WIDEN = 8


def tsquery_text(tokens: Sequence[str]) -> str:
    """The tsquery that ANDs ``tokens`` as they are (quoted lexemes: no parser, no stemming).

    Tokens hold only letters and digits (search/text/tokens.py), so the quotes cannot break.
    """
    return " & ".join(f"'{token}'" for token in tokens)


async def newest_matches(
    connection: AsyncConnection,
    tokens: Sequence[str],
    columns: str,
    where: str,
    params: dict[str, Any],
    limit: int,
) -> list[Sequence[Any]]:
    """The newest ``limit`` documents ``d`` holding every token and meeting ``where``, newest first."""
    top = (await connection.execute(sa.text("SELECT max(version_id) FROM search_documents"))).scalar()
    if top is None:
        return []
    statement = sa.text(
        f"SELECT {columns} FROM search_documents d WHERE d.search_vector @@ CAST(:match AS tsquery) "
        f"AND d.version_id > :low AND d.version_id <= :high{where} ORDER BY d.version_id DESC LIMIT :need"
    )
    rows: list[Sequence[Any]] = []
    high, span = int(top), FIRST_WINDOW
    while len(rows) < limit and high > 0:
        low = max(high - span, 0)
        values = {
            **params,
            "match": tsquery_text(tokens),
            "low": low,
            "high": high,
            "need": limit - len(rows),
        }
        rows += list(await connection.execute(statement, values))
        high, span = low, span * WIDEN
    return rows
