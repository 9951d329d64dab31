"""Public types of the search query; nodes are the read API's own (api/graphql/nodes/)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.loaders import load_all
from api.graphql.nodes import DepartmentNode, EntityNode, InspectionResultNode, ResultCategoryType
from api.graphql.prefetch import PageRow
from search.highlight import snippet
from search.query import ParsedQuery
from search.regions import region_name


@strawberry.type(description="命中片段")
class SearchHighlight:
    """The part of one field a query matched."""

    field: str = strawberry.field(
        description="字段：entityName、formerName、itemName、departmentName、taskName、category、description"
    )
    text: str = strawberry.field(description="字段文字（长文只取命中附近）")
    marked: str = strawberry.field(description="HTML转义后的文字，命中部分以<em>标出")


@strawberry.type(description="一条搜索结果")
class SearchEdge:
    """A result found by a search, with its cursor and highlighted snippets."""

    cursor: str
    node: InspectionResultNode
    # Made with the page when the query asks for them (a plain field: no resolver per edge).
    highlights: list[SearchHighlight] = strawberry.field(description="命中片段，按字段顺序")


HighlightMemo = dict[tuple[str, str, bool], "SearchHighlight | None"]


def highlights_of(
    row: PageRow, query: ParsedQuery, seen: HighlightMemo | None = None
) -> list[SearchHighlight]:
    """The highlights of one result of a page, in field order.

    ``seen``: the page's highlights so far, by field and text. Results of a page share their
    department, task, item and categories, so most of their fields were highlighted already.
    """
    seen = {} if seen is None else seen
    found = []
    for name, text, window in row.texts():
        key = (name, text, window)
        if key in seen:
            highlight = seen[key]
        else:
            part = snippet(text, query, window=window)
            highlight = seen[key] = (
                None if part is None else SearchHighlight(field=name, text=part.text, marked=part.marked())
            )
        if highlight is not None:
            found.append(highlight)
    return found


@strawberry.type(description="按结果类型计数")
class CategoryFacet:
    """Matches carrying one result category."""

    category: ResultCategoryType
    count: int


@strawberry.type(description="按部门计数")
class DepartmentFacet:
    """Matches published by one department."""

    department: DepartmentNode
    count: int


@strawberry.type(description="按年度计数")
class YearFacet:
    """Matches of one year."""

    year: int
    count: int


@strawberry.type(description="按行政区划计数")
class RegionFacet:
    """Matches of entities in one region, one level below the region filter (or provinces)."""

    code: str = strawberry.field(
        description="行政区划代码前缀：省2位、地级4位、县级6位（GB/T 2260），可作 regionCode 筛选"
    )
    name: str = strawberry.field(description="行政区划名称")
    count: int


@strawberry.type(description="当前搜索的分面计数")
class SearchFacets:
    """Counts of the current query's matches by category, department, year and region."""

    category_counts: strawberry.Private[dict[str, int]]
    department_counts: strawberry.Private[dict[int, int]]
    year_counts: strawberry.Private[dict[int, int]]
    region_counts: strawberry.Private[dict[str, int]]

    @strawberry.field(description="按结果类型，按字典顺序")
    async def categories(self, info: Info) -> list[CategoryFacet]:
        rows = await load_all(info.context.loaders.categories_by_code, list(self.category_counts))
        known = sorted((row for row in rows if row is not None), key=lambda row: row.sort_order)
        return [
            CategoryFacet(category=ResultCategoryType.from_row(row), count=self.category_counts[row.code])
            for row in known
        ]

    @strawberry.field(description="按部门，数量从多到少")
    async def departments(self, info: Info) -> list[DepartmentFacet]:
        ordered = sorted(self.department_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        rows = await load_all(info.context.loaders.department, [key for key, _ in ordered])
        return [
            DepartmentFacet(department=DepartmentNode.from_row(row), count=count)
            for row, (_, count) in zip(rows, ordered, strict=True)
            if row is not None
        ]

    @strawberry.field(description="按年度，从新到旧")
    def years(self) -> list[YearFacet]:
        return [
            YearFacet(year=year, count=self.year_counts[year])
            for year in sorted(self.year_counts, reverse=True)
        ]

    @strawberry.field(
        description="按行政区划，数量从多到少：未按地区筛选时按省，选了省按地级市（直辖市按区县），"
        "选了地级市按区县"
    )
    def regions(self) -> list[RegionFacet]:
        ordered = sorted(self.region_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [RegionFacet(code=code, name=region_name(code), count=count) for code, count in ordered]


@strawberry.type(description="搜索结果")
class SearchResults:
    """One page of a search, with counts, facets and what the query said about credit codes."""

    edges: list[SearchEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description="命中总数（超过上限时为上限，见 totalCountExact）")
    total_count_exact: bool = strawberry.field(description="totalCount 是否精确；命中过多时只计到上限")
    facets: SearchFacets
    entity: EntityNode | None = strawberry.field(
        description="搜索内容恰为某市场主体的统一社会信用代码时，该市场主体"
    )
    did_you_mean: list[EntityNode] = strawberry.field(
        description="搜索内容像一个输错的统一社会信用代码时，可能要找的市场主体"
    )
    matched_terms: list[str] = strawberry.field(
        description="命中的搜索词：每个词都命中时为全部；没有结果同时包含全部词时，只列出找到结果的词（较少见的在前）"
    )
    all_terms_matched: bool = strawberry.field(
        description=(
            "搜索的每个词是否都有结果命中：true 时所列结果都匹配全部搜索词，matchedTerms 即全部词"
            "（按统一社会信用代码搜索时没有搜索词，也为 true）；false 时没有结果同时包含全部词，"
            "所列结果只匹配 matchedTerms 中的词，matchedTerms 为空则没有任何结果"
        )
    )
