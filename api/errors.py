"""Errors of the read API: a Chinese message for people and a stable code for programs."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class BadRequest(GraphQLError):
    """A query argument is wrong; rendered with ``extensions.code`` (and ``field`` when known)."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        extensions: dict[str, Any] = {"code": code}
        if field:
            extensions["field"] = field
        super().__init__(message, extensions=extensions)
        self.code = code
