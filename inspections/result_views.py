"""Department views of results (部门视图): a result with its task, team, follow-up and categories.

Built in batches (one query per related table, whatever the number of results) for the mutual
recognition queries (互认) and the statistics tables; never exposed to the public.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schema.enums import ResultStatus, TaskDepartmentRole, TeamRole
from schema.models import (
    Department,
    Entity,
    FollowUp,
    Inspection,
    InspectionItem,
    InspectionResult,
    Inspector,
    ResultCategory,
    Task,
    TaskDepartment,
    TeamMember,
)

STATUS_LABELS = {
    ResultStatus.DRAFT: "草稿",
    ResultStatus.UNDER_REVIEW: "审核中",
    ResultStatus.RETURNED: "已退回",
    ResultStatus.PUBLISHED: "已公示",
}


@dataclass(frozen=True)
class TeamView:
    """One inspector of the team (检查小组), by department: names are for departments only."""

    inspector_name: str
    badge_number: str
    department_id: int
    department_name: str
    role: TeamRole
    replaced: bool


@dataclass(frozen=True)
class FollowUpView:
    """The transfer (移送) of a problem and its outcome (后续处理结果)."""

    authority: str
    transfer_due: date
    transferred_on: date | None
    outcome: str | None
    outcome_on: date | None


@dataclass
class ResultView:
    """One result as any department may see it for mutual recognition (seed 001 art.24)."""

    result_id: int
    inspection_id: int
    entity_id: int
    credit_code: str
    entity_name: str
    region_code: str
    task_id: int
    task_name: str
    task_year: int
    joint: bool
    initiating_department_name: str
    department_id: int
    department_name: str
    item_code: str
    item_name: str
    status: ResultStatus
    category_codes: list[str]
    category_labels: list[str]
    problem: bool
    without_inspection_only: bool
    description: str
    internal_note: str
    inspected_on: date | None
    ended_on: date | None
    publication_due: date | None
    published_on: date | None
    version: int
    team: list[TeamView] = field(default_factory=list)
    follow_up: FollowUpView | None = None

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return STATUS_LABELS[self.status]


async def categories_by_code(session: AsyncSession) -> dict[str, ResultCategory]:
    """The newest version of every result category, by code."""
    found: dict[str, ResultCategory] = {}
    for row in await session.scalars(select(ResultCategory).order_by(ResultCategory.version)):
        found[row.code] = row
    return found


async def joint_task_ids(session: AsyncSession, task_ids: Sequence[int]) -> set[int]:
    """Which of these tasks are joint: at least one participating department (参与部门)."""
    if not task_ids:
        return set()
    found: set[int] = set()
    for part in chunks(set(task_ids)):
        found.update(
            await session.scalars(
                select(TaskDepartment.task_id).where(
                    TaskDepartment.task_id.in_(part),
                    TaskDepartment.role == TaskDepartmentRole.PARTICIPATING,
                )
            )
        )
    return found


M = TypeVar("M", Task, Entity, InspectionItem, Inspection, Department)


# Ids per IN list: SQLite allows 32,766 bound values in a statement, asyncpg 32,767; a year's
# statistics at a million results asks about 167,000 results.
CHUNK = 5000


def chunks(ids: Collection[int]) -> Iterator[list[int]]:
    """``ids`` in lists of at most CHUNK, for IN lists of any length."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


async def _by_id(session: AsyncSession, model: type[M], ids: set[int]) -> dict[int, M]:
    found: dict[int, M] = {}
    for part in chunks(ids):
        found.update((row.id, row) for row in await session.scalars(select(model).where(model.id.in_(part))))
    return found


async def build_views(
    session: AsyncSession, results: Sequence[InspectionResult], *, with_team: bool = True
) -> list[ResultView]:
    """The department views of ``results``, in the same order."""
    if not results:
        return []
    tasks = await _by_id(session, Task, {r.task_id for r in results})
    entities = await _by_id(session, Entity, {r.entity_id for r in results})
    item_rows = await _by_id(session, InspectionItem, {r.item_id for r in results})
    inspections = await _by_id(session, Inspection, {r.inspection_id for r in results})
    department_ids = {r.department_id for r in results} | {t.initiating_department_id for t in tasks.values()}
    teams: dict[int, list[TeamView]] = defaultdict(list)
    if with_team:
        members = [
            row
            for part in chunks(inspections)
            for row in await session.execute(
                select(TeamMember, Inspector)
                .join(Inspector, Inspector.id == TeamMember.inspector_id)
                .where(TeamMember.inspection_id.in_(part))
                .order_by(TeamMember.inspection_id, TeamMember.id)
            )
        ]
        department_ids |= {member.department_id for member, _ in members}
    departments = await _by_id(session, Department, department_ids)
    if with_team:
        for member, inspector in members:
            teams[member.inspection_id].append(
                TeamView(
                    inspector_name=inspector.name,
                    badge_number=inspector.badge_number,
                    department_id=member.department_id,
                    department_name=departments[member.department_id].name,
                    role=member.role,
                    replaced=member.replaced_by_id is not None,
                )
            )
    follow_ups = {
        row.result_id: row
        for part in chunks([r.id for r in results])
        for row in await session.scalars(select(FollowUp).where(FollowUp.result_id.in_(part)))
    }
    joint = await joint_task_ids(session, list(tasks))
    categories = await categories_by_code(session)
    views = []
    for r in results:
        task, entity, item, inspection = (
            tasks[r.task_id],
            entities[r.entity_id],
            item_rows[r.item_id],
            inspections[r.inspection_id],
        )
        known = [categories[c] for c in r.category_codes if c in categories]
        follow_up = follow_ups.get(r.id)
        views.append(
            ResultView(
                result_id=r.id,
                inspection_id=r.inspection_id,
                entity_id=entity.id,
                credit_code=entity.credit_code,
                entity_name=entity.name,
                region_code=entity.region_code,
                task_id=task.id,
                task_name=task.name,
                task_year=task.year,
                joint=task.id in joint,
                initiating_department_name=departments[task.initiating_department_id].name,
                department_id=r.department_id,
                department_name=departments[r.department_id].name,
                item_code=item.code,
                item_name=item.name,
                status=r.status,
                category_codes=list(r.category_codes),
                category_labels=[c.label for c in known],
                problem=any(c.is_problem for c in known),
                without_inspection_only=bool(known) and all(c.without_inspection for c in known),
                description=r.description,
                internal_note=r.internal_note,
                inspected_on=inspection.inspected_on,
                ended_on=inspection.ended_on,
                publication_due=r.publication_due,
                published_on=r.published_on,
                version=r.current_version,
                team=teams.get(r.inspection_id, []),
                follow_up=FollowUpView(
                    authority=follow_up.authority,
                    transfer_due=follow_up.transfer_due,
                    transferred_on=follow_up.transferred_on,
                    outcome=follow_up.outcome,
                    outcome_on=follow_up.outcome_on,
                )
                if follow_up is not None
                else None,
            )
        )
    return views
