"""Keyset pagination behind Relay cursor connections: stable order, ``first`` capped."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from api.error_codes import ApiErrorCode as Code
from api.graphql.core.errors import BadRequest
from api.graphql.prefetch import record_class

MAX_FIRST = 100
DEFAULT_FIRST = 20


@dataclass(frozen=True)
class SortKey:
    """One column of a stable order; the last key must be unique (the primary key)."""

    column: Any
    descending: bool = False


def _encode_value(value: Any) -> Any:
    return {"d": value.isoformat()} if isinstance(value, date) else value


def _decode_value(value: Any) -> Any:
    return date.fromisoformat(value["d"]) if isinstance(value, dict) else value


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor holding the sort-key values of a row."""
    return base64.urlsafe_b64encode(orjson.dumps([_encode_value(v) for v in values])).decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    """The sort-key values of a cursor, or a clear error for a cursor we did not make."""
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, orjson.JSONDecodeError, ValueError) as exc:
        raise BadRequest("分页游标无效", code=Code.CURSOR_INVALID, field="after") from exc
    if not isinstance(values, list) or len(values) != width:
        raise BadRequest("分页游标无效", code=Code.CURSOR_INVALID, field="after")
    try:
        return [_decode_value(v) for v in values]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest("分页游标无效", code=Code.CURSOR_INVALID, field="after") from exc


_INT_BOUNDS = {sa.SmallInteger: 2**15, sa.BigInteger: 2**63, sa.Integer: 2**31}


def _fits(column_type: Any, value: Any) -> bool:
    """Whether a cursor's value can be bound to a column of ``column_type`` (its Python type and,
    for integers, the column's range): a cursor edited by hand must be refused here, as the page
    statement goes to the driver directly and its errors would not be the caller's."""
    if value is None:
        return False
    for kind, bound in _INT_BOUNDS.items():  # SmallInteger and BigInteger before Integer
        if isinstance(column_type, kind):
            return isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound
    if isinstance(column_type, sa.Date) and not isinstance(column_type, sa.DateTime):
        return isinstance(value, date)
    if isinstance(column_type, sa.String):
        return isinstance(value, str) and "\x00" not in value
    return True


def cursor_values(after: str, keys: list[SortKey]) -> list[Any]:
    """The sort-key values of a cursor, each checked against its column's type."""
    values = decode_cursor(after, len(keys))
    if not all(_fits(k.column.type, v) for k, v in zip(keys, values, strict=True)):
        raise BadRequest("分页游标无效", code=Code.CURSOR_INVALID, field="after")
    return values


def page_size(first: int | None) -> int:
    """``first`` checked against the cap."""
    if first is None:
        return DEFAULT_FIRST
    if not 0 <= first <= MAX_FIRST:
        raise BadRequest(
            f"first 应在0到{MAX_FIRST}之间，收到{first}", code=Code.FIRST_OUT_OF_RANGE, field="first"
        )
    return first


def _after(keys: list[SortKey], values: list[Any]) -> sa.ColumnElement[bool]:
    # (a, b, c) > (x, y, z) spelled out so mixed directions work on SQLite and PostgreSQL alike.
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


@dataclass
class Page:
    """Rows of one page with their cursors."""

    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    # The count of ``total``'s rows, read with the page (None: not asked, or the page was empty).
    total: int | None = None


async def paginate(
    session: AsyncSession,
    stmt: sa.Select[Any],
    keys: list[SortKey],
    *,
    first: int | None,
    after: str | None,
    records: bool = False,
    total: sa.Select[Any] | None = None,
    params: dict[str, Any] | None = None,
) -> Page:
    """Fetch one page of ``stmt`` (whose first selected entity is the row) in the order of ``keys``.

    With ``records``, the rows are read-only records of the entity's columns (prefetch.RowRecord),
    not ORM objects: for the public reads, which only read them. With ``total`` as well (the
    statement without the cursor), its count comes with the page's rows, as an uncorrelated
    subquery both databases evaluate once: a statement less (``Page.total``; None if no row).

    With ``params``, ``stmt`` (and ``total``, if given, is ``stmt``) is a statement the caller
    builds once per shape and reuses, its values bound parameters named in ``params``: the page's
    statement is then built once per shape as well, the cursor and the limit bound too (see
    prepared_page).
    """
    limit = page_size(first)
    if params is not None and records:
        prepared, make, width = prepared_page(stmt, keys, bool(after), total is not None)
        bound = page_parameters(params, keys, limit, after)
        connection = await session.connection()
        found = list(await connection.execute(prepared, bound))
        counted = int(found[0][width]) if total is not None and found else None
        return page_of([make(*row[:width]) for row in found], keys, limit, after, counted)
    if after:
        stmt = stmt.where(_after(keys, cursor_values(after, keys)))
    stmt = stmt.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in keys])
    if records:
        # Through Core: a page of ORM objects costs ~1 ms more (identity map, instance state)
        # for rows that are only read.
        model = stmt.column_descriptions[0]["entity"]
        make = record_class(model)
        columns: list[Any] = [prop.columns[0] for prop in sa.inspect(model).column_attrs]
        width = len(columns)
        if total is not None:
            columns.append(sa.select(sa.func.count()).select_from(total.subquery()).scalar_subquery())
        connection = await session.connection()
        result = list(await connection.execute(stmt.with_only_columns(*columns).limit(limit + 1)))
        rows: list[Any] = [make(*row[:width]) for row in result]
        counted = int(result[0][width]) if total is not None and result else None
    else:
        assert total is None, "the count comes with records only"
        rows = list((await session.scalars(stmt.limit(limit + 1))).all())
        counted = None
    return page_of(rows, keys, limit, after, counted)


def page_of(rows: list[Any], keys: list[SortKey], limit: int, after: str | None, counted: int | None) -> Page:
    has_next = len(rows) > limit
    rows = rows[:limit]
    cursors = [encode_cursor([getattr(row, k.column.key) for k in keys]) for row in rows]
    return Page(rows=rows, cursors=cursors, has_next=has_next, has_previous=bool(after), total=counted)


LIMIT_PARAM = "page_limit"
AFTER_PARAM = "page_after_"


def page_parameters(
    params: dict[str, Any], keys: list[SortKey], limit: int, after: str | None
) -> dict[str, Any]:
    """The values of a prepared_page statement's parameters: the caller's, the limit (one row
    more than the page, to know whether there is a next one) and the cursor's."""
    values = cursor_values(after, keys) if after else []
    return {**params, LIMIT_PARAM: limit + 1, **{f"{AFTER_PARAM}{i}": v for i, v in enumerate(values)}}


# The page statements of the shapes seen, by the identity of the caller's statement (kept alive
# in the value, so the id is not reused). The shapes are the call sites' filter combinations: few.
_PREPARED_MAX = 1024
_PREPARED: dict[tuple[Any, ...], tuple[sa.Select[Any], sa.Select[Any], Any, int]] = {}


def prepared_page(
    stmt: sa.Select[Any], keys: list[SortKey], after: bool, total: bool
) -> tuple[sa.Select[Any], Any, int]:
    """The page statement of ``stmt``: its columns, the cursor's clause and the limit as bound
    parameters, and the count when ``total``; and the number of the model's columns.

    Why: building a page's statement and SQLAlchemy's cache key for it cost ~0.35 ms a request
    (BENCHMARKS.md, branch ``pagecpu``); a statement reused is compiled and keyed once.
    """
    key = (id(stmt), after, total, *[(id(k.column), k.descending) for k in keys])
    found = _PREPARED.get(key)
    if found is not None and found[0] is stmt:
        return found[1], found[2], found[3]
    page = stmt
    if after:
        page = page.where(
            _after(
                keys,
                [sa.bindparam(f"{AFTER_PARAM}{i}", type_=k.column.type) for i, k in enumerate(keys)],
            )
        )
    page = page.order_by(*[k.column.desc() if k.descending else k.column.asc() for k in keys])
    model = stmt.column_descriptions[0]["entity"]
    columns: list[Any] = [prop.columns[0] for prop in sa.inspect(model).column_attrs]
    width = len(columns)
    if total:
        columns.append(sa.select(sa.func.count()).select_from(stmt.subquery()).scalar_subquery())
    page = page.with_only_columns(*columns).limit(sa.bindparam(LIMIT_PARAM, type_=sa.Integer))
    make = record_class(model)
    if len(_PREPARED) >= _PREPARED_MAX:  # a caller building a new statement per request
        _PREPARED.clear()
    _PREPARED[key] = (stmt, page, make, width)
    return page, make, width
