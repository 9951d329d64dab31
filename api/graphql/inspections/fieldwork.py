"""Department mutations of the field work: the draws (双随机), teams, inspectors, recusals, inspections."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from api.error_codes import ApiErrorCode as Code
from api.graphql.context import Info
from api.graphql.core.errors import Errors
from api.graphql.core.ids import local_id
from api.graphql.core.transaction import execute
from api.graphql.inspections.common import own_department
from api.graphql.inspections.payloads import (
    DrawCommitment,
    EntityStatusChangeRecord,
    InspectionRecord,
    InspectorRecord,
    RecusalRecord,
    TeamMemberRecord,
    gid,
)
from api.graphql.nodes import EntityStatus, TaskNode
from inspections import directory, dispatch, draws, teams
from inspections.errors import InvalidInput, NotFound
from inspections.principals import Principal, Role
from schema import credit_code, models


@strawberry.type(description="任务的检查组")
class TeamList:
    """Every team member drawn for a task."""

    members: list[TeamMemberRecord]


TaskPayload: TypeAlias = Annotated[TaskNode | Errors, strawberry.union("TaskPayload")]
DrawCommitmentPayload: TypeAlias = Annotated[
    DrawCommitment | Errors, strawberry.union("DrawCommitmentPayload")
]
TeamPayload: TypeAlias = Annotated[TeamList | Errors, strawberry.union("TeamPayload")]
TeamMemberPayload: TypeAlias = Annotated[TeamMemberRecord | Errors, strawberry.union("TeamMemberPayload")]
InspectorPayload: TypeAlias = Annotated[InspectorRecord | Errors, strawberry.union("InspectorPayload")]
RecusalPayload: TypeAlias = Annotated[RecusalRecord | Errors, strawberry.union("RecusalPayload")]
InspectionPayload: TypeAlias = Annotated[InspectionRecord | Errors, strawberry.union("InspectionPayload")]
EntityStatusChangePayload: TypeAlias = Annotated[
    EntityStatusChangeRecord | Errors, strawberry.union("EntityStatusChangePayload")
]


@strawberry.type
class FieldworkMutation:
    """Draws, teams and inspections; each mutation is audited and answers a union of success and errors."""

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
                session,
                by=by,
                task_id=local_id(task_id, "Task", "taskId"),
                seed=seed,
                today=info.context.today(),
                calendar=await info.context.calendar(),
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

    @strawberry.mutation(
        description="承办部门为派发给本部门的检查对象随机匹配执法检查人员"
        "（派发后5个工作日内；seed 003 四(二)）；发起部门可指定承办部门代为匹配"
    )
    async def match_inspectors(
        self, info: Info, task_id: relay.GlobalID, department_id: relay.GlobalID | None = None
    ) -> TeamPayload:
        async def action(session: AsyncSession, by: Principal) -> list[models.TeamMember]:
            return await dispatch.match_inspectors(
                session,
                by=by,
                task_id=local_id(task_id, "Task", "taskId"),
                department_id=local_id(department_id, "Department", "departmentId")
                if department_id
                else None,
            )

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
                department_id=own_department(by, Role.ADMIN),
                badge_number=badge_number,
                name=name,
            )

        return await execute(info, action, InspectorRecord.from_row)

    @strawberry.mutation(description="停用或恢复本部门的执法检查人员（停用后不再被抽取或指派；管理员）")
    async def set_inspector_active(
        self, info: Info, inspector_id: relay.GlobalID, active: bool, reason: str
    ) -> InspectorPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Inspector:
            return await directory.set_inspector_active(
                session,
                by=by,
                inspector_id=local_id(inspector_id, "Inspector", "inspectorId"),
                active=active,
                reason=reason,
            )

        return await execute(info, action, InspectorRecord.from_row)

    @strawberry.mutation(description="更新名录库中市场主体的登记状态（注销、吊销等），注明日期和来源")
    async def change_entity_status(
        self,
        info: Info,
        credit_code_: Annotated[str, strawberry.argument(name="creditCode")],
        status: EntityStatus,
        changed_on: date,
        source: str,
    ) -> EntityStatusChangePayload:
        async def action(session: AsyncSession, by: Principal) -> models.EntityStatusChange:
            own_department(by, Role.CLERK, Role.ADMIN)  # the role first: the directory is not public
            entity = await directory.entity_in_directory(session, credit_code_, field="creditCode")
            return await directory.change_entity_status(
                session,
                by=by,
                entity_id=entity.id,
                status=status,
                changed_on=changed_on,
                source=source,
                today=info.context.today(),
            )

        return await execute(info, action, EntityStatusChangeRecord.from_row)

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
                raise NotFound("名录库中没有该市场主体", code=Code.ENTITY_NOT_FOUND, field="creditCode")
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
                today=info.context.today(),
            )

        return await execute(info, action, InspectionRecord.from_row)
