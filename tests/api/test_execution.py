"""The short path for plain objects (api/graphql/execution.py) answers exactly as graphql-core does.

Each query runs twice, through PlainFieldsExecutionContext and through strawberry's own context,
and the two answers (data and errors, with their paths and locations) must be equal; a spy
counts the objects the short path completed, so a test cannot pass by never taking it.
"""

from __future__ import annotations

import enum
import gc
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import httpx
import pytest
import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.execution import PlainFieldsExecutionContext
from api.graphql.loaders import Loaders
from api.graphql.prefetch import RowRecord
from api.graphql.schema import build_schema
from inspections import results
from tests import factories
from tests.api.conftest import app_client, graphql


class Spy(PlainFieldsExecutionContext):
    """Counts the objects completed on the short path, and names their types."""

    completed = 0
    types: ClassVar[set[str]] = set()

    def _plain_results(self, plan: Any, source: Any, path: Any) -> dict[str, Any]:
        results = super()._plain_results(plan, source, path)
        Spy.completed += 1
        Spy.types.update(field.parent_type.name for field in plan)
        return results


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass
class Row:
    name: Any
    count: Any
    colour: Any
    note: Any = None


class Exploding:
    """A source whose ``name`` raises, as a broken property would."""

    count = 1
    colour = Colour.RED
    note = None

    @property
    def name(self) -> str:
        raise ValueError("名称读取失败")


@strawberry.type
class Plain:
    name: str
    count: int
    colour: Colour
    note: str | None


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Tagged(Named):
    """Implements an interface, so strawberry gives it an is_type_of check."""

    tags: list[str]
    maybe_tags: list[str | None] | None

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        # The resolve info's path, which the short path must build as graphql-core does.
        return ".".join(str(key) for key in info.path.as_list())


@dataclass
class LooksTagged:
    """Has Tagged's fields but is not a Tagged: is_type_of refuses it."""

    name: str
    tags: list[str]
    maybe_tags: list[str | None] | None = None


@strawberry.type
class Box:
    items: list[Plain]
    nullable_item: Plain | None
    maybe_items: list[Plain | None]
    tagged: list[Tagged]

    @strawberry.field
    def shout(self) -> str:
        return "有"

    @strawberry.field
    def first(self) -> Plain:
        # A synchronous resolver of an object (IndexError on an empty box).
        return self.items[0]


def _tagged() -> list[Any]:
    return [
        Tagged(name="甲", tags=["一", "二"], maybe_tags=[None, "三"]),
        Tagged(name="乙", tags=[], maybe_tags=None),
    ]


def _box(*rows: Any, tagged: list[Any] | None = None) -> Box:
    return Box(
        items=list(rows),
        nullable_item=rows[0] if rows else None,
        maybe_items=[None, *rows],
        tagged=_tagged() if tagged is None else tagged,
    )


SOURCES = {
    "ok": _box(Row("甲", 1, Colour.RED, "备注"), Row("乙", 2, Colour.BLUE)),
    "null in non-null": _box(Row("甲", 1, Colour.RED), Row(None, 2, Colour.BLUE)),
    "wrong type": _box(Row("甲", "不是数字", Colour.RED)),
    "not an enum": _box(Row("甲", 1, "green")),
    "raises": _box(Row("甲", 1, Colour.RED), Exploding()),
    "null item": _box(Row("甲", 1, Colour.RED), None),
    "empty": _box(),
    "not the type": _box(Row("甲", 1, Colour.RED), tagged=[*_tagged(), LooksTagged("丙", ["四"])]),
    "null in a leaf list": _box(
        Row("甲", 1, Colour.RED),
        tagged=[Tagged(name="甲", tags=["一", None], maybe_tags=None)],  # type: ignore[list-item]
    ),
    # Exceptions as values, after values of the same field were plain (the short path remembers
    # the types of plain values: an exception's type is never one of them).
    "an exception in a list": _box(Row("甲", 1, Colour.RED), ValueError("坏行")),
    "an exception as an object": Box(
        items=[Row("甲", 1, Colour.RED)],  # type: ignore[list-item]
        nullable_item=ValueError("坏对象"),  # type: ignore[arg-type]
        maybe_items=[],
        tagged=_tagged(),
    ),
}


def _schema(
    context: type[StrawberryGraphQLCoreExecutionContext], source: Box, extensions: Sequence[Any] = ()
) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def box(self) -> Box:
            return source

    return strawberry.Schema(query=Query, execution_context_class=context, extensions=list(extensions))


QUERIES = [
    "{ box { items { name count colour note } } }",
    "{ box { items { n: name c: count __typename } shout } }",
    "{ box { items { ...P } nullableItem { name } } } fragment P on Plain { name colour }",
    "query ($s: Boolean!) { box { items { name @skip(if: $s) count @include(if: $s) } } }",
    "{ box { items { name name count } } }",
    "{ box { maybeItems { name colour } items { __typename } } }",
    "{ box { first { name count } shout tagged { name tags maybeTags where } } }",
    "{ box { tagged { __typename where t: tags } first { colour } items { name } } }",
]


# The query each broken source must make graphql-core report an error for.
BROKEN_BY = {case: 0 for case in SOURCES} | {
    "empty": 6,
    "not the type": 6,
    "null in a leaf list": 6,
    "an exception as an object": 2,
}


@pytest.mark.parametrize("case", SOURCES)
@pytest.mark.parametrize("query", QUERIES)
def test_the_short_path_answers_as_graphql_core(case: str, query: str) -> None:
    Spy.completed = 0
    Spy.types = set()
    ours = _schema(Spy, SOURCES[case]).execute_sync(query, variable_values={"s": True})
    reference = _schema(StrawberryGraphQLCoreExecutionContext, SOURCES[case]).execute_sync(
        query, variable_values={"s": True}
    )
    assert ours.data == reference.data
    assert [e.formatted for e in ours.errors or []] == [e.formatted for e in reference.errors or []]
    if case == "ok":
        # Every field of the box can take it: its resolvers, objects and lists included.
        assert "Box" in Spy.types, "the plain objects must take the short path"
    elif query == QUERIES[BROKEN_BY[case]]:
        assert reference.errors, "each broken source makes graphql-core report an error"


@dataclass
class AwaitedRow(Row):
    """A row whose class makes it awaitable: graphql-core awaits it for the row it gives."""

    def __await__(self) -> Any:
        return _plain_row(self).__await__()


async def _plain_row(row: Row) -> Row:
    return Row(f"{row.name}（等到）", row.count, row.colour)


async def test_an_awaitable_object_is_awaited_as_graphql_core_awaits_it() -> None:
    # Its class defines __await__: never taken for a plain value, even after plain rows.
    source = _box(Row("甲", 1, Colour.RED), AwaitedRow("乙", 2, Colour.BLUE))
    query = "{ box { items { name count colour } maybeItems { name } nullableItem { name } } }"
    ours = await _schema(Spy, source).execute(query)
    reference = await _schema(StrawberryGraphQLCoreExecutionContext, source).execute(query)
    assert ours.errors is None and reference.errors is None
    assert ours.data == reference.data
    assert ours.data is not None
    assert ours.data["box"]["items"] == [
        {"name": "甲", "count": 1, "colour": "RED"},
        {"name": "乙（等到）", "count": 2, "colour": "BLUE"},
    ]
    assert ours.data["box"]["maybeItems"] == [None, {"name": "甲"}, {"name": "乙（等到）"}]


RESOLVED: list[str] = []


async def _later(name: str) -> str:
    return f"{name}!"


@strawberry.type
class Pending:
    name: str

    @strawberry.field
    def later(self) -> str:
        # A synchronous resolver whose value is to be awaited, as a loader's before it is primed.
        RESOLVED.append(self.name)
        return _later(self.name)  # type: ignore[return-value]


@strawberry.type
class PendingQuery:
    @strawberry.field
    def pending(self) -> list[Pending]:
        return [Pending(name=str(n)) for n in range(5)]


async def test_a_value_to_await_sends_the_selection_back_to_graphql_core_for_the_request() -> None:
    reference = await strawberry.Schema(
        query=PendingQuery, execution_context_class=StrawberryGraphQLCoreExecutionContext
    ).execute("{ pending { name later } }")
    assert reference.errors is None
    RESOLVED.clear()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = await strawberry.Schema(query=PendingQuery, execution_context_class=Spy).execute(
            "{ pending { name later } }"
        )
        gc.collect()
    assert [str(w.message) for w in caught] == []

    assert ours.data == reference.data == {"pending": [{"name": str(n), "later": f"{n}!"} for n in range(5)]}
    assert ours.errors is None
    # One attempt on the short path from each level that tries it (the query root, then the
    # list), each coroutine closed rather than left unawaited; then graphql-core for every item,
    # without trying the short path again for each.
    assert RESOLVED == ["0", "0", "0", "1", "2", "3", "4"]


async def test_search_pages_are_the_same_through_the_short_path(
    session: AsyncSession, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await factories.joint_task(session, entities=3)
    query = """query ($q: String!) { search(query: $q, first: 20) { totalCount
      edges { cursor node { __typename id publishedOn entity { name creditCode }
        department { name } item { name } categories { label code } }
        highlights { field text marked } } } }"""
    schema = build_schema()
    for text in ("鑫达", "姚安 二手车", "未发现问题"):
        Spy.completed = 0
        monkeypatch.setattr(schema, "execution_context_class", Spy)
        ours = await graphql(client, query, q=text)
        assert Spy.completed > 0
        monkeypatch.setattr(schema, "execution_context_class", StrawberryGraphQLCoreExecutionContext)
        assert ours == await graphql(client, query, q=text)
        assert "errors" not in ours, ours
        assert ours["data"]["search"]["edges"], text


async def test_the_published_results_page_completes_on_the_short_path(
    session: AsyncSession, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """results() primes its loaders (related rows, versions, their categories), so each node,
    its history and the history's categories answer at once; the answer is graphql-core's."""
    joint = await factories.joint_task(session, entities=2)
    await results.correct_result(
        session,
        by=factories.TEST,
        result_id=joint.results[0].id,
        category_codes=["UNDISCLOSED_INFO", "ORDERED_TO_CORRECT"],
        description="更正后的说明",
        reason="经复查，原结果有误",
        approved_by="局长",
        today=date(2021, 12, 20),
    )
    query = """{ results(first: 20) { totalCount edges { node { publishedOn version description
      entity { name } department { name } item { name } task { name } categories { code label }
      history { version publishedOn changeReason categories { label } } } } } }"""
    schema = build_schema()
    Spy.completed, Spy.types = 0, set()
    monkeypatch.setattr(schema, "execution_context_class", Spy)
    ours = await graphql(client, query)
    assert {"InspectionResult", "ResultVersionType", "Entity", "ResultCategory"} <= Spy.types, Spy.types
    monkeypatch.setattr(schema, "execution_context_class", StrawberryGraphQLCoreExecutionContext)
    assert ours == await graphql(client, query)
    assert "errors" not in ours, ours
    corrected = [e["node"] for e in ours["data"]["results"]["edges"] if len(e["node"]["history"]) == 2]
    assert corrected and corrected[0]["description"] == "更正后的说明"


async def test_a_results_page_leaves_nothing_for_the_cyclic_collector(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    """Once answered, the page's execution context, loaders and records are freed by reference
    counting: nothing of the request is left in a reference cycle for the collector (which, under
    load, ran inside requests for 0.4-0.5 ms of CPU a page: BENCHMARKS.md)."""
    await factories.joint_task(session, entities=3)
    query = """{ results(first: 20) { totalCount edges { node { publishedOn version
      entity { name } department { name } categories { code label }
      history { version categories { label } } } } } }"""
    assert build_schema().execution_context_class is PlainFieldsExecutionContext
    # The response cache off: the second page is executed, not answered from the first.
    async with app_client(session, engine, response_cache_bytes=0) as client:
        first = await graphql(client, query)  # warm: the caches of the process fill once
        assert "errors" not in first and len(first["data"]["results"]["edges"]) == 6, first
        gc.collect()
        gc.disable()
        try:
            again = await graphql(client, query)
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            left = [type(o) for o in gc.garbage]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert again == first
    ours = (PlainFieldsExecutionContext, Loaders, RowRecord, DataLoader)
    kept = sorted({t.__qualname__ for t in left if issubclass(t, ours)})
    assert kept == [], kept


class AnswersAnything:
    """Answers for any attribute, ``__await__`` included, as graphql-core's hasattr would ask."""

    def __getattr__(self, name: str) -> Any:
        return lambda: iter(())


def test_only_types_that_cannot_be_awaited_or_raised_are_remembered_as_plain() -> None:
    from api.graphql.execution import _SETTLED, _settled_type

    async def pending() -> None:
        return None

    coroutine = pending()
    try:
        refused = [ValueError("坏"), coroutine, AwaitedRow("乙", 2, Colour.BLUE), AnswersAnything()]
        for value in refused:
            assert not _settled_type(value), value
            assert type(value) not in _SETTLED
    finally:
        coroutine.close()
    # An enum's class answers for its class attributes through its metaclass, not its members.
    for value in (Colour.RED, Row("甲", 1, Colour.RED), _tagged()[0], {"键": "值"}):
        assert _settled_type(value), value
        assert type(value) in _SETTLED


def test_plans_shared_between_requests_follow_each_requests_variables() -> None:
    # The same document, its selection changed by a variable, request after request: each
    # answer as graphql-core's for that request's variables (plans are kept per selection).
    source = SOURCES["ok"]
    query = (
        "query ($s: Boolean!) { box { items { name @skip(if: $s) count @include(if: $s) }"
        " first { ... @include(if: $s) { colour } name } } }"
    )
    # The document parsed once, as the server's document cache keeps it: the same field nodes in
    # every request, which is what lets a plan be shared.
    parsed_once = ParserCache(maxsize=8)  # one instance for every request (one after another)
    ours_schema = _schema(Spy, source, [lambda: parsed_once])
    reference_schema = _schema(StrawberryGraphQLCoreExecutionContext, source)
    answers = []
    # A selection's plan is kept the second time it is seen, then shared: six requests.
    for skip in (True, False, True, False, True, False):
        Spy.completed = 0
        ours = ours_schema.execute_sync(query, variable_values={"s": skip})
        reference = reference_schema.execute_sync(query, variable_values={"s": skip})
        assert ours.errors is None and reference.errors is None
        assert ours.data == reference.data
        assert Spy.completed > 0  # on the short path
        answers.append(ours.data)
    assert answers[0] == answers[2] == answers[4] != answers[1] == answers[3] == answers[5]
    from api.graphql.execution import _SHARED_PLANS

    box_type = ours_schema._schema.type_map["Box"]
    assert any(kept[0] is box_type for kept in _SHARED_PLANS.values())  # shared, not remade
    assert answers[0] == {
        "box": {"items": [{"count": 1}, {"count": 2}], "first": {"colour": "RED", "name": "甲"}}
    }
    assert answers[1] == {"box": {"items": [{"name": "甲"}, {"name": "乙"}], "first": {"name": "甲"}}}
