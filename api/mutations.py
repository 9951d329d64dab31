"""Department mutations: each opens its transaction, calls one use case, and answers a typed union.

Object-level rules live in the use cases (inspections/); here the caller is passed in, domain
errors become typed results, and the transaction commits only on success (nothing half-written).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeAlias, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from strawberry import relay

from api.context import Info
from api.data_mutations import DataMutation
from api.payloads import (
    ConflictError,
    DepartmentResult,
    DrawCommitment,
    FollowUpRecord,
    InspectionRecord,
    InspectorRecord,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PlanRecord,
    RecusalRecord,
    TeamMemberRecord,
    as_error,
    gid,
)
from api.types import InspectionItemNode, InspectionResultNode, TaskNode
from inspections import directory, draws, follow_ups, items, plans, results, teams
from inspections.access import require_department
from inspections.errors import Conflict, DomainError, InvalidInput, NotFound
from inspections.principals import Principal, Role
from schema import credit_code, enums, models

T = TypeVar("T")
Errors: TypeAlias = InvalidInputError | NotFoundError | PermissionDeniedError | ConflictError


@strawberry.type(description="任务的检查组")
class TeamList:
    """Every team member drawn for a task."""

    members: list[TeamMemberRecord]


ItemPayload: TypeAlias = Annotated[InspectionItemNode | Errors, strawberry.union("InspectionItemPayload")]
PlanPayload: TypeAlias = Annotated[PlanRecord | Errors, strawberry.union("PlanPayload")]
TaskPayload: TypeAlias = Annotated[TaskNode | Errors, strawberry.union("TaskPayload")]
DrawCommitmentPayload: TypeAlias = Annotated[
    DrawCommitment | Errors, strawberry.union("DrawCommitmentPayload")
]
TeamPayload: TypeAlias = Annotated[TeamList | Errors, strawberry.union("TeamPayload")]
TeamMemberPayload: TypeAlias = Annotated[TeamMemberRecord | Errors, strawberry.union("TeamMemberPayload")]
InspectorPayload: TypeAlias = Annotated[InspectorRecord | Errors, strawberry.union("InspectorPayload")]
RecusalPayload: TypeAlias = Annotated[RecusalRecord | Errors, strawberry.union("RecusalPayload")]
InspectionPayload: TypeAlias = Annotated[InspectionRecord | Errors, strawberry.union("InspectionPayload")]
ResultWorkPayload: TypeAlias = Annotated[DepartmentResult | Errors, strawberry.union("ResultWorkPayload")]
CorrectionPayload: TypeAlias = Annotated[InspectionResultNode | Errors, strawberry.union("CorrectionPayload")]
FollowUpPayload: TypeAlias = Annotated[FollowUpRecord | Errors, strawberry.union("FollowUpPayload")]


def local_id(value: relay.GlobalID, expected: str, field: str) -> int:
    """The database id inside a global ID of the ``expected`` type."""
    if value.type_name != expected or not value.node_id.isdigit():
        raise InvalidInput(f"{field} 应为 {expected} 的ID", code="ID_INVALID", field=field)
    return int(value.node_id)


async def execute(
    info: Info,
    action: Callable[[AsyncSession, Principal], Awaitable[T]],
    render: Callable[[T], Any],
) -> Any:
    """Run one use case in its own transaction; a domain error rolls everything back."""
    session = info.context.session
    # A fresh transaction that takes SQLite's write lock at once (BEGIN IMMEDIATE): a deferred one
    # that read before another writer committed could not write afterwards ("database is locked").
    await session.rollback()
    await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        try:
            value = await action(session, info.context.principal)
            await session.commit()
        except (StaleDataError, IntegrityError, OperationalError) as exc:
            raise _lost_race(exc) from exc
    except DomainError as exc:
        await session.rollback()
        await session.connection()
        return as_error(exc)
    except BaseException:
        await session.rollback()
        raise
    # Rendering may fan out into concurrent loaders: hold a connection for them first.
    await session.connection()
    return render(value)


def _lost_race(exc: Exception) -> DomainError:
    """Another request changed the same rows first; the caller may retry. Other errors stay errors."""
    if isinstance(exc, OperationalError) and "locked" not in str(exc.orig):
        raise exc
    return Conflict("该记录刚被其他请求修改，请刷新后重试", code="CONCURRENT_UPDATE")


def _own_department(by: Principal, *roles: Role) -> int:
    department = require_department(by, *roles)
    if department is None:
        raise InvalidInput("系统调用不经由接口", code="SYSTEM_ONLY")
    return department


def _ratio_bp(percent: Decimal, position: int) -> int:
    try:
        bp = percent * 100
    except InvalidOperation as exc:
        raise InvalidInput("抽查比例应为数字", code="RATIO_OUT_OF_RANGE", field="strata") from exc
    if bp != bp.to_integral_value() or not 0 < bp <= 10000:
        raise InvalidInput(
            f"第{position}个抽查比例应在0%（不含）到100%之间，最多两位小数，收到{percent}%",
            code="RATIO_OUT_OF_RANGE",
            field="strata",
        )
    return int(bp)


@strawberry.input(description="任务中的一个抽查事项及负责检查的部门")
class TaskItemInput:
    """An item and the department that checks it."""

    item_id: relay.GlobalID
    department_id: relay.GlobalID


@strawberry.input(description="抽查比例分层")
class StratumInput:
    """A stratum of the scope with its ratio in percent (e.g. 0.5 for 0.5%)."""

    name: str
    ratio_percent: Decimal
    entity_type: enums.EntityType | None = None
    industry: str | None = None


@strawberry.input(description="新建抽查任务")
class CreateTaskInput:
    """A joint task: who leads (the caller's department), who joins, what, at which ratios."""

    name: str
    participating_department_ids: list[relay.GlobalID]
    items: list[TaskItemInput]
    strata: list[StratumInput]
    period_start: date
    period_end: date
    level: enums.DepartmentLevel
    method: enums.InspectionMethod
    region_code: str
    scope: str = ""
    plan_id: relay.GlobalID | None = None


@strawberry.type
class Mutation(DataMutation):
    """What departments do; every mutation is audited and answers a union of success and errors."""

    @strawberry.mutation(description="新增抽查事项的一个版本（本部门）")
    async def create_inspection_item(
        self,
        info: Info,
        code: str,
        name: str,
        category: str,
        legal_basis: str,
        method: enums.InspectionMethod,
        effective_from: date,
        subject: str = "",
        content: str = "",
    ) -> ItemPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionItem:
            return await items.create_item_version(
                session,
                by=by,
                department_id=_own_department(by, Role.CLERK, Role.ADMIN),
                code=code,
                name=name,
                category=category,
                legal_basis=legal_basis,
                method=method,
                effective_from=effective_from,
                subject=subject,
                content=content,
            )

        return await execute(info, action, InspectionItemNode.from_row)

    @strawberry.mutation(description="停止使用抽查事项的当前版本")
    async def retire_inspection_item(
        self, info: Info, item_id: relay.GlobalID, effective_to: date
    ) -> ItemPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionItem:
            return await items.retire_item(
                session,
                by=by,
                item_id=local_id(item_id, "InspectionItem", "itemId"),
                effective_to=effective_to,
            )

        return await execute(info, action, InspectionItemNode.from_row)

    @strawberry.mutation(description="起草年度抽查计划（本部门）")
    async def create_plan(self, info: Info, year: int, title: str, description: str = "") -> PlanPayload:
        async def action(session: AsyncSession, by: Principal) -> models.AnnualPlan:
            return await plans.create_plan(
                session,
                by=by,
                department_id=_own_department(by, Role.CLERK, Role.ADMIN),
                year=year,
                title=title,
                description=description,
            )

        return await execute(info, action, PlanRecord.from_row)

    @strawberry.mutation(description="公布年度抽查计划；超过本辖区截止日期的标记为逾期")
    async def publish_plan(self, info: Info, plan_id: relay.GlobalID) -> PlanPayload:
        settings = info.context.settings

        async def action(session: AsyncSession, by: Principal) -> models.AnnualPlan:
            plan = await session.get(models.AnnualPlan, local_id(plan_id, "AnnualPlan", "planId"))
            deadline = None
            if plan is not None:
                department = await session.get(models.Department, plan.department_id)
                assert department is not None
                deadline = settings.plan_deadline(department.region_code, plan.year)
            return await plans.publish_plan(
                session, by=by, plan_id=plan.id if plan else -1, today=info.context.today(), deadline=deadline
            )

        return await execute(info, action, PlanRecord.from_row)

    @strawberry.mutation(description="新建抽查任务（本部门为发起部门）")
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Task:
            strata = [
                plans.StratumSpec(s.name, _ratio_bp(s.ratio_percent, n), s.entity_type, s.industry)
                for n, s in enumerate(input.strata, start=1)
            ]
            return await plans.create_task(
                session,
                by=by,
                name=input.name,
                initiating_department_id=_own_department(by, Role.CLERK, Role.ADMIN),
                participating_department_ids=[
                    local_id(d, "Department", "participatingDepartmentIds")
                    for d in input.participating_department_ids
                ],
                items=[
                    plans.TaskItemSpec(
                        local_id(i.item_id, "InspectionItem", "items"),
                        local_id(i.department_id, "Department", "items"),
                    )
                    for i in input.items
                ],
                strata=strata,
                period_start=input.period_start,
                period_end=input.period_end,
                level=input.level,
                method=input.method,
                region_code=input.region_code,
                scope=input.scope,
                plan_id=local_id(input.plan_id, "AnnualPlan", "planId") if input.plan_id else None,
            )

        return await execute(info, action, TaskNode.from_row)

    @strawberry.mutation(description="提交随机种子的SHA-256哈希并冻结候选名单（抽取第一步）")
    async def commit_draw(
        self, info: Info, task_id: relay.GlobalID, seed_sha256: str
    ) -> DrawCommitmentPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Draw:
            return await draws.commit_draw(
                session, by=by, task_id=local_id(task_id, "Task", "taskId"), seed_sha256=seed_sha256
            )

        return await execute(info, action, DrawCommitment.from_row)

    @strawberry.mutation(description="揭示随机种子，抽取并锁定检查对象名单（抽取第二步）")
    async def reveal_draw(self, info: Info, task_id: relay.GlobalID, seed: str) -> TaskPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Task:
            draw = await draws.reveal_draw(
                session, by=by, task_id=local_id(task_id, "Task", "taskId"), seed=seed
            )
            task = await session.get(models.Task, draw.task_id)
            assert task is not None
            return task

        return await execute(info, action, TaskNode.from_row)

    @strawberry.mutation(description="随机抽取执法检查人员组成检查组")
    async def draw_inspectors(self, info: Info, task_id: relay.GlobalID) -> TeamPayload:
        async def action(session: AsyncSession, by: Principal) -> list[models.TeamMember]:
            return await teams.draw_inspectors(session, by=by, task_id=local_id(task_id, "Task", "taskId"))

        return await execute(
            info, action, lambda rows: TeamList(members=[TeamMemberRecord.from_row(r) for r in rows])
        )

    @strawberry.mutation(description="按规定理由经批准调整更换检查人员（指派，不重新摇号）")
    async def replace_inspector(
        self,
        info: Info,
        team_member_id: relay.GlobalID,
        replacement_inspector_id: relay.GlobalID,
        reason: teams.ReplacementReason,
        approved_by: str,
    ) -> TeamMemberPayload:
        async def action(session: AsyncSession, by: Principal) -> models.TeamMember:
            return await teams.replace_inspector(
                session,
                by=by,
                team_member_id=local_id(team_member_id, "TeamMember", "teamMemberId"),
                replacement_inspector_id=local_id(
                    replacement_inspector_id, "Inspector", "replacementInspectorId"
                ),
                reason=reason,
                approved_by=approved_by,
            )

        return await execute(info, action, TeamMemberRecord.from_row)

    @strawberry.mutation(description="登记本部门执法检查人员（管理员）")
    async def register_inspector(self, info: Info, badge_number: str, name: str) -> InspectorPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Inspector:
            return await directory.register_inspector(
                session,
                by=by,
                department_id=_own_department(by, Role.ADMIN),
                badge_number=badge_number,
                name=name,
            )

        return await execute(info, action, InspectorRecord.from_row)

    @strawberry.mutation(description="登记执法回避")
    async def add_recusal(
        self,
        info: Info,
        inspector_id: relay.GlobalID,
        credit_code_: Annotated[str, strawberry.argument(name="creditCode")],
        reason: str,
    ) -> RecusalPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectorRecusal:
            try:
                code = credit_code.validate(credit_code_)
            except credit_code.InvalidCreditCode as exc:
                raise InvalidInput(exc.message, code=exc.code, field="creditCode") from exc
            entity = await directory.entity_by_code(session, code)
            if entity is None:
                raise NotFound("名录库中没有该市场主体", code="ENTITY_NOT_FOUND", field="creditCode")
            return await teams.add_recusal(
                session,
                by=by,
                inspector_id=local_id(inspector_id, "Inspector", "inspectorId"),
                entity_id=entity.id,
                reason=reason,
            )

        return await execute(
            info,
            action,
            lambda row: RecusalRecord(
                inspector_id=gid("Inspector", row.inspector_id),
                entity_id=gid("Entity", row.entity_id),
                reason=row.reason,
            ),
        )

    @strawberry.mutation(description="登记检查日期和检查结束日期（发起部门）")
    async def record_inspection(
        self, info: Info, inspection_id: relay.GlobalID, inspected_on: date, ended_on: date
    ) -> InspectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Inspection:
            return await draws.record_inspection_dates(
                session,
                by=by,
                inspection_id=local_id(inspection_id, "Inspection", "inspectionId"),
                inspected_on=inspected_on,
                ended_on=ended_on,
            )

        return await execute(info, action, InspectionRecord.from_row)

    @strawberry.mutation(description="录入本部门负责事项的检查结果（谁检查、谁录入）")
    async def enter_result(
        self,
        info: Info,
        inspection_id: relay.GlobalID,
        item_id: relay.GlobalID,
        category_codes: list[str],
        description: str,
    ) -> ResultWorkPayload:
        settings = info.context.settings

        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.enter_result(
                session,
                by=by,
                inspection_id=local_id(inspection_id, "Inspection", "inspectionId"),
                department_id=_own_department(by, Role.CLERK, Role.ADMIN),
                item_id=local_id(item_id, "InspectionItem", "itemId"),
                category_codes=category_codes,
                description=description,
                calendar=await info.context.calendar(),
                publication_working_days=settings.publication_working_days,
            )

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="上报检查结果审核")
    async def submit_result(self, info: Info, result_id: relay.GlobalID) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.submit_result(
                session, by=by, result_id=local_id(result_id, "InspectionResult", "resultId")
            )

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="审核通过并公示检查结果")
    async def approve_result(self, info: Info, result_id: relay.GlobalID) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.approve_result(
                session,
                by=by,
                result_id=local_id(result_id, "InspectionResult", "resultId"),
                today=info.context.today(),
            )

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="审核不通过，退回检查组重新核实")
    async def return_result(self, info: Info, result_id: relay.GlobalID, reason: str) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.return_result(
                session, by=by, result_id=local_id(result_id, "InspectionResult", "resultId"), reason=reason
            )

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="更正已公示的检查结果（本部门主要负责人）")
    async def correct_result(
        self, info: Info, result_id: relay.GlobalID, category_codes: list[str], description: str, reason: str
    ) -> CorrectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            version = await results.correct_result(
                session,
                by=by,
                result_id=local_id(result_id, "InspectionResult", "resultId"),
                category_codes=category_codes,
                description=description,
                reason=reason,
                today=info.context.today(),
            )
            row = await session.get(models.InspectionResult, version.result_id)
            assert row is not None
            return row

        return await execute(info, action, InspectionResultNode.from_row)

    @strawberry.mutation(description="登记移送有管辖权部门（形成结果之日起7个工作日内）")
    async def record_transfer(
        self, info: Info, result_id: relay.GlobalID, authority: str, transferred_on: date
    ) -> FollowUpPayload:
        async def action(session: AsyncSession, by: Principal) -> models.FollowUp:
            return await follow_ups.record_transfer(
                session,
                by=by,
                result_id=local_id(result_id, "InspectionResult", "resultId"),
                authority=authority,
                transferred_on=transferred_on,
                today=info.context.today(),
                calendar=await info.context.calendar(),
            )

        return await execute(info, action, FollowUpRecord.from_row)

    @strawberry.mutation(description="登记后续处理结果")
    async def record_follow_up_outcome(
        self, info: Info, follow_up_id: relay.GlobalID, outcome: str, on: date
    ) -> FollowUpPayload:
        async def action(session: AsyncSession, by: Principal) -> models.FollowUp:
            return await follow_ups.record_outcome(
                session,
                by=by,
                follow_up_id=local_id(follow_up_id, "FollowUp", "followUpId"),
                outcome=outcome,
                on=on,
                today=info.context.today(),
            )

        return await execute(info, action, FollowUpRecord.from_row)
