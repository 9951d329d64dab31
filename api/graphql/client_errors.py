"""Client mistakes that libraries raise as plain exceptions, given a code instead of the mask.

A global ID of a type that is not a node, a decimal beyond any range (``1e999999``), a string
SQLite or PostgreSQL cannot store: each is the caller's mistake, so it answers with a code (and
``node(id)`` of a non-node type answers null, as for any missing object). And expected refusals
are logged as one line; only the unexpected keep strawberry's traceback.
"""

from __future__ import annotations

import decimal
import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import exc as sa_exc
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from api.error_codes import ApiErrorCode as Code
from schema.errors import CodedError

log = logging.getLogger("gongshi.graphql")

# Library exceptions that only a client's input raises, with the code they answer.
CLIENT_ERRORS: tuple[tuple[type[Exception], str, str], ...] = (
    (GlobalIDValueError, Code.ID_INVALID, "ID 无效"),
    (decimal.InvalidOperation, Code.ARGUMENT_INVALID, "数值超出范围"),
    (UnicodeEncodeError, Code.ARGUMENT_INVALID, "文本含有无效字符"),
    # A value the column cannot hold (text over a VARCHAR's length on PostgreSQL): the domain
    # does not cap every field yet, so the database's refusal is answered as the caller's mistake.
    (sa_exc.DataError, Code.ARGUMENT_INVALID, "输入超出字段允许的长度或格式"),
)


def _client_error(error: GraphQLError) -> GraphQLError | None:
    original = error.original_error
    for kind, code, message in CLIENT_ERRORS:
        if isinstance(original, kind):
            return GraphQLError(
                message, nodes=error.nodes, path=error.path, original_error=None, extensions={"code": code}
            )
    return None


class ClientErrorCodes(SchemaExtension):
    """Rewrites the errors of :data:`CLIENT_ERRORS` before the mask sees them."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        kept: list[GraphQLError] = []
        for error in errors:
            if (
                isinstance(error.original_error, GlobalIDValueError)
                and error.path is not None
                and list(error.path) == ["node"]
            ):
                continue  # node(id) of a type that is not a node: null, as a missing object
            kept.append(_client_error(error) or error)
        assert result is not None
        result.errors = kept or None


def expected(error: GraphQLError) -> bool:
    """Whether ``error`` is a refusal (coded, or GraphQL's own), not a fault."""
    original = error.original_error
    return (
        original is None
        or isinstance(original, CodedError | GraphQLError)
        or bool(error.extensions and error.extensions.get("code"))
    )


class QuietSchema(strawberry.Schema):
    """strawberry's schema, logging an expected refusal as one line and a fault with its traceback."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if expected(error):
                code: Any = (error.extensions or {}).get("code") or getattr(error.original_error, "code", "")
                log.info("refused %s at %s: %s", code, error.path, error.message[:200])
            else:
                StrawberryLogger.error(error, execution_context)
