"""Mutual recognition queries (互认), for department tokens only; every read is audited.

The public and entities get a typed refusal (``DEPARTMENT_ONLY``) and see nothing. Each read commits
its audit rows before answering (seed 001 art.25), the same way a mutation commits its change.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from api.graphql.context import Info
from api.graphql.core.errors import Errors
from api.graphql.core.ids import gid, local_id
from api.graphql.core.transaction import execute
from inspections import recognition
from inspections.principals import Principal
from inspections.result_views import ResultView
from schema import enums


@strawberry.type(description="检查组成员（仅部门可见）")
class RecognitionTeamMember:
    """An inspector of the team, by department."""

    inspector_name: str
    badge_number: str
    department_id: relay.GlobalID
    department_name: str
    leader: bool
    replaced: bool = strawberry.field(description="已按规定更换")


@strawberry.type(description="后续处理：移送及处理结果（仅部门可见）")
class RecognitionFollowUp:
    """Transfer to the competent authority and its outcome."""

    authority: str
    transfer_due: date
    transferred_on: date | None
    outcome: str | None
    outcome_on: date | None


@strawberry.type(description="互认视图中的一条检查结果（含未公示，仅部门可见）")
class RecognitionResult:
    """A result of any agency with its non-public details and whether it counts for 互认."""

    id: relay.GlobalID
    credit_code: str
    entity_name: str
    task_id: relay.GlobalID
    task_name: str
    joint: bool = strawberry.field(description="部门联合抽查")
    initiating_department_name: str
    department_id: relay.GlobalID
    department_name: str = strawberry.field(description="录入结果的部门（谁检查、谁录入）")
    item_code: str
    item_name: str
    status: enums.ResultStatus
    status_label: str
    category_codes: list[str]
    category_labels: list[str]
    problem: bool = strawberry.field(description="发现问题")
    description: str
    internal_note: str = strawberry.field(description="内部备注（如退回理由）")
    inspected_on: date | None
    ended_on: date | None
    publication_due: date | None
    published_on: date | None
    version: int
    team: list[RecognitionTeamMember]
    follow_up: RecognitionFollowUp | None
    counts_for_recognition: bool = strawberry.field(
        description="是否计入互认（规则见 inspections/recognition.py）"
    )
    recognition_note: str = strawberry.field(description="计入或不计入互认的理由")

    @classmethod
    def from_view(cls, view: ResultView) -> RecognitionResult:
        counts, note = recognition.recognition(view)
        follow_up = view.follow_up
        return cls(
            id=gid("InspectionResult", view.result_id),
            credit_code=view.credit_code,
            entity_name=view.entity_name,
            task_id=gid("Task", view.task_id),
            task_name=view.task_name,
            joint=view.joint,
            initiating_department_name=view.initiating_department_name,
            department_id=gid("Department", view.department_id),
            department_name=view.department_name,
            item_code=view.item_code,
            item_name=view.item_name,
            status=view.status,
            status_label=view.status_label,
            category_codes=view.category_codes,
            category_labels=view.category_labels,
            problem=view.problem,
            description=view.description,
            internal_note=view.internal_note,
            inspected_on=view.inspected_on,
            ended_on=view.ended_on,
            publication_due=view.publication_due,
            published_on=view.published_on,
            version=view.version,
            team=[
                RecognitionTeamMember(
                    inspector_name=m.inspector_name,
                    badge_number=m.badge_number,
                    department_id=gid("Department", m.department_id),
                    department_name=m.department_name,
                    leader=m.role.value == "leader",
                    replaced=m.replaced,
                )
                for m in view.team
            ],
            follow_up=RecognitionFollowUp(
                authority=follow_up.authority,
                transfer_due=follow_up.transfer_due,
                transferred_on=follow_up.transferred_on,
                outcome=follow_up.outcome,
                outcome_on=follow_up.outcome_on,
            )
            if follow_up
            else None,
            counts_for_recognition=counts,
            recognition_note=note,
        )


@strawberry.type(description="本年度参加的部门联合抽查")
class JointInspectionRecord:
    """A joint task of the year the entity was drawn for (seed 001 art.10)."""

    task_id: relay.GlobalID
    task_name: str
    initiating_department_name: str
    period_start: date
    period_end: date

    @classmethod
    def from_row(cls, row: recognition.JointInspection) -> JointInspectionRecord:
        return cls(
            task_id=gid("Task", row.task_id),
            task_name=row.task_name,
            initiating_department_name=row.initiating_department_name,
            period_start=row.period_start,
            period_end=row.period_end,
        )


@strawberry.type(description="市场主体某年度的全部检查结果（各部门，含未公示）及联合抽查次数")
class EntityRecognition:
    """What every agency found on one entity in one year."""

    credit_code: str
    name: str
    year: int
    results: list[RecognitionResult]
    joint_inspections: list[JointInspectionRecord]
    joint_inspections_remaining: int = strawberry.field(
        description="本年度还可参加的联合抽查次数（seed 001 art.10：一般不超过两次）"
    )

    @classmethod
    def from_record(cls, record: recognition.EntityRecord) -> EntityRecognition:
        return cls(
            credit_code=record.entity.credit_code,
            name=record.entity.name,
            year=record.year,
            results=[RecognitionResult.from_view(v) for v in record.results],
            joint_inspections=[JointInspectionRecord.from_row(j) for j in record.joint_inspections],
            joint_inspections_remaining=record.joint_remaining,
        )


@strawberry.type(description="本年度已就相同事项被检查过的主体")
class EntityOverlapRecord:
    """A drawn or candidate entity already inspected this year on the task's items, and by whom."""

    credit_code: str
    name: str
    results: list[RecognitionResult]
    joint_inspections: list[JointInspectionRecord] = strawberry.field(description="本任务以外的联合抽查")
    joint_inspections_remaining: int

    @classmethod
    def from_overlap(cls, overlap: recognition.EntityOverlap) -> EntityOverlapRecord:
        return cls(
            credit_code=overlap.entity.credit_code,
            name=overlap.entity.name,
            results=[RecognitionResult.from_view(v) for v in overlap.results],
            joint_inspections=[JointInspectionRecord.from_row(j) for j in overlap.joint_inspections],
            joint_inspections_remaining=overlap.joint_remaining,
        )


@strawberry.type(description="任务的抽中（或候选）主体中本年度已就相同事项检查过的")
class TaskRecognition:
    """The overlaps of a planned or drawn task (seed 002 art.20)."""

    task_id: relay.GlobalID
    task_name: str
    year: int
    drawn: bool = strawberry.field(description="true：已锁定的抽中名单；false：抽取前的候选名单")
    entity_count: int
    entities: list[EntityOverlapRecord]

    @classmethod
    def from_overlaps(cls, answer: recognition.TaskOverlaps) -> TaskRecognition:
        return cls(
            task_id=gid("Task", answer.task.id),
            task_name=answer.task.name,
            year=answer.task.year,
            drawn=answer.drawn,
            entity_count=answer.entity_count,
            entities=[EntityOverlapRecord.from_overlap(o) for o in answer.overlaps],
        )


@strawberry.type(description="本部门数据被查阅的记录（seed 001 art.25）")
class DataReadRecord:
    """Someone read the caller's department's results through a recognition query."""

    occurred_at: datetime
    actor: str
    reader_department_id: relay.GlobalID | None
    reader_department_name: str | None
    reader_name: str
    query: str
    subject: str
    result_ids: list[relay.GlobalID]

    @classmethod
    def from_read(cls, read: recognition.DataRead) -> DataReadRecord:
        return cls(
            occurred_at=read.occurred_at,
            actor=read.actor,
            reader_department_id=gid("Department", read.reader_department_id)
            if read.reader_department_id is not None
            else None,
            reader_department_name=read.reader_department_name,
            reader_name=read.reader_name,
            query=read.query,
            subject=read.subject,
            result_ids=[gid("InspectionResult", i) for i in read.result_ids],
        )


@strawberry.type(description="查阅记录列表")
class DataReadList:
    """The newest reads first."""

    reads: list[DataReadRecord]


EntityRecognitionPayload: TypeAlias = Annotated[
    EntityRecognition | Errors, strawberry.union("EntityRecognitionPayload")
]
TaskRecognitionPayload: TypeAlias = Annotated[
    TaskRecognition | Errors, strawberry.union("TaskRecognitionPayload")
]
DataReadsPayload: TypeAlias = Annotated[DataReadList | Errors, strawberry.union("DataReadsPayload")]


@strawberry.type
class RecognitionQuery:
    """Department-only reads for mutual recognition; each read is written to the audit trail."""

    @strawberry.field(description="互认：某市场主体某年度各部门的全部检查结果（含未公示），查阅留痕")
    async def recognition_by_entity(
        self, info: Info, credit_code: str, year: int
    ) -> EntityRecognitionPayload:
        async def action(session: AsyncSession, by: Principal) -> recognition.EntityRecord:
            return await recognition.entity_record(session, by=by, code=credit_code, year=year)

        return await execute(info, action, EntityRecognition.from_record)

    @strawberry.field(
        description="互认：任务抽中或候选的主体中，本年度已就相同事项检查过的及检查部门，查阅留痕"
    )
    async def recognition_by_task(self, info: Info, task_id: relay.GlobalID) -> TaskRecognitionPayload:
        async def action(session: AsyncSession, by: Principal) -> recognition.TaskOverlaps:
            return await recognition.task_overlaps(
                session, by=by, task_id=local_id(task_id, "Task", "taskId")
            )

        return await execute(info, action, TaskRecognition.from_overlaps)

    @strawberry.field(description="谁查阅了本部门的检查结果（互认查询留痕），从新到旧")
    async def recognition_reads(self, info: Info, limit: int = 100) -> DataReadsPayload:
        async def action(session: AsyncSession, by: Principal) -> list[recognition.DataRead]:
            return await recognition.reads_of(session, by=by, limit=limit)

        return await execute(
            info, action, lambda rows: DataReadList(reads=[DataReadRecord.from_read(r) for r in rows])
        )
