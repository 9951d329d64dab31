"""Refusals of a search request: a stable code for programs and a Chinese message for people."""

from __future__ import annotations


class SearchInputError(ValueError):
    """The query or a filter cannot be searched (empty, too long, no searchable text ...)."""

    def __init__(self, message: str, *, code: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
