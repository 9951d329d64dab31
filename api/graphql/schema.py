"""The schema, assembled in one place: every domain's root fields merged, the protections and caches on."""

from __future__ import annotations

import functools
from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.graphql.client_errors import ClientErrorCodes, QuietSchema
from api.graphql.core.errors import CodedErrorMask
from api.graphql.document_cache import SizedParserCache
from api.graphql.inspections.accounts import AccountMutation, AccountQuery
from api.graphql.inspections.fieldwork import FieldworkMutation
from api.graphql.inspections.imports import DataMutation
from api.graphql.inspections.publishing import PublishingMutation
from api.graphql.inspections.recognition import RecognitionQuery
from api.graphql.inspections.results import ResultMutation
from api.graphql.inspections.statistics import StatisticsQuery
from api.graphql.inspections.work import DepartmentQuery
from api.graphql.limits import LimitedValidation, Limits
from api.graphql.nodes.log import LogQuery
from api.graphql.objection_work import ObjectionWorkQuery
from api.graphql.objections import ObjectionMutation, ObjectionQuery
from api.graphql.public import PublicQuery
from api.graphql.search.query import SearchQuery
from schema.versions import tested

# The limits every document must keep (published on the website's API page and in the README),
# checked in one linear pass before validation (api/graphql/limits.py). Depth counts levels below
# the root fields; introspection (GraphiQL's own query nests 13 levels) has a limit of its own.
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2000
# Characters of a query document: refused before parsing (graphql-core lexes ~3 ms per 1,000 tokens
# and locates a syntax error by scanning the text, so a 1 MB document must not reach it).
MAX_QUERY_LENGTH = 50_000
MAX_COST = 1000
MAX_INTROSPECTION_DEPTH = 15
LIMITS = Limits(
    max_depth=MAX_DEPTH,
    max_aliases=MAX_ALIASES,
    max_cost=MAX_COST,
    max_introspection_depth=MAX_INTROSPECTION_DEPTH,
)

Query = merge_types(
    "Query",
    (
        SearchQuery,
        DepartmentQuery,
        ObjectionQuery,
        ObjectionWorkQuery,
        RecognitionQuery,
        StatisticsQuery,
        LogQuery,
        PublicQuery,
        AccountQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (DataMutation, PublishingMutation, FieldworkMutation, ResultMutation, ObjectionMutation, AccountMutation),
)


# The releases the short path (a subclass of graphql-core's and strawberry's execution internals)
# was tested on: pinned in pyproject.toml, exact in constraints.txt.
GRAPHQL_CORE_SERIES = ("3.3",)
STRAWBERRY_SERIES = ("0.341",)


def short_path() -> type[Any] | None:
    """The short path's execution context on the tested releases; otherwise None (strawberry's own)."""
    if not (
        tested("graphql-core", GRAPHQL_CORE_SERIES, purpose="the GraphQL short path")
        and tested("strawberry-graphql", STRAWBERRY_SERIES, purpose="the GraphQL short path")
    ):
        return None
    # Imported only now: on another release its internal imports may not even exist.
    from api.graphql.execution import PlainFieldsExecutionContext

    return PlainFieldsExecutionContext


@functools.cache
def build_schema() -> strawberry.Schema:
    """The public schema with the protections and caches every deployment needs.

    Built once per process: strawberry's relay ``node`` field cannot be bound to two schemas.
    """
    return QuietSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=short_path(),
        # Factories, not instances: strawberry builds one per request; the parser and validation
        # caches live at module level (api/graphql/document_cache.py), bounded by size.
        extensions=[
            SizedParserCache,
            lambda: LimitedValidation(LIMITS, max_tokens=MAX_TOKENS),
            CodedErrorMask,
            ClientErrorCodes,
        ],
    )
