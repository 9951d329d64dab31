"""Refusal codes of the workspaces' own checks (form tokens, unreadable forms).

Part of the contract like every domain's codes: each is a value of the GraphQL enum ``ErrorCode``.
"""

from __future__ import annotations

from enum import StrEnum


class WebErrorCode(StrEnum):
    """Refusal codes of the workspaces' own checks."""

    CSRF_INVALID = "CSRF_INVALID"  # a form post without this browser's form token
    FORM_INVALID = "FORM_INVALID"  # a form the server will not read (too many files or fields)
    CHOICE_REQUIRED = "CHOICE_REQUIRED"  # a form's required choice (a decision, a reason) not made
    DATE_INVALID = "DATE_INVALID"  # a date field that is not a date (YYYY-MM-DD)
