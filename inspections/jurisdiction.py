"""Jurisdiction (管辖) by region code: a department acts within its region and its subordinates'.

Seed 001 art.3 and art.13: departments inspect within their own administrative area, and a superior
department may organise (and act for) its subordinates; seed 001 art.25: the directory's data are
used only for the purpose, so contact details leave only within jurisdiction. A department's area
is the prefix of its region code that its level spans: a province the first two digits, a city
four, a county all six.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import NotFound, PermissionDenied
from inspections.principals import Principal, PrincipalKind
from schema.enums import DepartmentLevel
from schema.models import Department

PREFIX_LENGTH = {DepartmentLevel.PROVINCE: 2, DepartmentLevel.CITY: 4, DepartmentLevel.COUNTY: 6}


def area_prefix(department: Department) -> str:
    """The region-code prefix of the department's area."""
    return department.region_code[: PREFIX_LENGTH[department.level]]


def covers(department: Department, region_code: str) -> bool:
    """Whether ``region_code`` (2, 4 or 6 digits) lies within the department's area."""
    return region_code.startswith(area_prefix(department))


async def caller_area(session: AsyncSession, by: Principal) -> str | None:
    """The caller's area prefix; None for the system (no limit), '' never."""
    if by.kind == PrincipalKind.SYSTEM or by.department_id is None:
        return None
    department = await session.get(Department, by.department_id)
    assert department is not None
    return area_prefix(department)


async def require_within(
    session: AsyncSession, by: Principal, region_code: str, *, field: str = "regionCode"
) -> None:
    """Refuse an act outside the caller's area (a superior's area holds its subordinates')."""
    area = await caller_area(session, by)
    if area is not None and not region_code.startswith(area):
        raise PermissionDenied(
            f"行政区划“{region_code}”不在本部门的管辖范围（{area}）内",
            code=Code.OUTSIDE_JURISDICTION,
            field=field,
        )


def department_missing() -> NotFound:
    """The answer for a department that does not exist or lies outside the caller's jurisdiction."""
    return NotFound("未找到该部门", code=Code.DEPARTMENT_NOT_FOUND, field="departmentId")


async def department_within(session: AsyncSession, by: Principal, department_id: int) -> Department:
    """A department the caller may name when acting for it: its own, or one within its area.

    Seed 001 art.13: a superior acts for its subordinates, never the reverse nor for a neighbour.
    One outside the area answers exactly as an invented one (it is not the caller's to know).
    """
    department = await session.get(Department, department_id)
    if department is None:
        raise department_missing()
    area = await caller_area(session, by)
    if area is not None and not department.region_code.startswith(area):
        raise department_missing()
    return department
