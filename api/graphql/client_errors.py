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
    (sa_exc.DataError, Code.ARGUMENT_INVALID, "输入超出字段允许的长度或格式"),
)


def _data_exception(exc: BaseException | None) -> bool:
    """A database refusal of a value (SQLSTATE class 22: text over a VARCHAR, a number overflow).

    The domain does not cap every field yet, so PostgreSQL's refusal is the caller's mistake;
    asyncpg's error reaches us as a generic DBAPIError with the SQLSTATE on the driver's error,
    or as asyncpg's own error from the statements sent to the driver directly (prefetch.py).
    """
    if not isinstance(exc, sa_exc.DBAPIError):
        # asyncpg's PostgresError carries ``sqlstate``; its DataError (a value it cannot encode
        # for a parameter, raised before sending) is a class 22 refusal too.
        module = type(exc).__module__ if exc is not None else ""
        if module.startswith("asyncpg"):
            if type(exc).__name__ == "DataError":
                return True
            return str(getattr(exc, "sqlstate", "") or "").startswith("22")
        return False
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        if str(getattr(candidate, "sqlstate", "") or "").startswith("22"):
            return True
    return False


def _client_error(error: GraphQLError) -> GraphQLError | None:
    original = error.original_error
    if _data_exception(original):
        return GraphQLError(
            "输入超出字段允许的长度或格式",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": Code.ARGUMENT_INVALID},
        )
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


def refusal_code(error: GraphQLError) -> str | None:
    """The code ``error`` answers with if it is a refusal (coded, a client error, GraphQL's own)."""
    original = error.original_error
    if error.extensions and error.extensions.get("code"):
        return str(error.extensions["code"])
    if isinstance(original, CodedError):
        return str(original.code)
    if _data_exception(original):
        return Code.ARGUMENT_INVALID
    for kind, code, _message in CLIENT_ERRORS:
        if isinstance(original, kind):
            return code
    if original is None or isinstance(original, GraphQLError):
        return "GRAPHQL"
    return None


class QuietSchema(strawberry.Schema):
    """strawberry's schema, logging an expected refusal as one line and a fault with its traceback.

    strawberry calls this before the extensions rewrite errors, so a client error is recognised
    here by its original exception as well.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            code = refusal_code(error)
            if code is None:
                StrawberryLogger.error(error, execution_context)
            else:
                log.info("refused %s at %s: %s", code, error.path, error.message[:200])
