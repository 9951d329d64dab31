"""What the inspections mutations share."""

from __future__ import annotations

from api.error_codes import ApiErrorCode as Code
from inspections.access import require_department
from inspections.errors import InvalidInput
from inspections.principals import Principal, Role


def own_department(by: Principal, *roles: Role) -> int:
    """The caller's own department, for a mutation only a department's user may make."""
    department = require_department(by, *roles)
    if department is None:
        raise InvalidInput("系统调用不经由接口", code=Code.SYSTEM_ONLY)
    return department
