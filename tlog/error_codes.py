"""Refusal codes of the public log (公示日志).

Part of the API contract: every member is a value of the GraphQL enum ``ErrorCode``.
"""

from __future__ import annotations

from enum import StrEnum


class LogErrorCode(StrEnum):
    """Refusal codes of the public log."""

    LOG_CHECKPOINT_MALFORMED = "LOG_CHECKPOINT_MALFORMED"
    LOG_FORK = "LOG_FORK"
    LOG_KEY_INVALID = "LOG_KEY_INVALID"
    LOG_KEY_MISSING = "LOG_KEY_MISSING"
    LOG_KEY_NAME_INVALID = "LOG_KEY_NAME_INVALID"
    LOG_NODE_MISSING = "LOG_NODE_MISSING"
    LOG_NOTE_MALFORMED = "LOG_NOTE_MALFORMED"
    LOG_NOT_INITIALISED = "LOG_NOT_INITIALISED"
    LOG_SHRANK = "LOG_SHRANK"
    LOG_SIGNATURE_INVALID = "LOG_SIGNATURE_INVALID"
    LOG_SIGNATURE_MISSING = "LOG_SIGNATURE_MISSING"
