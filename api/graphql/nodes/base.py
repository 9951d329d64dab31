"""What the public read nodes share: enums, labels, the loader shortcuts and the connection builder."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
import strawberry
from strawberry import relay

from api.graphql.context import Info
from api.graphql.core.pagination import Page, SortKey, paginate
from api.graphql.loaders import ABSENT, Loader, load_all
from inspections.publication_deadlines import DeadlineSource
from schema import enums

# Registered on the domain's own classes, so annotations stay plain Python enums.
strawberry.enum(enums.DepartmentLevel, description="部门层级：省/市/县")
strawberry.enum(enums.EntityType, description="市场主体类型")
strawberry.enum(enums.EntityStatus, description="登记状态")
strawberry.enum(enums.InspectionMethod, description="检查方式")
strawberry.enum(enums.TaskStatus, description="抽查任务状态")
strawberry.enum(
    enums.EntityKind,
    description="任务范围可排除的主体类别：企业集团、外国企业常驻代表机构（seed 003 三(一)）",
)
strawberry.enum(DeadlineSource, name="PublicationDeadlineSource", description="公示期限来源：任务/部门/系统")
DepartmentLevel = enums.DepartmentLevel
PublicationDeadlineSource = DeadlineSource
EntityType = enums.EntityType
EntityStatus = enums.EntityStatus
InspectionMethod = enums.InspectionMethod
TaskStatus = enums.TaskStatus
EntityKind = enums.EntityKind

LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级"}
ENTITY_TYPE_LABELS = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "farmer_cooperative": "农民专业合作社",
    "other": "其他",
}
METHOD_LABELS = {
    "on_site": "现场检查",
    "written": "书面检查",
    "online_monitoring": "网络监测",
    "third_party": "委托第三方",
}


def cached(loader: Loader[Any, Any], key: Any, make: Any) -> Any:
    # A primed value (read without a future, see Loader), or an already loaded key: the value
    # now, no coroutine (graphql-core schedules a task for every awaitable field); otherwise an
    # awaitable graphql-core awaits.
    value = loader.primed_value(key)
    if value is not ABSENT:
        return make(value)
    future: Any = loader.load(key)
    if future.done():
        return make(future.result())

    async def later() -> Any:
        return make(await future)

    return later()


def cached_many(loader: Loader[Any, Any], keys: Sequence[Any], make: Any) -> Any:
    # As cached, for several keys of one loader (a version's category codes).
    values = [loader.primed_value(key) for key in keys]
    if all(value is not ABSENT for value in values):
        return make(values)
    futures: list[Any] = [loader.load(key) for key in keys]
    if all(future.done() for future in futures):
        return make([future.result() for future in futures])

    async def later() -> Any:
        return make([await future for future in futures])

    return later()


async def nodes_of(cls: Any, loader: Any, node_ids: Iterable[str]) -> list[Any]:
    # A malformed or unknown id is "not found", never a 500.
    ids = [int(i) if str(i).isdigit() else -1 for i in node_ids]
    rows = await load_all(loader, ids)
    return [cls.from_row(row) if row is not None and cls.is_public(row) else None for row in rows]


def wants_total(info: Info) -> bool:
    return any(
        getattr(sel, "name", None) == "totalCount"
        for field in info.selected_fields
        for sel in field.selections
    )


def counted_with_page(info: Info, stmt: sa.Select[Any]) -> sa.Select[Any] | None:
    """What paginate's ``total`` should count: ``stmt`` if the selection shows totalCount."""
    return stmt if wants_total(info) else None


async def total_count(
    info: Info, stmt: sa.Select[Any], page: Page | None = None, params: dict[str, Any] | None = None
) -> int:
    """totalCount: 0 if not selected, the count read with the page if any, else one statement
    (``params``: the values of ``stmt``'s bound parameters, as paginate's)."""
    if not wants_total(info):
        return 0
    if page is not None and page.total is not None:
        return page.total
    count = await info.context.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.subquery()), params or {}
    )
    return int(count or 0)


async def public_page(
    info: Info,
    stmt: sa.Select[Any],
    keys: list[SortKey],
    *,
    first: int | None,
    after: str | None,
    params: dict[str, Any] | None = None,
) -> tuple[Page, int]:
    """A public list's page as read-only records, and its totalCount (read with it when selected);
    ``params``: see paginate (a statement built once per shape, its values bound)."""
    page = await paginate(
        info.context.session,
        stmt,
        keys,
        first=first,
        after=after,
        records=True,
        total=counted_with_page(info, stmt),
        params=params,
    )
    return page, await total_count(info, stmt, page, params)


ConnectionT = TypeVar("ConnectionT")


def connection(cls: type[ConnectionT], node_cls: Any, page: Page, total: int) -> ConnectionT:
    build: Any = cls
    return build(
        edges=[
            relay.Edge(node=node_cls.from_row(row), cursor=cursor)
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ],
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=total,
    )


def lazy_node(module: str, name: str) -> Any:
    """A node class of a sibling module, found when first needed (see ``TaskNodeRef``)."""
    return getattr(importlib.import_module(module), name)
