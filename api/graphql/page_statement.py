"""The published results' page in one PostgreSQL statement, the loaders primed from its rows.

Why: on PostgreSQL a 20-result page was four statements (the page with its count through
SQLAlchemy, then through the driver its related rows, its versions and their categories) inside
BEGIN ... ROLLBACK: six round trips and ~1.6 ms of Python a page (BENCHMARKS.md, "The uncached
page, third pass"). Here the page is the inner part of one statement, each row joined to its
entity, department, item and task, with its categories, its versions and the dictionary entries
of their category codes as arrays of row values, which asyncpg decodes into tuples. The records
made from them keep only the columns the page's public nodes read (PAGE_COLUMNS) and travel with
the page's results (PageParts), which the nodes' resolvers read before their loaders: the answer
is unchanged (bench/page_cpu.py compares the bytes with the statements it replaces), and the
loaders are left alone, so anything else in the request that loads these rows reads them whole.

One statement is one snapshot. An anonymous page has read nothing before it, so it is sent
without BEGIN and ROLLBACK (asyncpg_rows with ``begin=False``); after an earlier read of the
request (the publication generation, a category check) it runs in that transaction.

Only on PostgreSQL through asyncpg; elsewhere (SQLite) :func:`published_page` returns None and
the caller reads the page as before.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, make_dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from api.graphql.core.pagination import Page, SortKey, page_of, page_parameters, page_size, prepared_page
from api.graphql.prefetch import RowRecord, asyncpg_rows, model_columns
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


# The columns a page record keeps, by model: what the public nodes of a results page read (the
# from_row of InspectionResultNode, EntityNode, DepartmentNode, InspectionItemNode and
# ResultCategoryType; the resolvers of ResultVersionType; the page's sort keys). A task keeps all
# of its own. Why: asyncpg decoded the page's ~1,900 values in ~0.36 ms of the page's ~2.4, a
# third of them never shown (the timestamps, the internal notes and approvals); BENCHMARKS.md,
# "The public edge in the eighth session". tests/api/test_results_statement.py asks a page with
# every field these nodes have.
PAGE_COLUMNS: dict[type[Base], tuple[str, ...]] = {
    InspectionResult: (
        "id",
        "year",
        "published_on",
        "publication_due",
        "publication_due_provisional",
        "current_version",
        "entity_id",
        "task_id",
        "department_id",
        "item_id",
    ),
    Entity: (
        "id",
        "credit_code",
        "name",
        "former_names",
        "entity_type",
        "region_code",
        "address",
        "legal_representative",
        "registration_date",
        "status",
    ),
    Department: (
        "id",
        "code",
        "name",
        "short_name",
        "level",
        "region_code",
        "parent_id",
        "publication_working_days",
    ),
    InspectionItem: (
        "id",
        "code",
        "version",
        "name",
        "category",
        "subject",
        "content",
        "legal_basis",
        "method",
        "effective_from",
        "effective_to",
        "department_id",
    ),
    ResultCategory: ("code", "label", "is_problem", "without_inspection", "source"),
    ResultVersion: ("id", "version", "category_codes", "description", "published_on", "change_reason"),
}


@dataclass(slots=True)
class PageParts:
    """What a page's result shows beside itself, read by the statement (None: not read)."""

    entity: Any = None
    department: Any = None
    item: Any = None
    task: Any = None
    categories: list[Any] | None = None  # the current version's, in the loader's order
    versions: list[Any] | None = None  # every version, first to current
    history: dict[str, Any] | None = None  # the newest dictionary entry of each code they carry


class PageRecord(RowRecord):
    """A page record: its model's PAGE_COLUMNS as slots (page_record_class)."""

    __slots__ = ()


@functools.cache
def page_record_class(model: type[Base]) -> type[PageRecord]:
    """The page record class of ``model`` (a result's also holds its PageParts as ``page_parts``)."""
    keys = PAGE_COLUMNS.get(model) or [prop.key for prop in sa.inspect(model).column_attrs]
    fields: list[Any] = list(keys)
    if model is InspectionResult:
        fields.append(("page_parts", PageParts | None, field(default=None)))
    return make_dataclass(f"{model.__name__}PageRecord", fields, bases=(PageRecord,), slots=True, eq=False)


def page_columns(model: type[Base]) -> list[sa.ColumnElement[Any]]:
    """The columns of ``model`` a page record keeps, in the record's order."""
    if model not in PAGE_COLUMNS:
        return model_columns(model)
    attributes = sa.inspect(model).column_attrs
    return [attributes[key].columns[0] for key in PAGE_COLUMNS[model]]


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
    inner, _make, inner_width = prepared_page(stmt, keys, after, total)
    page = inner.subquery("page")
    result_keys = PAGE_COLUMNS[InspectionResult]
    assert all(k.column.key in result_keys for k in keys), "the page's sort keys are among its columns"
    columns: list[Any] = [page.c[key] for key in result_keys]
    width = len(columns)
    if total:
        columns.append(list(page.c)[inner_width])  # the count
    source: Any = page
    joined = []
    for part in parts:
        if part not in _JOINED:
            continue
        model, column = _JOINED[part]
        own = page_columns(model)
        source = source.outerjoin(model, model.__table__.c.id == page.c[column])
        pk = len(columns) + next(i for i, col in enumerate(own) if col.primary_key)
        made = _Rows(page_record_class(model), _processors(own, dialect))
        joined.append((part, len(columns), len(columns) + len(own), pk, made))
        columns.extend(own)
    category_columns = page_columns(ResultCategory)
    version_columns = page_columns(ResultVersion)
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
        result=_Rows(
            page_record_class(InspectionResult), _processors(page_columns(InspectionResult), dialect)
        ),
        category=_Rows(page_record_class(ResultCategory), _processors(category_columns, dialect)),
        version=_Rows(page_record_class(ResultVersion), _processors(version_columns, dialect)),
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
    """The page of ``stmt`` (published_results' statement, its values in ``params``) as page
    records, each result's with the PageParts the selection shows (``parts``; its versions if
    ``versions``, and their codes' dictionary entries if ``history``); None where this does not
    apply (not asyncpg, or a part the statement does not join: the caller reads it as before)."""
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
    if parts or versions:
        _attach(shape, page, rows[:limit])
    return page


def _attach(shape: _Shape, page: Page, rows: Sequence[Sequence[Any]]) -> None:
    # Each result's parts, a record made once per key and page (a page's results share their
    # departments and items).
    made: dict[str, dict[Any, Any]] = {part: {} for part, *_ in shape.joined}
    history: dict[str, Any] | None = None
    if shape.history is not None:
        history = {}
        for row in rows:
            for value in row[shape.history] or ():
                entry = shape.category.make(value)
                history[entry.code] = entry  # the last version of a code comes last
    for result, row in zip(page.rows, rows, strict=True):
        parts = result.page_parts = PageParts(history=history)
        for part, start, stop, pk, rows_of in shape.joined:
            key = row[pk]
            if key is None:
                continue
            records = made[part]
            record = records.get(key)
            if record is None:
                record = records[key] = rows_of.make(row[start:stop])
            setattr(parts, part, record)
        if shape.categories is not None:
            parts.categories = [shape.category.make(value) for value in row[shape.categories] or ()]
        if shape.versions is not None:
            parts.versions = [shape.version.make(value) for value in row[shape.versions] or ()]
