"""The region facet (issue 15): counts by province, prefecture and county, recounted from raw rows."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import ResultStatus
from schema.models import Entity, InspectionResult
from search.backends.base import PageRequest, SearchFilters
from search.query import parse_query
from search.service import run_search
from tests import factories
from tests.api.conftest import graphql

# Entities per region: 姚安县 and 楚雄市 (楚雄州, 云南), 五华区 (昆明, 云南), 历下区 (济南, 山东),
# 朝阳区 (北京, a municipality: no prefecture level). Every entity has two results (two items).
ENTITIES = {"532325": 3, "532301": 2, "530102": 1, "370102": 2, "110105": 1}
WORD = "翡翠湾"

# The level below each filter, written out by hand from GB/T 2260 rather than computed by the
# code under test: provinces; a province's prefectures; a prefecture's counties; a
# municipality's districts; a county itself.
LEVELS = [(None, 2), ("53", 4), ("5323", 6), ("37", 4), ("11", 6), ("532325", 6)]


async def _publish(session: AsyncSession) -> None:
    for region, count in ENTITIES.items():
        names = [f"{WORD}{region}测{n}号商行" for n in range(count)]
        await factories.joint_task(session, region=region, names=names)


async def _recount(session: AsyncSession, prefix: str | None, length: int) -> dict[str, int]:
    """The published results of entities named with WORD, by region prefix, straight from the rows."""
    codes = await session.scalars(
        sa.select(Entity.region_code)
        .join(InspectionResult, InspectionResult.entity_id == Entity.id)
        .where(InspectionResult.status == ResultStatus.PUBLISHED, Entity.name.contains(WORD))
    )
    return dict(Counter(code[:length] for code in codes if code.startswith(prefix or "")))


@pytest.mark.parametrize(("prefix", "length"), LEVELS)
async def test_region_counts_match_a_recount_from_the_rows(
    session: AsyncSession, prefix: str | None, length: int
) -> None:
    await _publish(session)
    expected = await _recount(session, prefix, length)
    assert sum(expected.values()) == 2 * sum(n for r, n in ENTITIES.items() if r.startswith(prefix or ""))
    query = parse_query(WORD)
    filters = SearchFilters(region_prefix=prefix)
    # A page (SQLite ranks in one statement) and no page (the reference path; PostgreSQL's only).
    for page in (PageRequest(None, 20), None):
        outcome = await run_search(session, query, filters, count=True, facets=True, page=page)
        assert outcome.facets.regions == expected, (prefix, page)
        assert outcome.total == sum(expected.values())


async def test_region_counts_stop_where_the_other_facets_stop(session: AsyncSession) -> None:
    """Counts come from the same newest matches as the others: they add up to totalCount."""
    await _publish(session)
    outcome = await run_search(
        session, parse_query(WORD), SearchFilters(), count=True, facets=True, page=PageRequest(None, 5)
    )
    assert sum(outcome.facets.regions.values()) == outcome.total == sum(outcome.facets.years.values())


REGIONS = """
query ($q: String!, $regionCode: String) {
  search(query: $q, first: 5, regionCode: $regionCode) {
    totalCount facets { regions { code name count } }
  }
}
"""


async def test_the_graphql_region_facet_names_each_region_in_chinese(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await _publish(session)
    expected_names = {
        "53": "云南省",
        "37": "山东省",
        "11": "北京市",
        "5323": "楚雄彝族自治州",
        "5301": "昆明市",
        "532325": "姚安县",
        "532301": "楚雄市",
        "110105": "朝阳区",
    }
    for region, length in ((None, 2), ("53", 4), ("5323", 6), ("11", 6)):
        body = await graphql(client, REGIONS, q=WORD, regionCode=region)
        assert "errors" not in body, body
        found = body["data"]["search"]
        counts = await _recount(session, region, length)
        # Most matches first, then by code.
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        assert found["facets"]["regions"] == [
            {"code": code, "name": expected_names[code], "count": n} for code, n in ordered
        ]
        assert found["totalCount"] == sum(counts.values())
