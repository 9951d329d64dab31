"""Refusals of a search request: a stable code for programs and a Chinese message for people."""

from __future__ import annotations

from schema.errors import CodedError
from search.error_codes import SearchErrorCode


class SearchInputError(CodedError, ValueError):
    """The query or a filter cannot be searched (empty, too long, no searchable text ...)."""

    def __init__(self, message: str, *, code: SearchErrorCode, field: str) -> None:
        super().__init__(message, code=code, field=field)
