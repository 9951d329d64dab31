"""The public search query through HTTP: same-transaction indexing, filters, paging, facets, errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.relay import to_base64

from inspections import results
from schema.enums import ResultStatus
from schema.models import InspectionResult, SearchDocument
from search.backends.base import SearchFilters
from search.query import parse_query
from search.service import run_search
from tests import factories
from tests.api.conftest import error_codes, graphql

SEARCH = """
query ($q: String!, $first: Int, $after: String, $year: Int, $categoryCode: String,
       $departmentId: ID, $regionCode: String, $taskId: ID, $entityType: EntityType) {
  search(query: $q, first: $first, after: $after, year: $year, categoryCode: $categoryCode,
         departmentId: $departmentId, regionCode: $regionCode, taskId: $taskId, entityType: $entityType) {
    totalCount totalCountExact
    entity { name } didYouMean { creditCode }
    pageInfo { hasNextPage endCursor }
    facets { categories { category { code } count } departments { department { name } count }
    years { year count } }
    edges { cursor node { id entity { name } categories { code } } highlights { field text marked } }
  }
}
"""


async def search(client: httpx.AsyncClient, q: str, **variables: Any) -> dict[str, Any]:
    body = await graphql(client, SEARCH, q=q, **variables)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["search"]
    return found


def names(found: dict[str, Any]) -> list[str]:
    return [edge["node"]["entity"]["name"] for edge in found["edges"]]


async def test_publication_is_searchable_in_the_same_transaction(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=2)
    found = await search(client, "鑫达1号")
    assert set(names(found)) == {"姚安县鑫达1号二手车交易有限公司"}
    assert found["totalCount"] == 2  # one result per item
    assert found["totalCountExact"] is True
    # One document per published result, written with it.
    indexed = await session.scalar(sa.select(sa.func.count()).select_from(SearchDocument))
    assert indexed == len(joint.results)


async def test_unpublished_results_are_never_found(session: AsyncSession, client: httpx.AsyncClient) -> None:
    joint = await factories.joint_task(session, entities=1, publish=False)
    await results.submit_result(session, by=factories.TEST, result_id=joint.results[0].id)
    found = await search(client, "鑫达0号")
    assert found["edges"] == [] and found["totalCount"] == 0
    count = await session.scalar(sa.select(sa.func.count()).select_from(SearchDocument))
    assert count == 0


async def test_a_correction_reindexes_the_result(session: AsyncSession, client: httpx.AsyncClient) -> None:
    joint = await factories.joint_task(session, entities=1, categories=("NO_PROBLEM",))
    target = joint.results[0]
    # No result has both words yet: only the name's are shown, as matching the name alone.
    before = await run_search(session, parse_query("鑫达0号 责令改正"), SearchFilters(), count=True)
    assert before.matched_terms == ("鑫达0号",)
    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=target.id,
        category_codes=["ORDERED_TO_CORRECT"],
        description="复查发现经营场所公示信息不全，已责令改正",
        reason="经复查，原结果有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    found = await search(client, "鑫达0号 责令改正")
    assert [edge["node"]["id"] for edge in found["edges"]] == [to_base64("InspectionResult", target.id)]
    after = await run_search(session, parse_query("鑫达0号 责令改正"), SearchFilters(), count=True)
    assert after.matched_terms == ("鑫达0号", "责令改正")
    # The superseded version's text no longer finds the result.
    old = await search(client, "鑫达0号 现场检查情况")
    assert to_base64("InspectionResult", target.id) not in [e["node"]["id"] for e in old["edges"]]


async def test_exact_name_first_then_name_matches_then_the_rest(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await factories.joint_task(session, entities=3)
    exact = "姚安县鑫达2号二手车交易有限公司"
    short = await factories.entity(session, "鑫达2号二手车交易有限公司")
    assert short.id
    found = await search(client, exact)
    assert names(found)[:2] == [exact, exact]
    # A name match ranks before a result that has the words only in its department or item.
    found = await search(client, "二手车")
    assert all("二手车" in name for name in names(found))


async def test_filters_narrow_and_facets_count_the_current_query(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=4, region="130302")
    everything = await search(client, "鑫达", regionCode="1303")
    assert everything["totalCount"] == 8
    categories = {f["category"]["code"]: f["count"] for f in everything["facets"]["categories"]}
    assert categories == {"NO_PROBLEM": 4, "ORDERED_TO_CORRECT": 4}
    assert everything["facets"]["years"] == [{"year": 2021, "count": 8}]
    assert {f["count"] for f in everything["facets"]["departments"]} == {4}
    narrowed = await search(client, "鑫达", categoryCode="ORDERED_TO_CORRECT", regionCode="130302")
    assert narrowed["totalCount"] == 4
    assert all(e["node"]["categories"] == [{"code": "ORDERED_TO_CORRECT"}] for e in narrowed["edges"])
    department = to_base64("Department", joint.initiating.id)
    assert (await search(client, "鑫达", departmentId=department))["totalCount"] == 4
    assert (await search(client, "鑫达", taskId=to_base64("Task", joint.task.id)))["totalCount"] == 8
    assert (await search(client, "鑫达", year=2020))["totalCount"] == 0
    assert (await search(client, "鑫达", regionCode="53"))["totalCount"] == 0
    assert (await search(client, "鑫达", entityType="INDIVIDUAL_BUSINESS"))["totalCount"] == 0


async def test_cursor_pagination_walks_every_result_once(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await factories.joint_task(session, entities=5)
    seen: list[str] = []
    after = None
    for _ in range(10):
        page = await search(client, "鑫达", first=3, after=after)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 10


async def test_highlights_mark_what_matched(session: AsyncSession, client: httpx.AsyncClient) -> None:
    await factories.joint_task(session, entities=1)
    # Traditional 達. No result holds "script": the 鑫达 results are shown (any-word reading),
    # with only 鑫达 marked and nothing of the query's markup echoed.
    found = await search(client, "鑫達 <script>")
    marked = [h["marked"] for edge in found["edges"] for h in edge["highlights"]]
    assert len(found["edges"]) == 2 and marked
    assert all("<em>鑫达</em>" in m and "script" not in m for m in marked if m.startswith("姚安县"))
    found = await search(client, "鑫達")
    highlight = found["edges"][0]["highlights"][0]
    assert highlight == {
        "field": "entityName",
        "text": "姚安县鑫达0号二手车交易有限公司",
        "marked": "姚安县<em>鑫达</em>0号二手车交易有限公司",
    }


async def test_a_credit_code_goes_straight_to_the_entity(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=2)
    target = joint.entities[1]
    found = await search(client, target.credit_code.lower())
    assert found["entity"] == {"name": target.name}
    assert set(names(found)) == {target.name} and found["totalCount"] == 2
    # A wrong check character: the valid code it probably meant, if it is in the directory.
    typo = target.credit_code[:17] + ("0" if target.credit_code[17] != "0" else "1")
    found = await search(client, typo)
    assert found["entity"] is None
    assert found["didYouMean"] == [{"creditCode": target.credit_code}]


async def test_bad_queries_get_clear_errors(session: AsyncSession, client: httpx.AsyncClient) -> None:
    cases = {
        "": "SEARCH_QUERY_EMPTY",
        "   ": "SEARCH_QUERY_EMPTY",
        "鑫" * 101: "SEARCH_QUERY_TOO_LONG",
        "x" * 100_000: "SEARCH_QUERY_TOO_LONG",
        "！？。、": "SEARCH_QUERY_UNSEARCHABLE",
    }
    for query, code in cases.items():
        body = await graphql(client, SEARCH, q=query)
        assert error_codes(body) == [code], (query, body)
        assert body["errors"][0]["message"]  # a Chinese sentence, not a stack trace
    bad: list[tuple[dict[str, Any], str]] = [
        ({"after": "not-a-cursor"}, "CURSOR_INVALID"),
        ({"after": to_base64("x", "y")}, "CURSOR_INVALID"),
        ({"first": 1000}, "FIRST_OUT_OF_RANGE"),
        ({"regionCode": "53232"}, "REGION_CODE_INVALID"),
        ({"categoryCode": "NOPE"}, "CATEGORY_UNKNOWN"),
        ({"departmentId": to_base64("Task", 1)}, "ID_INVALID"),
        ({"year": 1900}, "YEAR_INVALID"),
    ]
    for variables, code in bad:
        body = await graphql(client, SEARCH, q="鑫达", **variables)
        assert error_codes(body) == [code], (variables, body)


RESULT_FIELDS = """
fragment Shown on InspectionResult {
  id year publishedOn publicationDue version description underObjection
  entity { id name creditCode formerNames } department { id name } item { id name legalBasis }
  task { id name } categories { code label }
  history { version description publishedOn changeReason categories { code } }
}"""


async def test_search_nodes_are_the_read_apis_nodes(session: AsyncSession, client: httpx.AsyncClient) -> None:
    joint = await factories.joint_task(session, entities=3)
    target = joint.results[0]
    # A second version with two categories: every version in history, both categories, and the
    # current description in both the node and its highlight.
    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=target.id,
        category_codes=["ORDERED_TO_CORRECT", "UNDISCLOSED_INFO"],
        description="复查发现经营场所公示信息不全，已责令改正",
        reason="经复查，原结果有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    query = (
        "query ($q: String!) { search(query: $q) { edges { node { ...Shown } "
        "highlights { field text } } } }" + RESULT_FIELDS
    )
    body = await graphql(client, query, q="鑫达")
    assert "errors" not in body, body
    edges = body["data"]["search"]["edges"]
    assert len(edges) == len(joint.results)
    for edge in edges:
        # The same node read alone (its own loaders, nothing primed) says exactly the same.
        alone = await graphql(
            client, "query ($id: ID!) { node(id: $id) { ...Shown } }" + RESULT_FIELDS, id=edge["node"]["id"]
        )
        assert alone["data"]["node"] == edge["node"]
    corrected = next(e for e in edges if e["node"]["id"] == to_base64("InspectionResult", target.id))
    node = corrected["node"]
    assert [v["version"] for v in node["history"]] == [1, 2]
    assert [c["code"] for c in node["categories"]] == ["UNDISCLOSED_INFO", "ORDERED_TO_CORRECT"]
    assert node["description"] == "复查发现经营场所公示信息不全，已责令改正"
    found = await search(client, "鑫达 经营场所公示")
    assert [e["node"]["id"] for e in found["edges"]] == [node["id"]]
    # In field order; of the two categories only the one whose label matched.
    assert found["edges"][0]["highlights"] == [
        {
            "field": "entityName",
            "text": node["entity"]["name"],
            "marked": _marked(node["entity"]["name"], "鑫达"),
        },
        {"field": "itemName", "text": "二手车经营备案检查", "marked": "二手车<em>经营</em>备案检查"},
        {
            "field": "category",
            "text": "未按规定公示应当公示的信息",
            "marked": "未按规定<em>公示</em>应当<em>公示</em>的信息",
        },
        {
            "field": "description",
            "text": node["description"],
            "marked": "复查发现<em>经营场所公示</em>信息不全，已责令改正",
        },
    ]


def _marked(text: str, part: str) -> str:
    return text.replace(part, f"<em>{part}</em>")


async def test_fragments_ask_for_what_fields_ask_for(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await factories.joint_task(session, entities=2)
    plain = await graphql(
        client,
        """{ search(query: "鑫达") { totalCount totalCountExact facets { years { year count } }
             edges { node { id entity { name } categories { code } } highlights { field marked } } } }""",
    )
    spread = await graphql(
        client,
        """{ search(query: "鑫达") { ...Counts edges { ...Edge } } }
        fragment Counts on SearchResults { totalCount totalCountExact facets { years { year count } } }
        fragment Edge on SearchEdge { node { ... on InspectionResult { id entity { name } } ...Codes }
                                      ... on SearchEdge { highlights { field marked } } }
        fragment Codes on InspectionResult { categories { code } }""",
    )
    assert "errors" not in spread, spread
    assert spread == plain
    assert plain["data"]["search"]["totalCount"] == 4
    assert all(edge["highlights"] for edge in plain["data"]["search"]["edges"])


async def test_a_result_no_longer_public_is_left_out_even_if_the_index_lags(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    joint = await factories.joint_task(session, entities=2)
    hidden = joint.results[0]
    # Behind the index's back (the index would have dropped it): the page must not show it.
    await session.execute(
        sa.update(InspectionResult)
        .where(InspectionResult.id == hidden.id)
        .values(status=ResultStatus.RETURNED)
    )
    found = await search(client, "鑫达")
    shown = [edge["node"]["id"] for edge in found["edges"]]
    assert to_base64("InspectionResult", hidden.id) not in shown
    assert len(shown) == len(joint.results) - 1
