"""The public ``search`` query: free text and filters over published results (issue 4)."""

from __future__ import annotations

import dataclasses

import strawberry
from strawberry import relay

from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Info
from api.graphql.core.errors import BadRequest
from api.graphql.core.ids import checked_year, optional_local_id, region_prefix
from api.graphql.core.pagination import decode_cursor, encode_cursor, page_size
from api.graphql.loaders import load_all
from api.graphql.nodes import EntityNode, EntityType, InspectionResultNode
from api.graphql.prefetch import load_page, parts_shown, selected_paths
from api.graphql.search.types import HighlightMemo, SearchEdge, SearchFacets, SearchResults, highlights_of
from search.backends.base import PageRequest, SearchFilters
from search.errors import SearchInputError
from search.query import parse_query
from search.ranking import SortKey, page_after, sort_key
from search.service import run_search


def _cursor_key(after: str | None) -> SortKey | None:
    if not after:
        return None
    exact, score, day, result_id = decode_cursor(after, 4)
    if not (
        isinstance(exact, int)
        and isinstance(score, int | float)
        and isinstance(day, int)
        and isinstance(result_id, int)
    ):
        raise BadRequest("分页游标无效", code=Code.CURSOR_INVALID, field="after")
    return (exact, float(score), day, result_id)


async def _filters(
    info: Info,
    *,
    department_id: relay.GlobalID | None,
    region_code: str | None,
    year: int | None,
    category_code: str | None,
    task_id: relay.GlobalID | None,
    entity_type: EntityType | None,
) -> SearchFilters:
    if (
        category_code is not None
        and await info.context.loaders.categories_by_code.load(category_code) is None
    ):
        raise BadRequest(
            f"未知的检查结果类型“{category_code}”", code=Code.CATEGORY_UNKNOWN, field="categoryCode"
        )
    return SearchFilters(
        department_id=optional_local_id(department_id, "Department", "departmentId"),
        region_prefix=region_prefix(region_code),
        year=checked_year(year),
        category_code=category_code,
        task_id=optional_local_id(task_id, "Task", "taskId"),
        entity_type=entity_type.value if entity_type is not None else None,
    )


@strawberry.type
class SearchQuery:
    """The search field of the public Query."""

    @strawberry.field(
        description="全文搜索已公示的检查结果：名称（可只输部分）、统一社会信用代码、部门、事项、结果类型等；"
        "排序为名称完全一致者优先，其次相关度，再按公示日期从新到旧"
    )
    async def search(
        self,
        info: Info,
        query: str,
        first: int | None = None,
        after: str | None = None,
        department_id: relay.GlobalID | None = None,
        region_code: str | None = None,
        year: int | None = None,
        category_code: str | None = None,
        task_id: relay.GlobalID | None = None,
        entity_type: EntityType | None = None,
    ) -> SearchResults:
        try:
            parsed = parse_query(query)
        except SearchInputError as exc:
            raise BadRequest(exc.message, code=exc.code, field=exc.field) from exc
        size = page_size(first)
        key = _cursor_key(after)
        filters = await _filters(
            info,
            department_id=department_id,
            region_code=region_code,
            year=year,
            category_code=category_code,
            task_id=task_id,
            entity_type=entity_type,
        )
        # What the query selects below search (each of its field nodes, fragments flattened).
        paths = selected_paths(sel for field in info.selected_fields for sel in field.selections)
        count = "totalCount" in paths or "totalCountExact" in paths
        facets = "facets" in paths
        outcome = await run_search(
            info.context.session, parsed, filters, count=count, facets=facets, page=PageRequest(key, size)
        )
        rows, has_next = page_after(outcome.ranked, key, size)
        # Highlight what actually matched (the word-by-word reading when the strict one found nothing).
        shown = dataclasses.replace(parsed, tokens=outcome.tokens) if outcome.tokens else parsed
        page = await load_page(
            info.context.session, info.context.loaders, [hit.result_id for hit in rows], parts_shown(paths)
        )
        highlights = "edges.highlights" in paths
        seen: HighlightMemo = {}
        edges = [
            SearchEdge(
                cursor=encode_cursor(list(sort_key(hit))),
                node=InspectionResultNode.from_row(row.result),
                highlights=highlights_of(row, shown, seen) if highlights else [],
            )
            for hit in rows
            if (row := page.get(hit.result_id)) is not None
            # The index holds published results only; the check keeps that true if it ever lags.
            and InspectionResultNode.is_public(row.result)
        ]
        entity_ids = [i for i in [outcome.entity_id, *outcome.suggested_entity_ids] if i is not None]
        entities = (
            {row.id: row for row in await load_all(info.context.loaders.entity, entity_ids) if row}
            if entity_ids
            else {}
        )
        return SearchResults(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=has_next,
                has_previous_page=key is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=outcome.total,
            total_count_exact=outcome.total_exact,
            facets=SearchFacets(
                category_counts=outcome.facets.categories,
                department_counts=outcome.facets.departments,
                year_counts=outcome.facets.years,
                region_counts=outcome.facets.regions,
            ),
            entity=EntityNode.from_row(entities[outcome.entity_id]) if outcome.entity_id else None,
            did_you_mean=[
                EntityNode.from_row(entities[i]) for i in outcome.suggested_entity_ids if i in entities
            ],
            matched_terms=list(outcome.matched_terms),
            all_terms_matched=set(outcome.matched_terms) == set(parsed.terms),
        )
