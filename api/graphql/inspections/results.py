"""Department mutations of results: entry, review, publication, correction and follow-up (后续处理)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from api.error_codes import ApiErrorCode as ApiCode
from api.graphql.context import Info
from api.graphql.core.errors import Errors, InvalidInputError, as_error
from api.graphql.core.ids import local_id, result_local_id
from api.graphql.core.transaction import execute, write_transaction
from api.graphql.inspections.common import own_department
from api.graphql.inspections.payloads import (
    DepartmentResult,
    FollowUpRecord,
)
from api.graphql.nodes import InspectionResultNode
from inspections import follow_ups, results
from inspections.errors import DomainError
from inspections.principals import Principal, Role
from schema import models

ResultWorkPayload: TypeAlias = Annotated[DepartmentResult | Errors, strawberry.union("ResultWorkPayload")]
BulkResultPayload: TypeAlias = Annotated["BulkResultReport | Errors", strawberry.union("BulkResultPayload")]
# One request's worth of a work list page; more is refused rather than held in one transaction.
BULK_LIMIT = 200


@strawberry.type(description="批量操作中一条检查结果的结果")
class BulkResultItem:
    """What happened to one result of a bulk request."""

    result_id: relay.GlobalID
    outcome: ResultWorkPayload


@strawberry.type(description="批量操作报告：逐条成功或拒绝的原因；被拒绝的条目不影响其他条目")
class BulkResultReport:
    """Per-item report of a bulk submit or approve."""

    done: int
    refused: int
    items: list[BulkResultItem]


async def _bulk(
    info: Info,
    result_ids: list[relay.GlobalID],
    step: Callable[[AsyncSession, Principal, int], Awaitable[models.InspectionResult]],
) -> BulkResultReport | Errors:
    """Each result in its own savepoint inside one transaction: a refusal undoes only its own item."""
    unique = list(dict.fromkeys(result_ids))
    if not unique:
        return InvalidInputError(
            code=ApiCode.ARGUMENT_INVALID, message="请至少选择一条检查结果", field="resultIds"
        )
    if len(unique) > BULK_LIMIT:
        return InvalidInputError(
            code=ApiCode.TOO_MANY_ITEMS, message=f"一次最多处理{BULK_LIMIT}条检查结果", field="resultIds"
        )
    session, by = info.context.session, info.context.principal
    outcomes: list[tuple[relay.GlobalID, models.InspectionResult | DomainError]] = []
    try:
        async with write_transaction(session):
            for result_id in unique:
                savepoint = await session.begin_nested()
                try:
                    row = await step(session, by, result_local_id(result_id, "resultIds"))
                    await session.flush()
                except DomainError as exc:
                    await savepoint.rollback()
                    outcomes.append((result_id, exc))
                else:
                    await savepoint.commit()
                    outcomes.append((result_id, row))
    except DomainError as exc:  # the transaction itself lost a race: nothing was done
        return as_error(exc)
    await session.connection()
    items = [
        BulkResultItem(
            result_id=result_id,
            outcome=as_error(value) if isinstance(value, DomainError) else DepartmentResult.from_row(value),
        )
        for result_id, value in outcomes
    ]
    refused = sum(isinstance(value, DomainError) for _, value in outcomes)
    return BulkResultReport(done=len(items) - refused, refused=refused, items=items)


CorrectionPayload: TypeAlias = Annotated[InspectionResultNode | Errors, strawberry.union("CorrectionPayload")]
FollowUpPayload: TypeAlias = Annotated[FollowUpRecord | Errors, strawberry.union("FollowUpPayload")]


@strawberry.type
class ResultMutation:
    """Results from entry to follow-up; each mutation is audited and answers a union of success and errors."""

    @strawberry.mutation(
        description="录入本部门负责事项的检查结果（谁检查、谁录入）；派发任务的发起部门（上级）可指定承办部门"
        "（departmentId）代为录入（seed 001 art.13），结果属于该承办部门"
    )
    async def enter_result(
        self,
        info: Info,
        inspection_id: relay.GlobalID,
        item_id: relay.GlobalID,
        category_codes: list[str],
        description: str,
        department_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="代为录入的下级承办部门（须在本部门管辖范围内）；不填为本部门"),
        ] = None,
    ) -> ResultWorkPayload:
        settings = info.context.settings

        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            own = own_department(by, Role.CLERK, Role.ADMIN)
            return await results.enter_result(
                session,
                by=by,
                inspection_id=local_id(inspection_id, "Inspection", "inspectionId"),
                department_id=local_id(department_id, "Department", "departmentId")
                if department_id is not None
                else own,
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
            return await results.submit_result(session, by=by, result_id=result_local_id(result_id))

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="审核通过；结果所属部门和发起部门均审核通过后公示（seed 002 art.16）")
    async def approve_result(self, info: Info, result_id: relay.GlobalID) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.approve_result(
                session,
                by=by,
                result_id=result_local_id(result_id),
                today=info.context.today(),
            )

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="批量上报审核（最多200条）：逐条报告成功或拒绝原因")
    async def submit_results(self, info: Info, result_ids: list[relay.GlobalID]) -> BulkResultPayload:
        async def step(session: AsyncSession, by: Principal, result_id: int) -> models.InspectionResult:
            return await results.submit_result(session, by=by, result_id=result_id)

        return await _bulk(info, result_ids, step)

    @strawberry.mutation(description="批量审核通过（最多200条）：逐条报告成功或拒绝原因")
    async def approve_results(self, info: Info, result_ids: list[relay.GlobalID]) -> BulkResultPayload:
        today = info.context.today()

        async def step(session: AsyncSession, by: Principal, result_id: int) -> models.InspectionResult:
            return await results.approve_result(session, by=by, result_id=result_id, today=today)

        return await _bulk(info, result_ids, step)

    @strawberry.mutation(description="修改草稿或被退回的检查结果，然后再次上报审核（seed 002 art.16）")
    async def revise_result(
        self, info: Info, result_id: relay.GlobalID, category_codes: list[str], description: str
    ) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.revise_result(
                session,
                by=by,
                result_id=result_local_id(result_id),
                category_codes=category_codes,
                description=description,
            )

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="审核不通过，退回检查组重新核实")
    async def return_result(self, info: Info, result_id: relay.GlobalID, reason: str) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.return_result(
                session, by=by, result_id=result_local_id(result_id), reason=reason
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
                result_id=result_local_id(result_id),
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
                result_id=result_local_id(result_id),
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
