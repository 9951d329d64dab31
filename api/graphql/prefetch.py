"""A search page's results and what the page shows of them: one statement, the loaders primed.

Rendering a page through the loaders alone cost a round trip per kind of object (result, entity,
department, item, task, categories, versions): ~10 ms on SQLite at a million results. Here the
results are read with their related rows in one joined statement, and the request's loaders are
primed with them, so the nodes' own resolvers find them cached. On PostgreSQL each part is a
subquery of the one statement (a row, or the categories' array of rows) rather than a join,
because planning an eight-table join cost more than running it (see _shape).

The rows are read-only records (RowRecord), not ORM objects: building ~120 ORM objects per page
cost 2.4 ms against 0.8 ms for the same rows through the driver (measured with 200 three-term
pages at a million results). A record carries every column attribute of its model, with the values
the ORM would load (the same type processors run), and nothing else; every reader of a loaded
row in api/ uses only column attributes (the models have no relationships).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, make_dataclass
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from api.graphql.loaders import Loaders
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
from search.backends.sqlite_rows import fetch_rows

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


class RowRecord:
    """Base of the read-only records a search page is built from: one class per model, its
    column attributes as slots (record_class)."""

    __slots__ = ()


@functools.cache
def record_class(model: type[Base]) -> type[RowRecord]:
    """The record class of ``model``: each column attribute of the model, in the mapper's order."""
    keys = [prop.key for prop in sa.inspect(model).column_attrs]
    return make_dataclass(f"{model.__name__}Record", keys, bases=(RowRecord,), slots=True, eq=False)


def model_columns(model: type[Base]) -> list[sa.ColumnElement[Any]]:
    return [prop.columns[0] for prop in sa.inspect(model).column_attrs]


@dataclass(frozen=True)
class _Part:
    """Where one part's columns are in the statement's rows, and how its record is made."""

    name: str
    start: int
    stop: int
    # The record class and the primary key's offset in the part; None for the description.
    record: type[RowRecord] | None
    key: int
    # The columns' type processors, applied to driver rows and packed rows; None where none is
    # needed.
    processors: tuple[Any, ...]
    # How the part is selected: its columns (COLUMNS), or on PostgreSQL one column holding its
    # row (ROW) or an array of its rows (ROWS) from a subquery.
    packed: int = 0


COLUMNS, ROW, ROWS = range(3)


@dataclass(frozen=True)
class _Shape:
    """The page statement for one selection of parts on one dialect."""

    statement: sa.Select[Any]
    # SQLite: the statement as driver SQL, its one parameter the ids as a JSON array.
    driver_sql: str | None
    parts: tuple[_Part, ...]


@functools.lru_cache(maxsize=64)
def _shape(parts: tuple[str, ...], dialect: Dialect) -> _Shape:
    layout: list[_Part] = []
    columns: list[sa.ColumnElement[Any]] = []
    postgres = dialect.name == "postgresql"
    stmt = sa.select().select_from(InspectionResult)

    def add(
        name: str,
        model: type[Base] | None,
        cols: list[sa.ColumnElement[Any]],
        packed: sa.ColumnElement[Any] | None = None,
        many: bool = False,
    ) -> None:
        key = next(i for i, col in enumerate(cols) if col.primary_key) if model else 0
        processors = tuple(col.type.dialect_impl(dialect).result_processor(dialect, None) for col in cols)
        selected = cols if packed is None else [packed]
        layout.append(
            _Part(
                name,
                len(columns),
                len(columns) + len(selected),
                record_class(model) if model else None,
                key,
                processors,
                COLUMNS if packed is None else ROWS if many else ROW,
            )
        )
        columns.extend(selected)

    add("result", InspectionResult, model_columns(InspectionResult))
    for part in parts:
        if part == "categories" and postgres:
            # The result's categories as one array of rows, ordered as the result_categories
            # loader orders them. On PostgreSQL every part is a subquery rather than a join: an
            # eight-table join took 2.4 ms to plan for every search (as much as the search's own
            # statement), the same rows by subqueries 0.17 (BENCHMARKS.md, issue 17, Run 11).
            own = model_columns(ResultCategory)
            listed = (
                sa.select(
                    postgresql.array_agg(
                        postgresql.aggregate_order_by(
                            sa.func.row(*own), ResultCategory.sort_order, ResultCategory.id
                        )
                    )
                )
                .select_from(ResultCategoryCode)
                .join(ResultCategory, ResultCategory.id == ResultCategoryCode.category_id)
                .where(ResultCategoryCode.result_id == InspectionResult.id)
                .scalar_subquery()
            )
            add(part, ResultCategory, own, listed, many=True)
        elif part == "categories":
            # One row per category the result carries, ordered as the result_categories loader
            # orders them; a result without one still comes back (outer join).
            stmt = (
                stmt.outerjoin(ResultCategoryCode, ResultCategoryCode.result_id == InspectionResult.id)
                .outerjoin(ResultCategory, ResultCategory.id == ResultCategoryCode.category_id)
                .order_by(ResultCategory.sort_order)
            )
            add(part, ResultCategory, model_columns(ResultCategory))
        elif part == "description":
            # A subquery rather than a join, for the same reason (None without a current version).
            current = (
                sa.select(ResultVersion.__table__.c.description)
                .where(
                    ResultVersion.result_id == InspectionResult.id,
                    ResultVersion.version == InspectionResult.current_version,
                )
                .scalar_subquery()
            )
            add(part, None, [current])
        elif postgres:
            model, on = _RELATED[part]
            own = model_columns(model)
            add(part, model, own, sa.select(sa.func.row(*own)).where(on).scalar_subquery())
        else:
            model, on = _RELATED[part]
            stmt = stmt.join(model, on)
            add(part, model, model_columns(model))
    stmt = stmt.add_columns(*columns)
    driver_sql = _driver_sql(stmt, InspectionResult.__table__.c.id, dialect)
    # Built once per shape, ids bound at execution: no statement or cache key to build per page.
    statement = stmt.where(InspectionResult.id.in_(sa.bindparam("ids", expanding=True)))
    return _Shape(statement, driver_sql, tuple(layout))


def _driver_sql(stmt: sa.Select[Any], key: sa.ColumnElement[Any], dialect: Dialect) -> str | None:
    """``stmt`` restricted to ``key`` in the keys given at execution, as the driver's own SQL with
    that one parameter (SQLite: a JSON array; PostgreSQL: an array); None on another dialect.

    One statement text whatever the number of keys, sent in one call to the driver: through
    SQLAlchemy a statement costs ~0.3 ms of Python more (its cache key, the adapter's cursor).
    """
    if dialect.name == "sqlite":
        table = getattr(key, "table", None)
        name = f"{table.name}.{key.name}" if table is not None else key.name
        compiled = stmt.where(sa.text(f"{name} IN (SELECT value FROM json_each(:ids))")).compile(
            dialect=dialect
        )
        assert list(compiled.params) == ["ids"], compiled.params
        return str(compiled)
    if dialect.name == "postgresql" and dialect.driver == "asyncpg":
        array = postgresql.ARRAY(key.type)
        compiled = stmt.where(key == sa.any_(sa.bindparam("ids", type_=array))).compile(dialect=dialect)
        assert list(compiled.params) == ["ids"], compiled.params
        return str(compiled)
    return None


async def _driver_rows(
    session: AsyncSession, driver_sql: str, keys: Sequence[Any]
) -> Sequence[Sequence[Any]] | None:
    """The rows of a statement made by _driver_sql, straight from the driver (unprocessed);
    None if SQLAlchemy's asyncpg adapter is not the one this was written for."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        return await fetch_rows(connection, driver_sql, [orjson.dumps(list(keys)).decode()])
    return await asyncpg_rows(session, driver_sql, [list(keys)])


async def asyncpg_rows(
    session: AsyncSession, driver_sql: str, args: Sequence[Any], *, begin: bool = True
) -> Sequence[Sequence[Any]] | None:
    """The rows of ``driver_sql`` (asyncpg's SQL, ``$n`` parameters) sent straight to asyncpg on
    the session's connection; None if SQLAlchemy's asyncpg adapter is not the one this was
    written for. Without ``begin``, a statement sent while the session has not begun a
    transaction yet runs on its own (autocommit: one statement, one snapshot, no BEGIN and
    ROLLBACK round trips), unless the connection has an isolation level of its own; inside a
    transaction it runs in it."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    adapter, driver = raw.dbapi_connection, raw.driver_connection
    # asyncpg runs one operation at a time on a connection, and the resolvers of one request
    # share it (two aliased root fields run concurrently): the adapter's own lock serialises its
    # statements, so this call takes it too, and begins the transaction as the adapter would.
    mutex = getattr(adapter, "_execute_mutex", None)
    start = getattr(adapter, "_start_transaction", None)
    if mutex is None or start is None or driver is None or not hasattr(adapter, "_transaction"):
        return None
    # A connection set to an isolation level (a REPEATABLE READ export) wants every statement in
    # its transaction, so one is begun for it whatever ``begin`` says. Back in the pool, such a
    # connection is reset to the server's default, which the adapter then holds by name
    # ("read_committed", PostgreSQL's default): that one needs no transaction for one statement.
    begin = begin or getattr(adapter, "isolation_level", None) not in (None, "read_committed")
    async with mutex:
        if begin and getattr(adapter, "_transaction", None) is None:
            await start()
        return await driver.fetch(driver_sql, *args)


async def _rows(
    session: AsyncSession, shape: _Shape, ids: Sequence[int]
) -> tuple[Sequence[Sequence[Any]], bool]:
    """The page statement's rows, and whether they still need the type processors."""
    if shape.driver_sql is not None:
        rows = await _driver_rows(session, shape.driver_sql, ids)
        if rows is not None:
            return rows, True
    connection = await session.connection()
    return [tuple(row) for row in await connection.execute(shape.statement, {"ids": list(ids)})], False


def _record(
    part: _Part, values: Sequence[Any], process: bool, made: dict[tuple[str, Any], RowRecord]
) -> RowRecord:
    """The record of one part's values (a row's columns, or an element of its array), made once
    per key and page."""
    key = values[part.key]
    record = made.get((part.name, key))
    if record is None:
        assert part.record is not None
        if process:
            values = [
                v if f is None or v is None else f(v) for f, v in zip(part.processors, values, strict=True)
            ]
        record = made[part.name, key] = part.record(*values)
    return record


async def load_page(
    session: AsyncSession, loaders: Loaders, ids: Sequence[int], parts: tuple[str, ...]
) -> dict[int, PageRow]:
    """The results of ``ids`` (whatever their status) with ``parts``, the loaders primed."""
    if not ids:
        return {}
    shape = _shape(parts, session.get_bind().dialect)
    rows, process = await _rows(session, shape, ids)
    # A department, item or task shows up on many rows of a page: one record each.
    made: dict[tuple[str, Any], RowRecord] = {}
    page: dict[int, PageRow] = {}
    for row in rows:
        values: dict[str, Any] = {}
        for part in shape.parts:
            # A packed row's values are the driver's on either path: SQLAlchemy processes only
            # the statement's own columns, and this one has no type it knows.
            if part.packed == ROWS:
                values[part.name] = [_record(part, element, True, made) for element in row[part.start] or ()]
                continue
            if part.packed == ROW:
                # Never NULL: the result's foreign keys to its parts are NOT NULL.
                values[part.name] = _record(part, row[part.start], True, made)
                continue
            key = row[part.start + part.key]
            if part.record is None:
                # The description's text (None for a result without a current version's row).
                convert = part.processors[0] if process else None
                values[part.name] = key if convert is None else convert(key)
                continue
            if key is None:  # a result without a category (outer join)
                values[part.name] = None
                continue
            values[part.name] = made.get((part.name, key)) or _record(
                part, row[part.start : part.stop], process, made
            )
        # Records stand in for the model objects: they carry every column attribute.
        result = cast(InspectionResult, values["result"])
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
        if isinstance(category, list):
            found.categories = category
        elif found.categories is not None and category is not None:
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


@dataclass(frozen=True)
class _Keyed:
    """A select of one model's columns for the keys given at execution (see _driver_sql)."""

    statement: sa.Select[Any]  # with an expanding "ids" parameter, for other dialects
    driver_sql: str | None
    record: type[RowRecord]
    processors: tuple[Any, ...]


def _keyed(model: type[Base], key: Any, order: tuple[Any, ...], dialect: Dialect) -> _Keyed:
    columns = model_columns(model)
    stmt = sa.select(*columns).order_by(*order)
    return _Keyed(
        stmt.where(key.in_(sa.bindparam("ids", expanding=True))),
        _driver_sql(stmt, key, dialect),
        record_class(model),
        tuple(col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns),
    )


@functools.lru_cache(maxsize=8)
def _versions_statement(dialect: Dialect) -> _Keyed:
    return _keyed(ResultVersion, ResultVersion.__table__.c.result_id, (ResultVersion.version,), dialect)


@functools.lru_cache(maxsize=8)
def _categories_statement(dialect: Dialect) -> _Keyed:
    order = (ResultCategory.code, ResultCategory.version)
    return _keyed(ResultCategory, ResultCategory.__table__.c.code, order, dialect)


async def _records(session: AsyncSession, keyed: _Keyed, keys: Sequence[Any]) -> list[Any]:
    """The records of ``keyed``'s rows for ``keys``, with the values the ORM would load."""
    make = keyed.record
    rows = None if keyed.driver_sql is None else await _driver_rows(session, keyed.driver_sql, keys)
    if rows is None:
        connection = await session.connection()
        return [make(*row) for row in await connection.execute(keyed.statement, {"ids": list(keys)})]
    processors = keyed.processors
    return [
        make(*[v if f is None or v is None else f(v) for f, v in zip(processors, row, strict=True)])
        for row in rows
    ]


async def load_versions(
    session: AsyncSession, loaders: Loaders, ids: Sequence[int], *, categories: bool
) -> None:
    """Prime ``result_versions`` with every version of ``ids`` and, with ``categories``,
    ``categories_by_code`` with the codes those versions carry: what the loaders' own batches
    would load, as records, in one driver call each (ORM objects cost ~1 ms more a page)."""
    dialect = session.get_bind().dialect
    versions = await _records(session, _versions_statement(dialect), ids)
    grouped: dict[int, list[Any]] = {result_id: [] for result_id in ids}
    for version in versions:
        grouped[version.result_id].append(version)
    loaders.result_versions.prime_many(grouped)
    if not categories:
        return
    codes = sorted({code for version in versions for code in version.category_codes})
    if not codes:
        return
    by_code: dict[str, Any] = {}
    # As the categories_by_code loader: the dictionary entry in force today, the last version.
    for row in await _records(session, _categories_statement(dialect), codes):
        by_code[row.code] = row
    loaders.categories_by_code.prime_many({code: by_code.get(code) for code in codes})
