"""Statistics of the demo data match counts worked out here from the raw rows (issue 6)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.dataset import load_demo
from inspections import statistics
from inspections.statistics import Scope
from schema.models import (
    Department,
    Draw,
    DrawEntry,
    Entity,
    InspectionResult,
    ResultCategory,
    Task,
    TaskDepartment,
)

TODAY = date(2022, 3, 1)


@dataclass
class Raw:
    """The rows the expectations are worked out from."""

    results: list[Any]
    drawn: list[Any]
    problem: set[str]
    parts: list[Any]


async def _raw(session: AsyncSession) -> Raw:
    results = (
        await session.execute(
            select(
                InspectionResult.id,
                InspectionResult.inspection_id,
                InspectionResult.task_id,
                InspectionResult.department_id,
                InspectionResult.status,
                InspectionResult.category_codes,
                InspectionResult.published_on,
                InspectionResult.publication_due,
                Entity.region_code,
            ).join(Entity, Entity.id == InspectionResult.entity_id)
        )
    ).all()
    drawn = (
        await session.execute(
            select(Draw.task_id, DrawEntry.entity_id, Entity.region_code)
            .join(DrawEntry, DrawEntry.draw_id == Draw.id)
            .join(Entity, Entity.id == DrawEntry.entity_id)
        )
    ).all()
    problem = {
        code
        for code, flag in (await session.execute(select(ResultCategory.code, ResultCategory.is_problem)))
        if flag
    }
    parts = (await session.execute(select(TaskDepartment.task_id, TaskDepartment.department_id))).all()
    return Raw(list(results), list(drawn), problem, list(parts))


def _expect(
    raw: Raw, *, tasks: set[int], region: str, department: int | None, public: bool
) -> dict[str, object]:
    """The summary figures, by plain loops over the raw rows."""
    rows = [
        r
        for r in raw.results
        if r.task_id in tasks
        and r.region_code.startswith(region)
        and (department is None or r.department_id == department)
        and (not public or r.status.value == "published")
    ]
    problem_rows = [r for r in rows if set(r.category_codes) & raw.problem]
    inspected = {r.inspection_id for r in rows}
    found = {r.inspection_id for r in problem_rows}
    my_tasks = tasks if department is None else {t for t, d in raw.parts if d == department and t in tasks}
    drawn = {(t, e) for t, e, reg in raw.drawn if t in my_tasks and reg.startswith(region)}
    categories: Counter[str] = Counter()
    for r in rows:
        categories.update(r.category_codes)
    return {
        "drawn": len(drawn),
        "results": len(rows),
        "inspected": len(inspected),
        "problem_results": len(problem_rows),
        "problem_entities": len(found),
        "rate": Fraction(len(found), len(inspected)) if inspected else Fraction(0),
        "by_category": dict(categories),
        "published_late": sum(
            1 for r in rows if r.published_on is not None and r.published_on > r.publication_due
        ),
        "overdue_unpublished": sum(1 for r in rows if r.published_on is None and r.publication_due < TODAY),
    }


def _got(row: statistics.SummaryRow) -> dict[str, object]:
    return {
        "drawn": row.drawn,
        "results": row.results,
        "inspected": row.inspected,
        "problem_results": row.problem_results,
        "problem_entities": row.problem_entities,
        "rate": row.problem_rate,
        "by_category": dict(row.by_category),
        "published_late": row.published_late,
        "overdue_unpublished": row.overdue_unpublished,
    }


@pytest.mark.parametrize("details", [True, False], ids=["with the detail table", "tables only"])
async def test_demo_statistics_match_independent_counts(session: AsyncSession, details: bool) -> None:
    """Both ways of counting: from the detail table's views (downloads) and from the result rows
    alone (the GraphQL queries)."""
    await load_demo(session)
    raw = await _raw(session)
    tasks = {t.name: t.id for t in await session.scalars(select(Task).where(Task.year == 2021))}
    departments = {d.code: d.id for d in await session.scalars(select(Department))}
    qhd = next(i for name, i in tasks.items() if name.startswith("秦皇岛"))
    cases = [
        (Scope(year=2021), set(tasks.values()), "", None),
        (Scope(task_id=qhd), {qhd}, "", None),
        (Scope(year=2021, region_code="130302"), set(tasks.values()), "130302", None),
        (
            Scope(year=2021, department_id=departments["532325-GA"]),
            set(tasks.values()),
            "",
            departments["532325-GA"],
        ),
    ]
    for scope, task_ids, region, department in cases:
        for public in (False, True):
            stats = await statistics.compute(session, scope, full=not public, today=TODAY, details=details)
            expected = _expect(raw, tasks=task_ids, region=region, department=department, public=public)
            assert _got(stats.total) == expected, (scope, public)
            assert stats.total.results > 0 or region == "130302"
    # Every department's line of the whole year, full figures.
    stats = await statistics.compute(session, Scope(year=2021), full=True, today=TODAY, details=details)
    assert (len(stats.details) > 0) == details
    for row in stats.summary:
        assert row.department_id is not None
        expected = _expect(
            raw, tasks=set(tasks.values()), region="", department=row.department_id, public=False
        )
        assert _got(row) == expected, row.department_name
    # The demo's shape: 秦皇岛's district bureaus join the city task, and some results are late.
    assert stats.total.published_late > 0 and stats.total.unpublished > 0
    assert sum(row.results for row in stats.summary) == stats.total.results
