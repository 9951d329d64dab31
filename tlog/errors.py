"""The log's coded errors: a stable code and a Chinese message, as every domain's."""

from __future__ import annotations

from schema.errors import CodedError
from tlog.error_codes import LogErrorCode


class LogError(CodedError):
    """A refusal of the public log (公示日志), with a machine code and a Chinese message."""

    def __init__(self, message: str, *, code: LogErrorCode) -> None:
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return f"{self.message}（{self.code}）"
