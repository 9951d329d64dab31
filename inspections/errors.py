"""Domain errors: each has a stable machine code and a Chinese message for people."""

from __future__ import annotations


class DomainError(Exception):
    """An expected refusal; the API maps it to a typed error, never a 500."""

    code: str = "DOMAIN_ERROR"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it does (404 before 403)."""

    code = "NOT_FOUND"


class PermissionDenied(DomainError):
    """The caller may know the object exists but may not do this to it."""

    code = "FORBIDDEN"


class InvalidInput(DomainError):
    """The request itself is wrong: bad code, ratio, dates or category."""

    code = "INVALID_INPUT"


class Conflict(DomainError):
    """The request contradicts the current state: locked draw, published result, duplicate."""

    code = "CONFLICT"
