"""The searchable document of a published result: filter values plus name and body tokens.

Tokens are made per field and memoised: department, item, task and category texts repeat on
thousands of results, so a full rebuild segments each distinct text once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import ResultStatus
from schema.models import (
    Department,
    Entity,
    InspectionItem,
    InspectionResult,
    ResultCategory,
    ResultVersion,
    Task,
)
from search.query import name_key
from search.text import index_tokens


@dataclass(frozen=True)
class Document:
    """One published result as the index sees it."""

    result_id: int
    version_id: int
    entity_id: int
    department_id: int
    task_id: int
    region_code: str
    year: int
    entity_type: str
    published_on: date
    name_key: str
    category_codes: tuple[str, ...]
    # Space-joined tokens: the entity's names and code (weighted up), and everything else.
    name_tokens: str
    body_tokens: str

    def filter_values(self) -> dict[str, Any]:
        """The columns of search_documents."""
        return {
            "result_id": self.result_id,
            "version_id": self.version_id,
            "entity_id": self.entity_id,
            "department_id": self.department_id,
            "task_id": self.task_id,
            "region_code": self.region_code,
            "year": self.year,
            "entity_type": self.entity_type,
            "published_on": self.published_on,
            "name_key": self.name_key,
        }


@functools.lru_cache(maxsize=200_000)
def field_tokens(text: str) -> tuple[str, ...]:
    """index_tokens of one field, memoised (shared texts are segmented once per process)."""
    return tuple(index_tokens(text))


def join_tokens(texts: Iterable[str]) -> str:
    """The deduplicated tokens of several fields, space-joined."""
    seen: dict[str, None] = {}
    for text in texts:
        if text:
            seen.update(dict.fromkeys(field_tokens(text)))
    return " ".join(seen)


# Whole columns repeat too: one entity's results share the name column, and a department's
# results of one item and category share the body column.
_joined = functools.lru_cache(maxsize=50_000)(lambda texts: join_tokens(texts))


def joined_tokens(texts: tuple[str, ...]) -> str:
    """join_tokens of a tuple of fields, memoised."""
    result: str = _joined(texts)
    return result


def _statement() -> Any:
    r, v, e = InspectionResult, ResultVersion, Entity
    return (
        sa.select(
            r.id,
            v.id,
            r.entity_id,
            r.department_id,
            r.task_id,
            e.region_code,
            r.year,
            e.entity_type,
            r.published_on,
            e.name,
            e.former_names,
            e.credit_code,
            Department.name,
            Department.short_name,
            InspectionItem.name,
            Task.name,
            v.category_codes,
            v.description,
        )
        .join(v, sa.and_(v.result_id == r.id, v.version == r.current_version))
        .join(e, e.id == r.entity_id)
        .join(Department, Department.id == r.department_id)
        .join(InspectionItem, InspectionItem.id == r.item_id)
        .join(Task, Task.id == r.task_id)
        .where(r.status == ResultStatus.PUBLISHED, r.published_on.is_not(None))
    )


async def category_labels(session: AsyncSession) -> dict[str, str]:
    """Every category code's label, newest dictionary version last so it wins."""
    rows = await session.execute(
        sa.select(ResultCategory.code, ResultCategory.label).order_by(ResultCategory.version)
    )
    return dict(rows.all())


def _document(row: Any, labels: dict[str, str]) -> Document:
    (
        result_id,
        version_id,
        entity_id,
        department_id,
        task_id,
        region_code,
        year,
        entity_type,
        published_on,
        name,
        former_names,
        code,
        department,
        department_short,
        item,
        task,
        codes,
        description,
    ) = row
    return Document(
        result_id=result_id,
        version_id=version_id,
        entity_id=entity_id,
        department_id=department_id,
        task_id=task_id,
        region_code=region_code,
        year=year,
        entity_type=str(entity_type.value if hasattr(entity_type, "value") else entity_type),
        published_on=published_on,
        name_key=name_key(name)[:200],
        category_codes=tuple(codes),
        name_tokens=joined_tokens((name, *former_names, code)),
        body_tokens=joined_tokens(
            (department, department_short, item, task, *(labels.get(c, "") for c in codes), description)
        ),
    )


async def documents_for(session: AsyncSession, result_ids: list[int]) -> list[Document]:
    """The documents of those results that are published (others have none)."""
    if not result_ids:
        return []
    labels = await category_labels(session)
    rows = await session.execute(_statement().where(InspectionResult.id.in_(result_ids)))
    return [_document(row, labels) for row in rows]


async def documents_after(
    session: AsyncSession, after_id: int, limit: int, labels: dict[str, str]
) -> list[Document]:
    """The next ``limit`` published results' documents in id order (for a full rebuild)."""
    stmt = _statement().where(InspectionResult.id > after_id).order_by(InspectionResult.id).limit(limit)
    return [_document(row, labels) for row in await session.execute(stmt)]
