"""The schema, assembled in one place: every domain's root fields merged, the protections and caches on."""

from __future__ import annotations

import functools
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.graphql.core.errors import CodedErrorMask
from api.graphql.inspections.accounts import AccountMutation, AccountQuery
from api.graphql.inspections.fieldwork import FieldworkMutation
from api.graphql.inspections.imports import DataMutation
from api.graphql.inspections.publishing import PublishingMutation
from api.graphql.inspections.recognition import RecognitionQuery
from api.graphql.inspections.results import ResultMutation
from api.graphql.inspections.statistics import StatisticsQuery
from api.graphql.inspections.work import DepartmentQuery
from api.graphql.nodes.log import LogQuery
from api.graphql.objections import ObjectionMutation, ObjectionQuery
from api.graphql.public import PublicQuery
from api.graphql.search.query import SearchQuery
from schema.versions import tested

# The depth and alias limits as validation rule classes, made once: strawberry's limiter extensions
# build a new rule class per instance, and a new class per request defeats the ValidationCache,
# which keys on the rules (measured: 0 hits in 20 identical requests, 4-5 ms of CPU each).
MAX_DEPTH = 10
MAX_ALIASES = 30
LIMIT_RULES = [
    QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules[0],
    MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules[0],
]

Query = merge_types(
    "Query",
    (
        SearchQuery,
        DepartmentQuery,
        ObjectionQuery,
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
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=short_path(),
        # Factories, not instances: strawberry builds one per request; the parser and validation
        # LRU caches live at module level (keyed by maxsize), so every request shares them.
        extensions=[
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
            lambda: AddValidationRules(LIMIT_RULES),
            CodedErrorMask,
        ],
    )
