"""How the pages read: GraphQL documents run in-process against the API's own schema.

The website holds no query of its own against the database: every page asks the public schema
(as an anonymous caller) through a :class:`PublicReader`, so what is public is defined once, in
the API. ``api/web_reader.py`` implements the protocol; tests may pass any other implementation.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.requests import Request


class ReadError(Exception):
    """A document the schema refused: a stable code and a Chinese message (e.g. a bad credit code)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class PublicReader(Protocol):
    """Runs a GraphQL document as the public (公众) and returns its ``data``, or raises ReadError."""

    async def query(self, request: Request, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The document's data; a refused document raises :class:`ReadError`."""
        ...
