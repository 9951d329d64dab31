"""Domain errors: each has a stable machine code and a Chinese message for people."""

from __future__ import annotations

from schema.errors import CodedError, CommonErrorCode


class DomainError(CodedError):
    """An expected refusal; the API maps it to a typed error, never a 500."""


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does (404 before 403)."""

    code = CommonErrorCode.NOT_FOUND


class PermissionDenied(DomainError):
    """The caller may know the object exists but may not do this to it."""

    code = CommonErrorCode.FORBIDDEN


class InvalidInput(DomainError):
    """The request itself is wrong: bad code, ratio, dates or category."""

    code = CommonErrorCode.INVALID_INPUT


class Conflict(DomainError):
    """The request contradicts the current state: locked draw, published result, duplicate."""

    code = CommonErrorCode.CONFLICT
