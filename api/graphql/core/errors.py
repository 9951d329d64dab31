"""Errors of the GraphQL API: a Chinese message for people and a stable code for programs.

Two shapes, one source: a mutation answers an expected refusal as a typed member of its result
union (``UserError``); anything else that refuses (a query's argument, an ID) raises a coded error,
which :class:`CodedErrorMask` renders with ``extensions.code`` and ``field``. Everything unexpected
is masked as 服务器内部错误.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeAlias

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from api.error_codes import ApiErrorCode
from inspections.error_codes import InspectionErrorCode
from inspections.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from objections.error_codes import ObjectionErrorCode
from schema.credit_code import CreditCodeErrorCode
from schema.errors import CodedError, CommonErrorCode
from search.error_codes import SearchErrorCode
from tlog.error_codes import LogErrorCode
from web.error_codes import WebErrorCode

MASKED_MESSAGE = "服务器内部错误"


DOMAIN_CODES: tuple[type[StrEnum], ...] = (
    CommonErrorCode,
    CreditCodeErrorCode,
    ApiErrorCode,
    InspectionErrorCode,
    ObjectionErrorCode,
    SearchErrorCode,
    LogErrorCode,
    WebErrorCode,
)

# One GraphQL enum of every domain's codes (a code two domains share is one value): a code added to
# any domain's enum shows in the schema file's diff.
ErrorCode = StrEnum(  # type: ignore[misc]  # members come from every domain's enum
    "ErrorCode", {value: value for value in sorted({member.value for e in DOMAIN_CODES for member in e})}
)
strawberry.enum(ErrorCode, description="稳定的错误码：各领域错误码的合集，供程序判断")


class BadRequest(CodedError):
    """A query argument is wrong (an ID, a region code, a year, a cursor)."""


@strawberry.interface(description="可预期的错误：稳定的错误码和中文说明")
class UserError:
    """An expected refusal."""

    code: str = strawberry.field(deprecation_reason="请改用 errorCode（枚举，取值相同）")
    message: str
    field: str | None

    @strawberry.field(description="稳定的错误码")
    def error_code(self) -> ErrorCode:
        return ErrorCode(str(self.code))


@strawberry.type(description="输入有误")
class InvalidInputError(UserError):
    """The request itself is wrong."""


@strawberry.type(description="对象不存在，或无权知道其存在")
class NotFoundError(UserError):
    """404 before 403: a stranger learns nothing."""


@strawberry.type(description="无权执行此操作")
class PermissionDeniedError(UserError):
    """The caller may see the object but not do this."""


@strawberry.type(description="与当前状态冲突（如名单已锁定、结果已公示）")
class ConflictError(UserError):
    """The request contradicts the object's state."""


Errors: TypeAlias = InvalidInputError | NotFoundError | PermissionDeniedError | ConflictError

ERROR_TYPES: list[tuple[type[DomainError], Any]] = [
    (InvalidInput, InvalidInputError),
    (NotFound, NotFoundError),
    (PermissionDenied, PermissionDeniedError),
    (Conflict, ConflictError),
]


def as_error(exc: DomainError) -> Errors:
    """The GraphQL error type of a domain error."""
    for domain_type, graphql_type in ERROR_TYPES:
        if isinstance(exc, domain_type):
            result: Errors = graphql_type(code=exc.code, message=exc.message, field=exc.field)
            return result
    return ConflictError(code=exc.code, message=exc.message, field=exc.field)


def coded_error(error: GraphQLError, exc: CodedError) -> GraphQLError:
    """``error`` rendered with the coded error's message, ``extensions.code`` and ``field``."""
    extensions: dict[str, Any] = {"code": str(exc.code)}
    if exc.field:
        extensions["field"] = exc.field
    return GraphQLError(
        exc.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


class CodedErrorMask(MaskErrors):
    """Coded errors reach the caller with their code; GraphQL's own errors as they are; others masked."""

    def __init__(self) -> None:
        super().__init__(error_message=MASKED_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            original = error.original_error
            if isinstance(original, CodedError):
                processed.append(coded_error(error, original))
            elif original is None or isinstance(original, GraphQLError):
                processed.append(error)
            else:
                processed.append(self.anonymise_error(error))
        return processed
