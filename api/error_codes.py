"""Refusal codes of the API's own checks (IDs, cursors, regions, years, HTTP limits).

Part of the API contract: every member is a value of the GraphQL enum ``ErrorCode``, so a new
code shows in the schema file's diff.
"""

from __future__ import annotations

from enum import StrEnum


class ApiErrorCode(StrEnum):
    """Refusal codes of the API's own checks (IDs, cursors, regions, years, HTTP limits)."""

    BASE64_INVALID = "BASE64_INVALID"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    CATEGORY_UNKNOWN = "CATEGORY_UNKNOWN"
    CONCURRENT_UPDATE = "CONCURRENT_UPDATE"
    CURSOR_INVALID = "CURSOR_INVALID"
    ENTITY_NOT_FOUND = "ENTITY_NOT_FOUND"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FIRST_OUT_OF_RANGE = "FIRST_OUT_OF_RANGE"
    FORMAT_UNKNOWN = "FORMAT_UNKNOWN"
    ID_INVALID = "ID_INVALID"
    LOG_SIZE_INVALID = "LOG_SIZE_INVALID"
    RATE_LIMITED = "RATE_LIMITED"
    RATIO_OUT_OF_RANGE = "RATIO_OUT_OF_RANGE"
    REGION_CODE_INVALID = "REGION_CODE_INVALID"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    SYSTEM_ONLY = "SYSTEM_ONLY"
    TEMPLATE_NOT_FOUND = "TEMPLATE_NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    YEAR_INVALID = "YEAR_INVALID"
