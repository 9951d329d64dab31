"""Code that reaches into a library's internals runs only on the releases it was tested with."""

from __future__ import annotations

import logging

import pytest
import strawberry

from api.graphql import schema as graphql_schema
from api.graphql.execution import PlainFieldsExecutionContext
from schema import versions


def test_the_installed_releases_are_the_tested_ones() -> None:
    # constraints.txt installs exactly these: the short path, the fast BEGIN and slowapi's helper are on.
    assert graphql_schema.short_path() is PlainFieldsExecutionContext
    assert versions.tested("slowapi", ("0.1.10",), purpose="test")
    from schema.db import FAST_BEGIN

    assert FAST_BEGIN is True


def test_another_release_is_refused_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gongshi.versions"):
        assert not versions.tested("graphql-core", ("3.2",), purpose="the GraphQL short path")
    assert versions.installed("graphql-core") is not None
    [record] = caplog.records
    assert "graphql-core" in record.getMessage() and "the GraphQL short path" in record.getMessage()
    assert not versions.tested("no-such-distribution-gongshi", ("1.0",), purpose="test")
    # A series matches whole components: 3.3 is not 3.30.
    version = versions.installed("graphql-core")
    assert version is not None
    assert not versions.tested(
        "graphql-core", (version.split(".")[0] + "." + version.split(".")[1] + "0",), purpose="t"
    )


def test_an_untested_graphql_release_runs_on_strawberrys_own_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphql_schema, "GRAPHQL_CORE_SERIES", ("3.2",))
    assert graphql_schema.short_path() is None

    @strawberry.type
    class Query:
        @strawberry.field
        def greeting(self) -> str:
            return "你好"

    fallback = strawberry.Schema(query=Query, execution_context_class=graphql_schema.short_path())
    result = fallback.execute_sync("{ greeting }")
    assert result.errors is None and result.data == {"greeting": "你好"}
