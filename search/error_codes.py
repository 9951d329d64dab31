"""Refusal codes of a search request.

Part of the API contract: every member is a value of the GraphQL enum ``ErrorCode``, so a new
code shows in the schema file's diff.
"""

from __future__ import annotations

from enum import StrEnum


class SearchErrorCode(StrEnum):
    """Refusal codes of a search request."""

    SEARCH_QUERY_EMPTY = "SEARCH_QUERY_EMPTY"
    SEARCH_QUERY_TOO_LONG = "SEARCH_QUERY_TOO_LONG"
    SEARCH_QUERY_UNSEARCHABLE = "SEARCH_QUERY_UNSEARCHABLE"
