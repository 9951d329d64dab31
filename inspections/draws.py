"""Random draw of entities (随机抽取检查对象): verifiable, and locked once made."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from inspections import audit, draw_algorithm
from inspections.errors import Conflict, InvalidInput, NotFound
from schema.enums import DepartmentLevel, EntityStatus, TaskStatus
from schema.models import Draw, DrawEntry, Entity, Inspection, Task

# How many leading digits of the 6-digit division code a task's level keeps in scope.
SCOPE_DIGITS = {DepartmentLevel.COUNTY: 6, DepartmentLevel.CITY: 4, DepartmentLevel.PROVINCE: 2}


async def _task_with_strata(session: AsyncSession, task_id: int) -> Task:
    task = await session.scalar(select(Task).where(Task.id == task_id).options(selectinload(Task.strata)))
    if task is None:
        raise NotFound("未找到该抽查任务", code="TASK_NOT_FOUND")
    return task


async def candidates_for(session: AsyncSession, task: Task) -> list[draw_algorithm.Candidate]:
    """The task's candidate list: active entities in scope, each in the first stratum it fits."""
    prefix = task.region_code[: SCOPE_DIGITS[task.level]]
    rows = await session.execute(
        select(Entity.credit_code, Entity.entity_type, Entity.industry)
        .where(Entity.status == EntityStatus.ACTIVE, Entity.region_code.startswith(prefix))
        .order_by(Entity.credit_code)
    )
    candidates = []
    for code, entity_type, industry in rows:
        for stratum in task.strata:
            if stratum.entity_type and stratum.entity_type != entity_type:
                continue
            if stratum.industry and stratum.industry != industry:
                continue
            candidates.append(draw_algorithm.Candidate(stratum.position, code))
            break
    return candidates


async def draw_entities(session: AsyncSession, *, actor: str, task_id: int, seed: str) -> Draw:
    """Draw the task's entities with ``seed`` and lock the list (seed 001 art.15, 002 art.8)."""
    if len(seed) < 16:
        raise InvalidInput("随机种子至少16个字符", code="SEED_TOO_SHORT", field="seed")
    task = await _task_with_strata(session, task_id)
    if await session.scalar(select(Draw.id).where(Draw.task_id == task.id)) is not None:
        raise Conflict("该任务的检查对象名单已抽取并锁定，不得更改", code="DRAW_LOCKED")
    candidates = await candidates_for(session, task)
    if not candidates:
        raise Conflict("检查对象名录库中没有符合本任务范围的市场主体", code="NO_CANDIDATES")
    ratios = {stratum.position: stratum.ratio_bp for stratum in task.strata}
    drawn = draw_algorithm.select(seed, candidates, ratios)
    draw = Draw(
        task_id=task.id,
        algorithm=draw_algorithm.ALGORITHM,
        seed_sha256=draw_algorithm.sha256_hex(seed),
        candidates_sha256=draw_algorithm.sha256_hex(draw_algorithm.candidate_list_text(candidates)),
        candidate_count=len(candidates),
        seed=seed,
    )
    session.add(draw)
    await session.flush()
    ids = dict(
        (
            await session.execute(
                select(Entity.credit_code, Entity.id).where(Entity.credit_code.in_([c.code for c in drawn]))
            )
        ).all()
    )
    stratum_ids = {stratum.position: stratum.id for stratum in task.strata}
    for position, candidate in enumerate(drawn, start=1):
        session.add(
            DrawEntry(
                draw_id=draw.id,
                entity_id=ids[candidate.code],
                stratum_id=stratum_ids[candidate.stratum],
                position=position,
            )
        )
        session.add(Inspection(task_id=task.id, entity_id=ids[candidate.code]))
    task.status = TaskStatus.DRAWN
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="draw.entities",
        object_type="Task",
        object_id=task.id,
        after={
            "algorithm": draw.algorithm,
            "seedSha256": draw.seed_sha256,
            "candidatesSha256": draw.candidates_sha256,
            "drawn": len(drawn),
        },
    )
    return draw


async def record_inspection_dates(
    session: AsyncSession, *, actor: str, inspection_id: int, inspected_on: date, ended_on: date
) -> Inspection:
    """Record when an inspection took place and ended (the publication clock starts at the end)."""
    inspection = await session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound("未找到该检查", code="INSPECTION_NOT_FOUND")
    if ended_on < inspected_on:
        raise InvalidInput("检查结束日期不能早于检查日期", code="DATES_ORDER", field="endedOn")
    inspection.inspected_on = inspected_on
    inspection.ended_on = ended_on
    await audit.record(
        session,
        actor=actor,
        action="inspection.dates",
        object_type="Inspection",
        object_id=inspection.id,
        after={"inspectedOn": inspected_on.isoformat(), "endedOn": ended_on.isoformat()},
    )
    return inspection
