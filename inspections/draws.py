"""Random draw of entities (随机抽取检查对象): committed, then revealed, then locked forever.

1. ``preview_draw``: the candidate list as it would be frozen, with what the guards found.
2. ``commit_draw``: the department publishes the SHA-256 of a seed it keeps secret; the candidate
   list is frozen and its SHA-256 published.
3. ``reveal_draw``: the seed is revealed, checked against its hash, and the list is drawn with
   ``gongshi-draw-v1`` and locked (seed 001 art.15, 002 art.8: 名单一经产生不得更改).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

import tlog
from inspections import audit, dispatch, draw_algorithm
from inspections.access import require_initiating
from inspections.calendar import load_calendar
from inspections.dispatch import authority_in_scope
from inspections.error_codes import InspectionErrorCode as Code
from inspections.errors import Conflict, InvalidInput, NotFound
from inspections.principals import Principal, PrincipalKind, Role
from inspections.withholding import disclose_when_inspections_end
from schema.base import utcnow
from schema.enums import DepartmentLevel, EntityKind, EntityStatus, TaskDepartmentRole, TaskStatus
from schema.models import (
    Department,
    Draw,
    DrawCandidate,
    DrawEntry,
    Entity,
    Inspection,
    InspectionItem,
    InspectionResult,
    Task,
    TaskDepartment,
    TaskItem,
)
from workdays import WorkCalendar, china_today


def inspection_missing() -> NotFound:
    """The answer for an inspection that does not exist or that the caller may not know of."""
    return NotFound("未找到该检查", code=Code.INSPECTION_NOT_FOUND)


# How many leading digits of the 6-digit division code a task's level keeps in scope.
SCOPE_DIGITS = {DepartmentLevel.COUNTY: 6, DepartmentLevel.CITY: 4, DepartmentLevel.PROVINCE: 2}
# "在同一年度内对同一检查对象的联合抽查次数一般不超过两次" (seed 001 art.10).
JOINT_INSPECTIONS_PER_YEAR = 2
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
DRAWERS = (Role.CLERK, Role.ADMIN)


@dataclass
class DrawPreview:
    """The candidate list a draw would freeze, and what the two guards found."""

    candidates: list[draw_algorithm.Candidate]
    sample_sizes: dict[int, int]
    # Entities refused: already in two joint inspections this year (seed 001 art.10).
    excluded: list[dict[str, Any]] = field(default_factory=list)
    # Candidates already inspected this year on one of the task's items (seed 002 art.20).
    flagged: list[dict[str, Any]] = field(default_factory=list)
    # Entities of the area left out by the task's scope rules, counted per reason (seed 003 三(一)).
    scope: dict[str, int] = field(default_factory=dict)
    # Candidates of a dispatched task without a 登记机关 the initiating department may dispatch to.
    undispatchable: list[str] = field(default_factory=list)
    # The task's registration cut-off, which the scope reasons name.
    registered_by: date | None = None

    def report(self) -> dict[str, Any]:
        """What is stored with the draw and shown to the department."""
        return {"excluded": self.excluded, "flagged": self.flagged, "scope": self.scope}


async def _task(session: AsyncSession, task_id: int) -> Task:
    task = await session.scalar(select(Task).where(Task.id == task_id).options(selectinload(Task.strata)))
    if task is None:
        raise NotFound("未找到该抽查任务", code=Code.TASK_NOT_FOUND)
    return task


async def _is_joint(session: AsyncSession, task_id: int) -> bool:
    participants = await session.scalar(
        select(func.count()).where(
            TaskDepartment.task_id == task_id, TaskDepartment.role == TaskDepartmentRole.PARTICIPATING
        )
    )
    return bool(participants)


async def _joint_inspections(
    session: AsyncSession, task: Task, entity_ids: list[int]
) -> dict[int, list[str]]:
    """Joint tasks of the same year, other than ``task``, each entity was drawn for."""
    joint = select(TaskDepartment.task_id).where(TaskDepartment.role == TaskDepartmentRole.PARTICIPATING)
    rows = await session.execute(
        select(DrawEntry.entity_id, Task.name)
        .join(Draw, Draw.id == DrawEntry.draw_id)
        .join(Task, Task.id == Draw.task_id)
        .where(
            DrawEntry.entity_id.in_(entity_ids),
            Task.year == task.year,
            Task.id != task.id,
            Task.id.in_(joint),
            Draw.locked.is_(True),
        )
    )
    found: dict[int, list[str]] = {}
    for entity_id, name in rows:
        found.setdefault(entity_id, []).append(name)
    return found


async def _same_item_results(
    session: AsyncSession, task: Task, entity_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Earlier results this year on the task's items for these entities (seed 002 art.20)."""
    items = await session.execute(
        select(InspectionItem.department_id, InspectionItem.code)
        .join(TaskItem, TaskItem.item_id == InspectionItem.id)
        .where(TaskItem.task_id == task.id)
    )
    keys = {(department, code) for department, code in items}
    if not keys:
        return {}
    joint = select(TaskDepartment.task_id).where(TaskDepartment.role == TaskDepartmentRole.PARTICIPATING)
    rows = await session.execute(
        select(
            InspectionResult.id,
            InspectionResult.entity_id,
            InspectionItem.department_id,
            InspectionItem.code,
            InspectionItem.name,
            Task.name,
        )
        .join(InspectionItem, InspectionItem.id == InspectionResult.item_id)
        .join(Task, Task.id == InspectionResult.task_id)
        .where(
            InspectionResult.entity_id.in_(entity_ids),
            InspectionResult.year == task.year,
            InspectionResult.task_id != task.id,
            InspectionResult.task_id.in_(joint),
        )
        .order_by(InspectionResult.id)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for result_id, entity_id, department_id, code, item_name, task_name in rows:
        if (department_id, code) in keys:
            found.setdefault(entity_id, []).append(
                {"resultId": result_id, "item": item_name, "task": task_name}
            )
    return found


KIND_LABELS = {
    EntityKind.ENTERPRISE_GROUP: "企业集团",
    EntityKind.FOREIGN_REPRESENTATIVE_OFFICE: "外国企业常驻代表机构和办事处",
}


def scope_rules_text(task: Task) -> str:
    """The task's scope rules in one Chinese sentence, as published (empty without rules)."""
    parts = []
    if task.registered_by is not None:
        parts.append(
            f"{task.registered_by.year}年{task.registered_by.month}月{task.registered_by.day}日（含）前登记注册"
        )
    if task.excluded_kinds:
        parts.append("不包括" + "、".join(KIND_LABELS[EntityKind(k)] for k in task.excluded_kinds))
    if task.dispatched:
        parts.append("由发起部门一次性抽取，按登记机关派发至承办部门实施")
    return "；".join(parts)


async def _preview(session: AsyncSession, task: Task) -> DrawPreview:
    prefix = task.region_code[: SCOPE_DIGITS[task.level]]
    rows = list(
        await session.execute(
            select(
                Entity.id,
                Entity.credit_code,
                Entity.name,
                Entity.entity_type,
                Entity.industry,
                Entity.registration_date,
                Entity.kind,
                Entity.registration_authority_id,
            )
            .where(Entity.status == EntityStatus.ACTIVE, Entity.region_code.startswith(prefix))
            .order_by(Entity.credit_code)
        )
    )
    excluded_kinds = set(task.excluded_kinds)
    # Seed 003 三(一): counted per reason, published with the draw (names are not published).
    scope: dict[str, int] = {}
    authorities: dict[int, Department] = {}
    initiating = await session.get(Department, task.initiating_department_id)
    assert initiating is not None
    if task.dispatched:
        wanted = {row.registration_authority_id for row in rows} - {None}
        authorities = {
            d.id: d for d in await session.scalars(select(Department).where(Department.id.in_(wanted)))
        }
    undispatchable: list[str] = []
    in_scope: list[tuple[int, str, str, int]] = []
    for entity_id, code, name, entity_type, industry, registered, kind, authority in rows:
        if task.registered_by is not None and (registered is None or registered > task.registered_by):
            reason = "registeredAfter" if registered is not None else "registrationDateUnknown"
            scope[reason] = scope.get(reason, 0) + 1
            continue
        if kind is not None and kind.value in excluded_kinds:
            scope[f"kind:{kind.value}"] = scope.get(f"kind:{kind.value}", 0) + 1
            continue
        for stratum in task.strata:
            if stratum.entity_type and stratum.entity_type != entity_type:
                continue
            if stratum.industry and stratum.industry != industry:
                continue
            in_scope.append((entity_id, code, name, stratum.position))
            if task.dispatched and not authority_in_scope(initiating, authorities.get(authority or 0)):
                undispatchable.append(code)
            break
    ids = [row[0] for row in in_scope]
    joint = await _is_joint(session, task.id)
    earlier = await _joint_inspections(session, task, ids) if joint else {}
    same_item = await _same_item_results(session, task, ids)
    preview = DrawPreview(
        candidates=[],
        sample_sizes={},
        scope=scope,
        undispatchable=undispatchable,
        registered_by=task.registered_by,
    )
    for entity_id, code, name, position in in_scope:
        if len(earlier.get(entity_id, [])) >= JOINT_INSPECTIONS_PER_YEAR:
            preview.excluded.append({"creditCode": code, "name": name, "jointTasks": earlier[entity_id]})
            continue
        preview.candidates.append(draw_algorithm.Candidate(position, code))
        if entity_id in same_item:
            preview.flagged.append({"creditCode": code, "name": name, "results": same_item[entity_id]})
    for stratum in task.strata:
        n = sum(1 for c in preview.candidates if c.stratum == stratum.position)
        preview.sample_sizes[stratum.position] = draw_algorithm.sample_size(n, stratum.ratio_bp)
    return preview


async def preview_draw(session: AsyncSession, *, by: Principal, task_id: int) -> DrawPreview:
    """What a draw of this task would start from; changes nothing."""
    await require_initiating(session, by, task_id, *DRAWERS)
    return await _preview(session, await _task(session, task_id))


async def commit_draw(
    session: AsyncSession, *, by: Principal, task_id: int, seed_sha256: str, platform_nonce: str | None = None
) -> Draw:
    """Freeze the candidate list and record the seed's hash, before anyone can know the outcome."""
    await require_initiating(session, by, task_id, *DRAWERS)
    digest = seed_sha256.strip().lower()
    if not SHA256_HEX.match(digest):
        raise InvalidInput(
            "种子哈希应为64位十六进制SHA-256值",
            code=Code.SEED_HASH_INVALID,
            field="seedSha256",
        )
    task = await _task(session, task_id)
    existing = await session.scalar(select(Draw).where(Draw.task_id == task.id))
    if existing is not None:
        code, message = (
            ("DRAW_LOCKED", "该任务的检查对象名单已抽取并锁定，不得更改")
            if existing.locked
            else ("DRAW_COMMITTED", "该任务已提交随机种子承诺，请揭示种子完成抽取")
        )
        raise Conflict(message, code=code)
    preview = await _preview(session, task)
    if not preview.candidates:
        raise Conflict("检查对象名录库中没有符合本任务范围的市场主体", code=Code.NO_CANDIDATES)
    if preview.undispatchable:
        # Checked before anything is frozen: after the reveal every drawn entity must have a
        # department to go to (seed 003 四(一): 按照登记机关…派发).
        shown = "、".join(preview.undispatchable[:5])
        raise Conflict(
            f"{len(preview.undispatchable)}个候选市场主体在名录库中没有本部门辖区内的登记机关，无法派发"
            f"（如{shown}）；请先在名录库中补全登记机关",
            code=Code.REGISTRATION_AUTHORITY_MISSING,
        )
    text = draw_algorithm.candidate_list_text(preview.candidates)
    # Only the system (demo data, tests) may fix the nonce, so its draws are reproducible.
    nonce = platform_nonce if platform_nonce and by.kind == PrincipalKind.SYSTEM else secrets.token_hex(32)
    draw = Draw(
        task_id=task.id,
        algorithm=draw_algorithm.ALGORITHM,
        seed_sha256=digest,
        candidates_sha256=draw_algorithm.sha256_hex(text),
        candidate_count=len(preview.candidates),
        seed=None,
        platform_nonce=nonce,
        platform_nonce_sha256=draw_algorithm.sha256_hex(nonce),
        locked=False,
        guard_report=preview.report(),
    )
    session.add(draw)
    await session.flush()
    session.add_all(
        DrawCandidate(draw_id=draw.id, line=line, stratum=c.stratum, credit_code=c.code)
        for line, c in enumerate(sorted(preview.candidates), start=1)
    )
    await session.flush()
    await tlog.log_draw_committed(session, draw)
    await audit.record(
        session,
        actor=by.actor,
        action="draw.commit",
        object_type="Task",
        object_id=task.id,
        after={
            "seedSha256": digest,
            "platformNonceSha256": draw.platform_nonce_sha256,
            "candidatesSha256": draw.candidates_sha256,
            "candidates": draw.candidate_count,
            "excluded": len(preview.excluded),
            "flagged": len(preview.flagged),
        },
    )
    return draw


async def frozen_candidates(session: AsyncSession, draw_id: int) -> list[draw_algorithm.Candidate]:
    """A draw's frozen candidate list, in canonical order."""
    rows = await session.execute(
        select(DrawCandidate.stratum, DrawCandidate.credit_code)
        .where(DrawCandidate.draw_id == draw_id)
        .order_by(DrawCandidate.line)
    )
    return [draw_algorithm.Candidate(stratum, code) for stratum, code in rows]


async def reveal_draw(
    session: AsyncSession,
    *,
    by: Principal,
    task_id: int,
    seed: str,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> Draw:
    """Reveal the committed seed, draw with it and lock the list.

    A dispatched task's inspections go at once to each entity's 登记机关 (inspections/dispatch.py),
    dispatched ``today`` (China's date by default) with the matching clock counted on ``calendar``.
    """
    await require_initiating(session, by, task_id, *DRAWERS)
    task = await _task(session, task_id)
    draw = await session.scalar(select(Draw).where(Draw.task_id == task.id))
    if draw is None:
        raise Conflict("请先提交随机种子的哈希承诺", code=Code.DRAW_NOT_COMMITTED)
    if draw.locked:
        raise Conflict("该任务的检查对象名单已抽取并锁定，不得更改", code=Code.DRAW_LOCKED)
    if len(seed) < 16:
        raise InvalidInput("随机种子至少16个字符", code=Code.SEED_TOO_SHORT, field="seed")
    if draw_algorithm.sha256_hex(seed) != draw.seed_sha256:
        raise InvalidInput("揭示的种子与事先公布的哈希不符", code=Code.SEED_MISMATCH, field="seed")
    candidates = await frozen_candidates(session, draw.id)
    combined = draw_algorithm.combined_seed(seed, draw.platform_nonce)
    drawn = draw_algorithm.select(combined, candidates, {s.position: s.ratio_bp for s in task.strata})
    ids = dict(
        (
            await session.execute(
                select(Entity.credit_code, Entity.id).where(Entity.credit_code.in_([c.code for c in drawn]))
            )
        ).all()
    )
    stratum_ids = {stratum.position: stratum.id for stratum in task.strata}
    inspections = []
    for position, candidate in enumerate(drawn, start=1):
        entity_id = ids[candidate.code]
        session.add(
            DrawEntry(
                draw_id=draw.id,
                entity_id=entity_id,
                stratum_id=stratum_ids[candidate.stratum],
                position=position,
            )
        )
        inspections.append(Inspection(task_id=task.id, entity_id=entity_id))
    session.add_all(inspections)
    if task.dispatched:
        await dispatch.dispatch_drawn(
            session,
            task=task,
            inspections=inspections,
            today=today or china_today(),
            calendar=calendar or await load_calendar(session),
        )
    draw.seed = seed
    draw.locked = True
    draw.drawn_at = utcnow()
    task.status = TaskStatus.DRAWN
    await session.flush()
    if not task.withhold_drawn_list:  # 不宜告知: the reveal is logged when the list is disclosed
        await tlog.log_draw_revealed(session, draw, len(drawn))
    await audit.record(
        session,
        actor=by.actor,
        action="draw.reveal",
        object_type="Task",
        object_id=task.id,
        after={
            "algorithm": draw.algorithm,
            "seed": seed,
            "platformNonce": draw.platform_nonce,
            "drawn": len(drawn),
        },
    )
    return draw


async def draw_entities(
    session: AsyncSession,
    *,
    by: Principal,
    task_id: int,
    seed: str,
    platform_nonce: str | None = None,
    today: date | None = None,
    calendar: WorkCalendar | None = None,
) -> Draw:
    """Commit and reveal in one step (demo data, tests): the same record as the two-step path."""
    if len(seed) < 16:
        raise InvalidInput("随机种子至少16个字符", code=Code.SEED_TOO_SHORT, field="seed")
    await commit_draw(
        session,
        by=by,
        task_id=task_id,
        seed_sha256=draw_algorithm.sha256_hex(seed),
        platform_nonce=platform_nonce,
    )
    return await reveal_draw(session, by=by, task_id=task_id, seed=seed, today=today, calendar=calendar)


async def record_inspection_dates(
    session: AsyncSession,
    *,
    by: Principal,
    inspection_id: int,
    inspected_on: date,
    ended_on: date,
    today: date,
) -> Inspection:
    """Record when an inspection took place and ended (the publication clock starts at the end).

    Recorded by the initiating department, or by the 承办部门 a dispatched inspection went to.
    Both dates fall within the task's period (its 抽查时间, seed 001 art.12) and neither is later
    than ``today``; the first inspection recorded moves the task from drawn to in progress.
    """
    inspection = await session.get(Inspection, inspection_id)
    if inspection is None:
        raise inspection_missing()
    # The initiating department, or the 承办部门 of a dispatched inspection (seed 003 四(一)).
    await dispatch.require_inspection_actor(session, by, inspection, *DRAWERS, missing=inspection_missing())
    if ended_on < inspected_on:
        raise InvalidInput("检查结束日期不能早于检查日期", code=Code.DATES_ORDER, field="endedOn")
    for field_name, label, value in (
        ("inspectedOn", "检查日期", inspected_on),
        ("endedOn", "检查结束日期", ended_on),
    ):
        if value > today:
            raise InvalidInput(f"{label}不能晚于今天", code=Code.DATE_IN_FUTURE, field=field_name)
    task = await session.get(Task, inspection.task_id)
    assert task is not None
    if inspected_on < task.period_start or ended_on > task.period_end:
        raise InvalidInput(
            f"检查日期须在任务的抽查时间内（{task.period_start.isoformat()}至{task.period_end.isoformat()}）",
            code=Code.OUTSIDE_TASK_PERIOD,
            field="inspectedOn" if inspected_on < task.period_start else "endedOn",
        )
    # Due dates were stored from the end date; moving it afterwards would move them silently.
    if await session.scalar(
        select(InspectionResult.id).where(InspectionResult.inspection_id == inspection.id).limit(1)
    ):
        raise Conflict("已录入检查结果，不能再修改检查日期", code=Code.RESULTS_EXIST)
    before = {"inspectedOn": str(inspection.inspected_on), "endedOn": str(inspection.ended_on)}
    inspection.inspected_on = inspected_on
    inspection.ended_on = ended_on
    if task.status == TaskStatus.DRAWN:
        task.status = TaskStatus.IN_PROGRESS
    await audit.record(
        session,
        actor=by.actor,
        action="inspection.dates",
        object_type="Inspection",
        object_id=inspection.id,
        before=before,
        after={"inspectedOn": inspected_on.isoformat(), "endedOn": ended_on.isoformat()},
    )
    await disclose_when_inspections_end(session, task=task, actor=by.actor, today=today)
    return inspection


async def scope_preview(session: AsyncSession, task_id: int) -> DrawPreview:
    """A task's candidates and guards without the caller check: for reads that check it themselves."""
    return await _preview(session, await _task(session, task_id))
