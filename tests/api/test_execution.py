"""The short path for plain objects (api/execution.py) answers exactly as graphql-core does.

Each query runs twice, through PlainFieldsExecutionContext and through strawberry's own context,
and the two answers (data and errors, with their paths and locations) must be equal; a spy
counts the objects the short path completed, so a test cannot pass by never taking it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.execution import PlainFieldsExecutionContext
from api.graphql import build_schema
from tests import factories
from tests.api.conftest import graphql


class Spy(PlainFieldsExecutionContext):
    """Counts the objects completed on the short path."""

    completed = 0

    def _plain_results(self, plan: Any, source: Any) -> dict[str, Any] | None:
        results = super()._plain_results(plan, source)
        Spy.completed += results is not None
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


@strawberry.type
class Box:
    items: list[Plain]
    nullable_item: Plain | None
    maybe_items: list[Plain | None]

    @strawberry.field
    def shout(self) -> str:
        return "有"


def _box(*rows: Any) -> Box:
    return Box(items=list(rows), nullable_item=rows[0] if rows else None, maybe_items=[None, *rows])


SOURCES = {
    "ok": _box(Row("甲", 1, Colour.RED, "备注"), Row("乙", 2, Colour.BLUE)),
    "null in non-null": _box(Row("甲", 1, Colour.RED), Row(None, 2, Colour.BLUE)),
    "wrong type": _box(Row("甲", "不是数字", Colour.RED)),
    "not an enum": _box(Row("甲", 1, "green")),
    "raises": _box(Row("甲", 1, Colour.RED), Exploding()),
    "null item": _box(Row("甲", 1, Colour.RED), None),
}


def _schema(context: type[StrawberryGraphQLCoreExecutionContext], source: Box) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def box(self) -> Box:
            return source

    return strawberry.Schema(query=Query, execution_context_class=context)


QUERIES = [
    "{ box { items { name count colour note } } }",
    "{ box { items { n: name c: count __typename } shout } }",
    "{ box { items { ...P } nullableItem { name } } } fragment P on Plain { name colour }",
    "query ($s: Boolean!) { box { items { name @skip(if: $s) count @include(if: $s) } } }",
    "{ box { items { name name count } } }",
    "{ box { maybeItems { name colour } items { __typename } } }",
]


@pytest.mark.parametrize("case", SOURCES)
@pytest.mark.parametrize("query", QUERIES)
def test_the_short_path_answers_as_graphql_core(case: str, query: str) -> None:
    Spy.completed = 0
    ours = _schema(Spy, SOURCES[case]).execute_sync(query, variable_values={"s": True})
    reference = _schema(StrawberryGraphQLCoreExecutionContext, SOURCES[case]).execute_sync(
        query, variable_values={"s": True}
    )
    assert ours.data == reference.data
    assert [e.formatted for e in ours.errors or []] == [e.formatted for e in reference.errors or []]
    if case == "ok":
        assert Spy.completed >= 2, "the plain objects must take the short path"
    elif query == QUERIES[0]:
        assert reference.errors, "each broken source makes graphql-core report an error"


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
