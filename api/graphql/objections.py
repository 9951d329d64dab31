"""Objections (异议) on the API: the entity files and follows, the department works its queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.file_uploads import Upload

from api.graphql.context import Info
from api.graphql.core.errors import Errors, as_error
from api.graphql.core.ids import gid, local_id
from api.graphql.core.transaction import execute
from inspections.errors import DomainError
from inspections.principals import Principal
from objections import queues, workflow
from objections.storage import EvidenceFile, EvidencePolicy, LocalDirectoryStorage
from schema import enums, models

strawberry.enum(enums.ObjectionState, description="异议状态")
strawberry.enum(enums.ObjectionDecision, description="复查结论：确有错误（UPHELD）或维持（MAINTAINED）")


@strawberry.type(description="异议状态变化")
class ObjectionStep:
    """One transition of an objection."""

    from_state: enums.ObjectionState | None
    to_state: enums.ObjectionState
    on: date


@strawberry.type(description="证明材料文件（提出异议的主体、发起部门和结果所属部门可见，不公开）")
class EvidenceFileRecord:
    """One uploaded file of an objection; its bytes come from ``downloadUrl`` with the same token."""

    id: relay.GlobalID
    file_name: str
    content_type: str = strawberry.field(description="按文件内容识别的类型（PDF、JPEG、PNG）")
    size: int = strawberry.field(description="字节数")
    sha256: str = strawberry.field(description="SHA-256 摘要（十六进制），下载后可核对")
    uploaded_at: datetime
    download_url: str = strawberry.field(
        description="下载地址（相对本站）：以相同的令牌（Authorization: Bearer）请求；每次下载留痕"
    )

    @classmethod
    def from_row(cls, row: models.ObjectionEvidence) -> EvidenceFileRecord:
        return cls(
            id=gid("ObjectionEvidence", row.id),
            file_name=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            uploaded_at=row.uploaded_at,
            download_url=evidence_url(row.id),
        )


def evidence_url(evidence_id: int) -> str:
    """Where one evidence file is downloaded (api/http/evidence.py serves it)."""
    return f"/objections/evidence/{evidence_id}"


@strawberry.type(description="异议（提出异议的主体和受理部门可见，不公开）")
class ObjectionRecord:
    """An objection with its dates and due dates, as the entity and the department see it."""

    id: relay.GlobalID
    result_id: relay.GlobalID
    state: enums.ObjectionState
    state_label: str
    grounds: str
    filed_on: date
    window_ends: date = strawberry.field(description="异议期限（公示之日起60日）")
    window_provisional: bool = strawberry.field(
        description="期限所在年度放假安排未载入：按最有利于被检查对象的方式计算"
    )
    received_on: date | None = strawberry.field(description="收到之日：在本系统提交之日（民法典第137条）")
    review_due: date | None = strawberry.field(description="复查期限：收到之日起20个工作日")
    review_due_provisional: bool
    decision: enums.ObjectionDecision | None
    decision_reasons: str | None
    decided_on: date | None
    correction_due: date | None = strawberry.field(description="更正期限：作出复查结果之日起5个工作日")
    correction_due_provisional: bool
    corrected_on: date | None
    answer_due: date | None = strawberry.field(description="反馈期限：作出复查结果之日起15个工作日")
    answer_due_provisional: bool
    answered_on: date | None
    answer: str | None
    withdrawn_on: date | None
    overdue_clocks: list[str]
    id_: strawberry.Private[int]

    @strawberry.field(description="证明材料文件数")
    async def evidence_count(self, info: Info) -> int:
        count: int = await info.context.loaders.objection_evidence_count.load(self.id_)
        return count

    @strawberry.field(description="证明材料：文件名、类型、大小、摘要和下载地址（按上传顺序）")
    async def evidence(self, info: Info) -> list[EvidenceFileRecord]:
        # A record is only ever built for a party to the objection (the entity, the initiating or
        # the owning department): the queue, the work list, myObjections and the mutations check it.
        rows = await info.context.loaders.objection_evidence.load(self.id_)
        return [EvidenceFileRecord.from_row(r) for r in rows]

    @strawberry.field(description="全部状态变化")
    async def steps(self, info: Info) -> list[ObjectionStep]:
        rows = await info.context.loaders.objection_steps.load(self.id_)
        return [
            ObjectionStep(
                from_state=enums.ObjectionState(r.from_state) if r.from_state else None,
                to_state=enums.ObjectionState(r.to_state),
                on=r.on,
            )
            for r in rows
        ]

    @classmethod
    def from_row(cls, row: models.Objection) -> ObjectionRecord:
        return cls(
            id=gid("Objection", row.id),
            result_id=gid("InspectionResult", row.result_id),
            state=row.state,
            state_label=workflow.STATE_LABELS[row.state],
            grounds=row.grounds,
            filed_on=row.filed_on,
            window_ends=row.window_ends,
            window_provisional=row.window_provisional,
            received_on=row.received_on,
            review_due=row.review_due,
            review_due_provisional=row.review_due_provisional,
            decision=row.decision,
            decision_reasons=row.decision_reasons,
            decided_on=row.decided_on,
            correction_due=row.correction_due,
            correction_due_provisional=row.correction_due_provisional,
            corrected_on=row.corrected_on,
            answer_due=row.answer_due,
            answer_due_provisional=row.answer_due_provisional,
            answered_on=row.answered_on,
            answer=row.answer,
            withdrawn_on=row.withdrawn_on,
            overdue_clocks=[c for c in row.overdue_clocks.split(",") if c],
            id_=row.id,
        )


@strawberry.type(description="部门异议队列中的一项")
class QueuedObjection:
    """An objection in the queue and its running clock."""

    objection: ObjectionRecord
    clock: str | None = strawberry.field(description="正在计算的期限：review、correction 或 answer")
    due: date | None
    remaining_working_days: int | None = strawberry.field(description="剩余工作日；负数为已逾期的工作日数")
    as_initiating_department: bool = strawberry.field(
        description="本部门为发起部门：签收、复查、反馈（seed 002 art.17）"
    )
    as_owning_department: bool = strawberry.field(
        description="本部门为异议所涉结果的所属部门：确有错误时由本部门主要负责人更正"
    )


@strawberry.type(description="异议队列")
class ObjectionQueue:
    """The department's objections."""

    entries: list[QueuedObjection]


ObjectionPayload: TypeAlias = Annotated[ObjectionRecord | Errors, strawberry.union("ObjectionPayload")]
ObjectionQueuePayload: TypeAlias = Annotated[
    ObjectionQueue | Errors, strawberry.union("ObjectionQueuePayload")
]
ObjectionListPayload: TypeAlias = Annotated[
    "ObjectionList | Errors", strawberry.union("ObjectionListPayload")
]


@strawberry.type(description="本单位的异议")
class ObjectionList:
    """The calling entity's objections."""

    objections: list[ObjectionRecord]


async def _read(upload: Upload, limit: int) -> EvidenceFile:
    # Read one byte past the limit: enough to refuse an oversized file without holding all of it.
    try:
        data = await upload.read(limit + 1)  # type: ignore[attr-defined]
    finally:
        await upload.close()  # type: ignore[attr-defined]
    return EvidenceFile(filename=getattr(upload, "filename", "") or "evidence", data=data)


@strawberry.type
class ObjectionMutation:
    """The objection workflow's mutations."""

    @strawberry.mutation(description="被检查对象对本单位已公示的检查结果提出异议（公示之日起60日内）")
    async def file_objection(
        self,
        info: Info,
        result_id: relay.GlobalID,
        grounds: str,
        idempotency_key: str,
        evidence: list[Upload] | None = None,
    ) -> ObjectionPayload:
        settings = info.context.settings
        policy = EvidencePolicy(
            settings.evidence_types, settings.evidence_max_bytes, settings.evidence_max_files
        )
        files = [
            await _read(upload, settings.evidence_max_bytes)
            for upload in (evidence or [])[: policy.max_files + 1]
        ]

        async def action(session: AsyncSession, by: Principal) -> models.Objection:
            return await workflow.file_objection(
                session,
                by=by,
                result_id=local_id(result_id, "InspectionResult", "resultId"),
                grounds=grounds,
                evidence=files,
                idempotency_key=idempotency_key,
                now=info.context.now(),
                calendar=await info.context.calendar(),
                storage=LocalDirectoryStorage(settings.evidence_dir),
                policy=policy,
            )

        return await execute(info, action, ObjectionRecord.from_row)

    @strawberry.mutation(description="在作出复查结论前撤回异议")
    async def withdraw_objection(self, info: Info, objection_id: relay.GlobalID) -> ObjectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Objection:
            return await workflow.withdraw(
                session,
                by=by,
                objection_id=local_id(objection_id, "Objection", "objectionId"),
                today=info.context.today(),
            )

        return await execute(info, action, ObjectionRecord.from_row)

    @strawberry.mutation(
        description="签收异议申请。申请在本系统提交之日即为收到之日，复查期限自该日起算，签收不改变期限"
    )
    async def receive_objection(
        self,
        info: Info,
        objection_id: relay.GlobalID,
        received_on: Annotated[
            date | None,
            strawberry.argument(
                description="如填写，须为提交之日",
                deprecation_reason="收到之日即在本系统提交之日（见异议的 receivedOn），无需填写",
            ),
        ] = None,
    ) -> ObjectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Objection:
            return await workflow.receive(
                session,
                by=by,
                objection_id=local_id(objection_id, "Objection", "objectionId"),
                received_on=received_on,
                today=info.context.today(),
            )

        return await execute(info, action, ObjectionRecord.from_row)

    @strawberry.mutation(description="开始复查")
    async def start_objection_review(self, info: Info, objection_id: relay.GlobalID) -> ObjectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Objection:
            return await workflow.start_review(
                session,
                by=by,
                objection_id=local_id(objection_id, "Objection", "objectionId"),
                today=info.context.today(),
            )

        return await execute(info, action, ObjectionRecord.from_row)

    @strawberry.mutation(description="作出复查结论并说明理由")
    async def decide_objection(
        self,
        info: Info,
        objection_id: relay.GlobalID,
        decision: enums.ObjectionDecision,
        reasons: str,
        decided_on: date | None = None,
    ) -> ObjectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Objection:
            today = info.context.today()
            return await workflow.decide(
                session,
                by=by,
                objection_id=local_id(objection_id, "Objection", "objectionId"),
                decision=decision,
                reasons=reasons,
                decided_on=decided_on or today,
                today=today,
                calendar=await info.context.calendar(),
            )

        return await execute(info, action, ObjectionRecord.from_row)

    @strawberry.mutation(description="按异议复查结论更正检查结果（结果所属部门主要负责人）")
    async def apply_objection_correction(
        self, info: Info, objection_id: relay.GlobalID, category_codes: list[str], description: str
    ) -> ObjectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Objection:
            return await workflow.apply_correction(
                session,
                by=by,
                objection_id=local_id(objection_id, "Objection", "objectionId"),
                category_codes=category_codes,
                description=description,
                today=info.context.today(),
            )

        return await execute(info, action, ObjectionRecord.from_row)

    @strawberry.mutation(description="向被检查对象反馈复查情况（自动告知行政复议、行政诉讼权利）")
    async def answer_objection(self, info: Info, objection_id: relay.GlobalID, text: str) -> ObjectionPayload:
        async def action(session: AsyncSession, by: Principal) -> models.Objection:
            return await workflow.answer(
                session,
                by=by,
                objection_id=local_id(objection_id, "Objection", "objectionId"),
                text=text,
                today=info.context.today(),
            )

        return await execute(info, action, ObjectionRecord.from_row)


@strawberry.type
class ObjectionQuery:
    """Objection reads for the entity that filed and the department that handles them."""

    @strawberry.field(description="本单位提出的全部异议（被检查对象）")
    async def my_objections(self, info: Info) -> ObjectionListPayload:
        try:
            rows = await queues.entity_objections(info.context.session, by=info.context.principal)
        except DomainError as exc:
            return as_error(exc)
        return ObjectionList(objections=[ObjectionRecord.from_row(r) for r in rows])

    @strawberry.field(description="本部门的异议队列：按状态、N个工作日内到期或已逾期")
    async def objection_queue(
        self,
        info: Info,
        state: enums.ObjectionState | None = None,
        due_within: int | None = None,
        overdue: bool = False,
    ) -> ObjectionQueuePayload:
        session = info.context.session
        try:
            entries = await queues.department_queue(
                session,
                by=info.context.principal,
                today=info.context.today(),
                calendar=await info.context.calendar(),
                state=state,
                due_within=due_within,
                overdue=overdue,
            )
        except DomainError as exc:
            return as_error(exc)
        return ObjectionQueue(
            entries=[
                QueuedObjection(
                    objection=ObjectionRecord.from_row(e.objection),
                    clock=e.clock,
                    due=e.due,
                    remaining_working_days=e.remaining_working_days,
                    as_initiating_department=e.initiating,
                    as_owning_department=e.owning,
                )
                for e in entries
            ]
        )
