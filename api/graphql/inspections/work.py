"""Queries only a department's own users can make: what a draw would start from, and what is late."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, TypeAlias

import strawberry
from strawberry import relay

from api.error_codes import ApiErrorCode as ApiCode
from api.graphql.context import Info
from api.graphql.core.errors import BadRequest, Errors, as_error
from api.graphql.core.ids import gid, local_id
from api.graphql.core.pagination import decode_cursor, encode_cursor, page_size
from api.graphql.inspections.payloads import DepartmentResult, DrawPreviewRecord
from inspections import dispatch, draws, work
from inspections.errors import DomainError
from schema import enums

DrawPreviewPayload: TypeAlias = Annotated[DrawPreviewRecord | Errors, strawberry.union("DrawPreviewPayload")]
LateResultsPayload: TypeAlias = Annotated["LateResults | Errors", strawberry.union("LateResultsPayload")]
ResultWorkListPayload: TypeAlias = Annotated[
    "ResultWorkList | Errors", strawberry.union("ResultWorkListPayload")
]
TaskInspectionsPayload: TypeAlias = Annotated[
    "TaskInspectionPage | Errors", strawberry.union("TaskInspectionsPayload")
]

strawberry.enum(work.ResultAction, description="待办：上报（SUBMIT）、修改后再上报（REVISE）、审核（REVIEW）")


@strawberry.type(description="工作清单中的一条检查结果")
class ResultWorkEntry:
    """A result the caller is to act on, with its publication clock."""

    action: work.ResultAction
    result: DepartmentResult
    remaining_working_days: int | None = strawberry.field(
        description="距公示期限的工作日数（期限当日为0，逾期为负）"
    )
    overdue: bool = strawberry.field(description="已过公示期限")


@strawberry.type(description="本人的检查结果工作清单（按公示期限排序，最多500条）")
class ResultWorkList:
    """What the caller's role has to do next."""

    entries: list[ResultWorkEntry]


@strawberry.type(
    name="TeamMember",
    description="检查组成员及其执法检查人员（不公开；node(id) 仅发起部门及成员所属部门可查）",
)
class TeamSeatRecord(relay.Node):
    """A team member with the inspector's name and badge: what recordInspection and replaceInspector need."""

    id: relay.NodeID[int] = strawberry.field(description="检查组成员ID（replaceInspector 的 teamMemberId）")
    inspector_id: relay.GlobalID
    inspector_name: str
    badge_number: str
    department_id: relay.GlobalID
    role: enums.TeamRole
    replaced: bool
    replacement_reason: str | None

    @classmethod
    def from_seat(cls, seat: work.TeamSeat) -> TeamSeatRecord:
        return cls(
            id=seat.member.id,
            inspector_id=gid("Inspector", seat.inspector.id),
            inspector_name=seat.inspector.name,
            badge_number=seat.inspector.badge_number,
            department_id=gid("Department", seat.member.department_id),
            role=seat.member.role,
            replaced=seat.member.replaced_by_id is not None,
            replacement_reason=seat.member.replacement_reason,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TeamSeatRecord | None]:
        found = []
        for node_id in node_ids:
            seat = (
                await work.team_seat(info.context.session, by=info.context.principal, member_id=int(node_id))
                if str(node_id).isdigit()
                else None
            )
            found.append(cls.from_seat(seat) if seat is not None else None)
        return found


@strawberry.type(description="被检查对象（部门视图）")
class InspectedEntity:
    """The entity of an inspection, as the task's departments know it."""

    id: relay.GlobalID
    name: str
    credit_code: str


@strawberry.type(
    name="Inspection",
    description="任务中的一户检查：检查日期、检查组、本部门可见的检查结果（node(id) 仅任务的部门可查）",
)
class TaskInspection(relay.Node):
    """One drawn entity's inspection, with the IDs the next steps need."""

    id: relay.NodeID[int] = strawberry.field(
        description="检查ID（recordInspection、enterResult 的 inspectionId）"
    )
    task_id: relay.GlobalID = strawberry.field(description="所属抽查任务ID")
    entity: InspectedEntity
    inspected_on: date | None
    ended_on: date | None
    team: list[TeamSeatRecord]
    results: list[DepartmentResult]
    assigned_department_id: relay.GlobalID | None = strawberry.field(
        description="承办部门（派发任务：检查对象登记机关所在部门）"
    )
    dispatched_on: date | None = strawberry.field(description="派发日期")
    matching_due: date | None = strawberry.field(description="执法检查人员匹配期限（派发后5个工作日）")
    matching_due_provisional: bool = strawberry.field(
        description="期限所在年度的节假日安排尚未公布，期限暂定"
    )
    record_form_url: str = strawberry.field(
        description="《随机抽查联合检查记录表》PDF的下载地址（GET，带本部门令牌；每次下载记入审计）"
    )
    notice_url: str = strawberry.field(
        description="《告知书》PDF的地址（POST，录入或管理员；每份印有新签发的一次性激活码，记入审计；"
        "?validDays=1-180，默认60；不宜告知的任务不发放）"
    )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TaskInspection | None]:
        found = []
        for node_id in node_ids:
            one = (
                await work.inspection_work(
                    info.context.session, by=info.context.principal, inspection_id=int(node_id)
                )
                if str(node_id).isdigit()
                else None
            )
            found.append(_task_inspection(one) if one is not None else None)
        return found


@strawberry.type(description="任务的检查清单（按抽取顺序分页）")
class TaskInspectionPage:
    """A page of a task's inspections."""

    items: list[TaskInspection]
    end_cursor: str | None
    has_next_page: bool


def _task_inspection(found: work.InspectionWork) -> TaskInspection:
    inspection, entity = found.inspection, found.entity
    return TaskInspection(
        id=inspection.id,
        task_id=gid("Task", inspection.task_id),
        entity=InspectedEntity(id=gid("Entity", entity.id), name=entity.name, credit_code=entity.credit_code),
        inspected_on=inspection.inspected_on,
        ended_on=inspection.ended_on,
        team=[TeamSeatRecord.from_seat(seat) for seat in found.team],
        results=[DepartmentResult.from_row(r) for r in found.results],
        assigned_department_id=gid("Department", inspection.assigned_department_id)
        if inspection.assigned_department_id
        else None,
        dispatched_on=inspection.dispatched_on,
        matching_due=inspection.matching_due,
        matching_due_provisional=inspection.matching_due_provisional,
        record_form_url=f"/inspections/{inspection.id}/record-form.pdf",
        notice_url=f"/inspections/{inspection.id}/notice.pdf",
    )


strawberry.enum(
    dispatch.DispatchAction,
    description="派发检查的下一步：匹配执法检查人员（MATCH）、实施检查并记录日期（RECORD）、录入结果（ENTER）",
)


@strawberry.type(description="派发工作清单中的一户检查")
class DispatchWorkEntry:
    """A dispatched inspection, its next step and the clock of that step."""

    action: dispatch.DispatchAction
    inspection_id: relay.GlobalID = strawberry.field(
        description="检查ID（recordInspection、enterResult 的 inspectionId）"
    )
    task_id: relay.GlobalID = strawberry.field(
        description="任务ID（matchInspectors、taskInspections 的 taskId）"
    )
    task_name: str
    entity: InspectedEntity
    department_id: relay.GlobalID = strawberry.field(description="承办部门")
    dispatched_on: date | None
    matching_due: date | None = strawberry.field(description="执法检查人员匹配期限（派发后5个工作日）")
    matching_due_provisional: bool
    step_due: date | None = strawberry.field(
        description="下一步的期限：匹配（MATCH）为匹配期限；检查（RECORD）为任务期间截止日；"
        "录入（ENTER）为按任务公示期限自检查结束日起算的公示截止日"
    )
    step_due_provisional: bool = strawberry.field(
        description="下一步期限所在年度的节假日安排尚未公布，期限暂定"
    )
    remaining_working_days: int | None = strawberry.field(
        description="距下一步期限（stepDue）的工作日数（期限当日为0，逾期为负；无期限为空）"
    )
    overdue: bool = strawberry.field(description="已过下一步的期限仍未完成")


@strawberry.type(
    description="派发工作清单（承办部门：派发给本部门的；发起部门：本部门派发任务的全部），按匹配期限排序，最多500条"
)
class DispatchWorkList:
    """Dispatched inspections not yet done."""

    entries: list[DispatchWorkEntry]


DispatchWorkListPayload: TypeAlias = Annotated[
    DispatchWorkList | Errors, strawberry.union("DispatchWorkListPayload")
]


@strawberry.type(description="本部门逾期的检查结果（seed 001 art.29：未在规定时间内录入的视为未完成任务）")
class LateResults:
    """Results of the caller's department past their publication due date."""

    unpublished: list[DepartmentResult] = strawberry.field(description="已过公示期限仍未公示")
    published_late: list[DepartmentResult] = strawberry.field(description="逾期公示")


@strawberry.type
class DepartmentQuery:
    """Department-only reads; the public and entities get a typed refusal."""

    @strawberry.field(description="抽取预览：候选名单规模、各层抽取数量，以及守则排除和提示的主体")
    async def draw_preview(self, info: Info, task_id: relay.GlobalID) -> DrawPreviewPayload:
        try:
            preview = await draws.preview_draw(
                info.context.session, by=info.context.principal, task_id=local_id(task_id, "Task", "taskId")
            )
        except DomainError as exc:
            return as_error(exc)
        return DrawPreviewRecord.from_preview(preview)

    @strawberry.field(
        description="本人的检查结果工作清单：录入员上报草稿、修改被退回的结果；审核员审核本部门的部分和发起任务的全部"
    )
    async def result_work_list(self, info: Info) -> ResultWorkListPayload:
        try:
            today = info.context.today()
            entries = await work.result_work(
                info.context.session,
                by=info.context.principal,
                today=today,
                calendar=await info.context.calendar(),
            )
        except DomainError as exc:
            return as_error(exc)
        return ResultWorkList(
            entries=[
                ResultWorkEntry(
                    action=e.action,
                    result=DepartmentResult.from_row(e.result),
                    remaining_working_days=e.remaining_working_days,
                    overdue=e.result.publication_due is not None and e.result.publication_due < today,
                )
                for e in entries
            ]
        )

    @strawberry.field(
        description="任务的检查清单：每户的检查ID、检查日期、检查组成员和检查结果（发起部门见全部，参与部门见本部门的部分）"
    )
    async def task_inspections(
        self, info: Info, task_id: relay.GlobalID, first: int | None = None, after: str | None = None
    ) -> TaskInspectionsPayload:
        try:
            limit = page_size(first)
            after_id = decode_cursor(after, 1)[0] if after else None
            if after_id is not None and not isinstance(after_id, int):
                raise BadRequest("分页游标无效", code=ApiCode.CURSOR_INVALID, field="after")
            found, more = await work.task_inspections(
                info.context.session,
                by=info.context.principal,
                task_id=local_id(task_id, "Task", "taskId"),
                after_id=after_id,
                limit=limit,
            )
        except DomainError as exc:
            return as_error(exc)
        items = [_task_inspection(f) for f in found]
        end = encode_cursor([found[-1].inspection.id]) if found else None
        return TaskInspectionPage(items=items, end_cursor=end, has_next_page=more)

    @strawberry.field(
        description="派发工作清单：派发给本部门（或本部门派发）的检查，待匹配人员、待检查或待录入结果，附匹配期限和剩余工作日"
    )
    async def dispatch_work_list(self, info: Info) -> DispatchWorkListPayload:
        try:
            today = info.context.today()
            entries = await dispatch.dispatch_work(
                info.context.session,
                by=info.context.principal,
                today=today,
                calendar=await info.context.calendar(),
                publication_working_days=info.context.settings.publication_working_days,
            )
        except DomainError as exc:
            return as_error(exc)
        return DispatchWorkList(
            entries=[
                DispatchWorkEntry(
                    action=e.action,
                    inspection_id=gid("Inspection", e.inspection.id),
                    task_id=gid("Task", e.task.id),
                    task_name=e.task.name,
                    entity=InspectedEntity(
                        id=gid("Entity", e.entity.id), name=e.entity.name, credit_code=e.entity.credit_code
                    ),
                    department_id=gid("Department", e.department_id),
                    dispatched_on=e.inspection.dispatched_on,
                    matching_due=e.inspection.matching_due,
                    matching_due_provisional=e.inspection.matching_due_provisional,
                    step_due=e.step_due,
                    step_due_provisional=e.step_due_provisional,
                    remaining_working_days=e.remaining_working_days,
                    overdue=e.overdue,
                )
                for e in entries
            ]
        )

    @strawberry.field(description="本部门逾期的检查结果（最多各100条，按期限排序）")
    async def late_results(self, info: Info) -> LateResultsPayload:
        try:
            found = await work.late_results(
                info.context.session, by=info.context.principal, today=info.context.today()
            )
        except DomainError as exc:
            return as_error(exc)
        return LateResults(
            unpublished=[DepartmentResult.from_row(r) for r in found.unpublished],
            published_late=[DepartmentResult.from_row(r) for r in found.published_late],
        )
