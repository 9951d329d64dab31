"""The one base of every expected refusal in Gongshi: a stable code, a Chinese message, a field."""

from __future__ import annotations

from enum import StrEnum


class CommonErrorCode(StrEnum):
    """Codes every domain shares (each domain adds its own enum beside its errors)."""

    DOMAIN_ERROR = "DOMAIN_ERROR"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_INPUT = "INVALID_INPUT"
    CONFLICT = "CONFLICT"
    BAD_REQUEST = "BAD_REQUEST"
    # Another request changed the same rows first (a stale version, a unique key, a lock).
    CONCURRENT_UPDATE = "CONCURRENT_UPDATE"


class CodedError(Exception):
    """An expected refusal; the API renders it with its code and message, never as a 500."""

    code: StrEnum = CommonErrorCode.DOMAIN_ERROR

    def __init__(self, message: str, *, code: StrEnum | str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code  # type: ignore[assignment]
