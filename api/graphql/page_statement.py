"""The published results' page in one PostgreSQL statement, the loaders primed from its rows.

Why: on PostgreSQL a 20-result page was four statements (the page with its count through
SQLAlchemy, then through the driver its related rows, its versions and their categories) inside
BEGIN ... ROLLBACK: six round trips and ~1.6 ms of Python a page (BENCHMARKS.md, "The uncached
page, third pass"). Here the page is the inner part of one statement, each row joined to its
entity, department, item and task, with its categories, its versions and the dictionary entries
of their category codes as arrays of row values, which asyncpg decodes into tuples. The records
made from them are the ones prefetch.py makes (the same columns, the same type processors), primed
into the same loaders, so the nodes' resolvers and the answer are unchanged (bench/page_cpu.py
compares the bytes with the statements it replaces).

One statement is one snapshot. An anonymous page has read nothing before it, so it is sent
without BEGIN and ROLLBACK (asyncpg_rows with ``begin=False``); after an earlier read of the
request (the publication generation, a category check) it runs in that transaction.

Only on PostgreSQL through asyncpg; elsewhere (SQLite) :func:`published_page` returns None and
the caller reads the page as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from api.graphql.core.pagination import Page, SortKey, page_of, page_parameters, page_size, prepared_page
from api.graphql.loaders import Loaders
from api.graphql.prefetch import RowRecord, asyncpg_rows, model_columns, record_class
from schema.base import Base
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

# The parts a result's row is joined to, by the result's column naming each one's key.
_JOINED: dict[str, tuple[type[Base], str]] = {
    "entity": (Entity, "entity_id"),
    "department": (Department, "department_id"),
    "item": (InspectionItem, "item_id"),
    "task": (Task, "task_id"),
}


def _processors(columns: Sequence[sa.ColumnElement[Any]], dialect: Dialect) -> tuple[Any, ...]:
    return tuple(col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns)


class _Rows:
    """How one model's records are made from driver values: the class and the type processors
    of the columns that have one (most have none: only those are looked at, a page makes ~100)."""

    __slots__ = ("processed", "record")

    def __init__(self, record: type[RowRecord], processors: Sequence[Any]) -> None:
        self.record = record
        self.processed = tuple((i, f) for i, f in enumerate(processors) if f is not None)

    def make(self, values: Sequence[Any]) -> Any:
        if not self.processed:
            return self.record(*values)
        row = list(values)
        for i, convert in self.processed:
            value = row[i]
            if value is not None:
                row[i] = convert(value)
        return self.record(*row)


@dataclass(frozen=True)
class _Shape:
    """The statement for one filter shape and selection, as asyncpg's SQL, and its row layout."""

    sql: str
    # The statement's parameters in ``$n`` order, each with its bind processor (or None).
    parameters: tuple[tuple[str, Any], ...]
    width: int  # the result's own columns
    total: bool  # the count follows them
    joined: tuple[tuple[str, int, int, int, _Rows], ...]  # (part, start, stop, key's column, rows)
    categories: int | None  # column of the current version's categories (array), if asked
    versions: int | None  # column of every version (array), if asked
    history: int | None  # column of the dictionary entries of the versions' codes, if asked
    result: _Rows
    category: _Rows
    version: _Rows
    # The compiled statement's own bound values (the published status), sent at every call.
    defaults: dict[str, Any]


# By (identity of the caller's statement, the rest of the shape); the statement is kept alive in
# the value so its id is not reused. The shapes are the filter combinations times a few selections.
_SHAPES: dict[tuple[Any, ...], tuple[sa.Select[Any], _Shape]] = {}


def _row_array(columns: Sequence[sa.ColumnElement[Any]], *order: Any) -> Any:
    # array_agg(row(...) ORDER BY ...): an array of anonymous records, NULL when there is none.
    return postgresql.array_agg(postgresql.aggregate_order_by(sa.func.row(*columns), *order))


def _shape(
    stmt: sa.Select[Any],
    keys: list[SortKey],
    after: bool,
    total: bool,
    parts: tuple[str, ...],
    versions: bool,
    history: bool,
    dialect: Dialect,
) -> _Shape:
    key = (id(stmt), after, total, parts, versions, history, *[(id(k.column), k.descending) for k in keys])
    found = _SHAPES.get(key)
    if found is not None and found[0] is stmt:
        return found[1]
    inner, _make, width = prepared_page(stmt, keys, after, total)
    page = inner.subquery("page")
    columns: list[Any] = list(page.c)
    source: Any = page
    joined = []
    for part in parts:
        if part not in _JOINED:
            continue
        model, column = _JOINED[part]
        own = model_columns(model)
        source = source.outerjoin(model, model.__table__.c.id == page.c[column])
        pk = len(columns) + next(i for i, col in enumerate(own) if col.primary_key)
        made = _Rows(record_class(model), _processors(own, dialect))
        joined.append((part, len(columns), len(columns) + len(own), pk, made))
        columns.extend(own)
    category_columns = model_columns(ResultCategory)
    version_columns = model_columns(ResultVersion)
    categories = versions_at = history_at = None
    if "categories" in parts:
        # As the result_categories loader orders them (sort_order; id breaks a tie the same way
        # on every request).
        categories = len(columns)
        columns.append(
            sa.select(_row_array(category_columns, ResultCategory.sort_order, ResultCategory.id))
            .select_from(ResultCategoryCode)
            .join(ResultCategory, ResultCategory.id == ResultCategoryCode.category_id)
            .where(ResultCategoryCode.result_id == page.c.id)
            .scalar_subquery()
        )
    if versions:
        versions_at = len(columns)
        columns.append(
            sa.select(_row_array(version_columns, ResultVersion.version))
            .where(ResultVersion.result_id == page.c.id)
            .scalar_subquery()
        )
    if history:
        # Every dictionary entry (all versions, by code then version, as the categories_by_code
        # loader reads them) of the codes this result's versions carry.
        history_at = len(columns)
        codes = (
            sa.select(sa.func.json_array_elements_text(ResultVersion.category_codes))
            .where(ResultVersion.result_id == page.c.id)
            .correlate(page)  # two levels down: the page row of the outer statement
        )
        columns.append(
            sa.select(_row_array(category_columns, ResultCategory.code, ResultCategory.version))
            .where(ResultCategory.code.in_(codes))
            .scalar_subquery()
        )
    order = [page.c[k.column.key].desc() if k.descending else page.c[k.column.key].asc() for k in keys]
    compiled = sa.select(*columns).select_from(source).order_by(*order).compile(dialect=dialect)
    binds = compiled.binds
    parameters = tuple(
        (name, binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in compiled.positiontup or ()
    )
    shape = _Shape(
        sql=str(compiled),
        parameters=parameters,
        width=width,
        total=total,
        joined=tuple(joined),
        categories=categories,
        versions=versions_at,
        history=history_at,
        result=_Rows(record_class(InspectionResult), _processors(model_columns(InspectionResult), dialect)),
        category=_Rows(record_class(ResultCategory), _processors(category_columns, dialect)),
        version=_Rows(record_class(ResultVersion), _processors(version_columns, dialect)),
        defaults={
            name: binds[name].effective_value
            for name in compiled.positiontup or ()
            if not binds[name].required
        },
    )
    if len(_SHAPES) >= 1024:
        _SHAPES.clear()
    _SHAPES[key] = (stmt, shape)
    return shape


async def published_page(
    session: AsyncSession,
    loaders: Loaders,
    stmt: sa.Select[Any],
    keys: list[SortKey],
    *,
    params: dict[str, Any],
    first: int | None,
    after: str | None,
    total: bool,
    parts: tuple[str, ...],
    versions: bool,
    history: bool,
) -> Page | None:
    """The page of ``stmt`` (published_results' statement, its values in ``params``) with the
    loaders primed as load_page and load_versions prime them; None where this does not apply
    (not asyncpg, or a part the statement does not join: the caller reads it as before)."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or dialect.driver != "asyncpg" or "description" in parts:
        return None
    limit = page_size(first)
    shape = _shape(stmt, keys, bool(after), total, parts, versions, history, dialect)
    values = {**shape.defaults, **page_parameters(params, keys, limit, after)}
    args = [values[name] if f is None else f(values[name]) for name, f in shape.parameters]
    rows = await asyncpg_rows(session, shape.sql, args, begin=False)
    if rows is None:
        return None
    counted = int(rows[0][shape.width]) if total and rows else None
    page = page_of([shape.result.make(row[: shape.width]) for row in rows], keys, limit, after, counted)
    _prime(shape, loaders, page, rows[:limit], bool(parts))
    return page


def _prime(shape: _Shape, loaders: Loaders, page: Page, rows: Sequence[Sequence[Any]], parts: bool) -> None:
    # What load_page (when the page shows a part) and load_versions give each loader, for the
    # page's rows only.
    results = page.rows
    if parts:
        loaders.result.prime_many({result.id: result for result in results})
    for part, start, stop, pk, made in shape.joined:
        records: dict[Any, Any] = {}
        for row in rows:
            key = row[pk]
            if key is not None and key not in records:
                records[key] = made.make(row[start:stop])
        getattr(loaders, part).prime_many(records)
    if shape.categories is not None:
        loaders.result_categories.prime_many(
            {
                result.id: [shape.category.make(value) for value in row[shape.categories] or ()]
                for result, row in zip(results, rows, strict=True)
            }
        )
    if shape.versions is None:
        return
    grouped = {
        result.id: [shape.version.make(value) for value in row[shape.versions] or ()]
        for result, row in zip(results, rows, strict=True)
    }
    loaders.result_versions.prime_many(grouped)
    if shape.history is None:
        return
    codes = sorted(
        {code for versions in grouped.values() for version in versions for code in version.category_codes}
    )
    if not codes:
        return
    by_code: dict[str, Any] = {}
    for row in rows:
        for value in row[shape.history] or ():
            entry = shape.category.make(value)
            by_code[entry.code] = entry  # the last version of a code comes last
    loaders.categories_by_code.prime_many({code: by_code.get(code) for code in codes})
