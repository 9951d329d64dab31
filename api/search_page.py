"""A search page's results and what the page shows of them: one statement, the loaders primed.

Rendering a page through the loaders alone cost a round trip per kind of object (result, entity,
department, item, task, categories, versions): ~10 ms on SQLite at a million results. Here the
results are read with their related rows in one joined statement, and the request's loaders are
primed with those same ORM objects, so the nodes' own resolvers find them cached.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.loaders import Loaders
from schema.models import (
    Department,
    Entity,
    InspectionItem,
    InspectionResult,
    ResultCategory,
    ResultCategoryCode,
    ResultVersion,
    Task,
)

# What a page can show of a result besides its own columns, in statement order.
PARTS = ("entity", "department", "item", "task", "categories", "description")
_RELATED: dict[str, tuple[Any, Any]] = {
    "entity": (Entity, Entity.id == InspectionResult.entity_id),
    "department": (Department, Department.id == InspectionResult.department_id),
    "item": (InspectionItem, InspectionItem.id == InspectionResult.item_id),
    "task": (Task, Task.id == InspectionResult.task_id),
}


@dataclass
class PageRow:
    """A result of the page with the parts the page shows (None: not asked for)."""

    result: InspectionResult
    entity: Entity | None = None
    department: Department | None = None
    item: InspectionItem | None = None
    task: Task | None = None
    # As the result_categories loader gives them: the current version's, in dictionary order.
    categories: list[ResultCategory] | None = None
    # The current version's description (the highlights' text; the node's own field is loaded).
    description: str | None = None

    def texts(self) -> list[tuple[str, str, bool]]:
        """The fields a highlight can come from, in order: (field, text, long text?)."""
        entity, item, department, task = self.entity, self.item, self.department, self.task
        # All loaded whenever highlights are asked for (parts_shown).
        assert entity and item and department and task and self.categories is not None
        return [
            ("entityName", entity.name, False),
            *(("formerName", name, False) for name in entity.former_names),
            ("itemName", item.name, False),
            ("departmentName", department.name, False),
            ("taskName", task.name, False),
            *(("category", row.label, False) for row in self.categories),
            ("description", self.description or "", True),
        ]


def selected_paths(selections: Iterable[Any], prefix: str = "") -> set[str]:
    """Dotted paths of every field selected below, fragments flattened (``edges.node.entity``)."""
    paths: set[str] = set()
    for selection in selections:
        if isinstance(selection, SelectedField):
            path = prefix + selection.name
            paths.add(path)
            paths |= selected_paths(selection.selections, path + ".")
        elif isinstance(selection, FragmentSpread | InlineFragment):
            paths |= selected_paths(selection.selections, prefix)
    return paths


def parts_shown(paths: set[str]) -> tuple[str, ...]:
    """The parts a selection reads: the node fields it asks for, or all of them for highlights."""
    if "edges.highlights" in paths:
        return PARTS
    # The node's description field reads every version (result_versions), not this part.
    return tuple(part for part in PARTS if part != "description" and f"edges.node.{part}" in paths)


@functools.cache
def _statement(parts: tuple[str, ...]) -> sa.Select[Any]:
    stmt = sa.select(InspectionResult)
    for part in parts:
        if part == "categories":
            # One row per category the result carries, ordered as the result_categories loader
            # orders them; a result without one still comes back (outer join).
            stmt = (
                stmt.add_columns(ResultCategory)
                .outerjoin(ResultCategoryCode, ResultCategoryCode.result_id == InspectionResult.id)
                .outerjoin(ResultCategory, ResultCategory.id == ResultCategoryCode.category_id)
                .order_by(ResultCategory.sort_order)
            )
        elif part == "description":
            current = sa.and_(
                ResultVersion.result_id == InspectionResult.id,
                ResultVersion.version == InspectionResult.current_version,
            )
            stmt = stmt.add_columns(ResultVersion.description).outerjoin(ResultVersion, current)
        else:
            model, on = _RELATED[part]
            stmt = stmt.add_columns(model).join(model, on)
    # Built once per shape, ids bound at execution: no statement or cache key to build per page.
    return stmt.where(InspectionResult.id.in_(sa.bindparam("ids", expanding=True)))


async def load_page(
    session: AsyncSession, loaders: Loaders, ids: Sequence[int], parts: tuple[str, ...]
) -> dict[int, PageRow]:
    """The results of ``ids`` (whatever their status) with ``parts``, the loaders primed."""
    if not ids:
        return {}
    page: dict[int, PageRow] = {}
    for row in await session.execute(_statement(parts), {"ids": list(ids)}):
        result: InspectionResult = row[0]
        values = dict(zip(parts, row[1:], strict=True))
        found = page.get(result.id)
        if found is None:
            found = page[result.id] = PageRow(
                result,
                entity=values.get("entity"),
                department=values.get("department"),
                item=values.get("item"),
                task=values.get("task"),
                categories=[] if "categories" in parts else None,
                description=(values.get("description") or "") if "description" in parts else None,
            )
        category = values.get("categories")
        if found.categories is not None and category is not None:
            found.categories.append(category)
    _prime(loaders, page.values())
    return page


def _prime(loaders: Loaders, rows: Iterable[PageRow]) -> None:
    # Each loader gets exactly what it would have loaded for the key: the same ORM objects (the
    # session's identity map), and for result_categories the complete list. result_versions is
    # not primed: the page holds only the current version's text, and history lists them all.
    rows = list(rows)
    loaders.result.prime_many({row.result.id: row.result for row in rows})
    loaders.entity.prime_many({row.entity.id: row.entity for row in rows if row.entity})
    loaders.department.prime_many({row.department.id: row.department for row in rows if row.department})
    loaders.item.prime_many({row.item.id: row.item for row in rows if row.item})
    loaders.task.prime_many({row.task.id: row.task for row in rows if row.task})
    loaders.result_categories.prime_many(
        {row.result.id: row.categories for row in rows if row.categories is not None}
    )
