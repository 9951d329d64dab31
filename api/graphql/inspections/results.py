"""Department mutations of results: entry, review, publication, correction and follow-up (后续处理)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from api.graphql.context import Info
from api.graphql.core.errors import Errors
from api.graphql.core.ids import local_id
from api.graphql.core.transaction import execute
from api.graphql.inspections.common import own_department
from api.graphql.inspections.payloads import (
    DepartmentResult,
    FollowUpRecord,
)
from api.graphql.nodes import InspectionResultNode
from inspections import follow_ups, results
from inspections.principals import Principal, Role
from schema import models

ResultWorkPayload: TypeAlias = Annotated[DepartmentResult | Errors, strawberry.union("ResultWorkPayload")]
CorrectionPayload: TypeAlias = Annotated[InspectionResultNode | Errors, strawberry.union("CorrectionPayload")]
FollowUpPayload: TypeAlias = Annotated[FollowUpRecord | Errors, strawberry.union("FollowUpPayload")]


@strawberry.type
class ResultMutation:
    """Results from entry to follow-up; each mutation is audited and answers a union of success and errors."""

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
                department_id=own_department(by, Role.CLERK, Role.ADMIN),
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

    @strawberry.mutation(description="审核通过；结果所属部门和发起部门均审核通过后公示（seed 002 art.16）")
    async def approve_result(self, info: Info, result_id: relay.GlobalID) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.approve_result(
                session,
                by=by,
                result_id=local_id(result_id, "InspectionResult", "resultId"),
                today=info.context.today(),
            )

        return await execute(info, action, DepartmentResult.from_row)

    @strawberry.mutation(description="修改草稿或被退回的检查结果，然后再次上报审核（seed 002 art.16）")
    async def revise_result(
        self, info: Info, result_id: relay.GlobalID, category_codes: list[str], description: str
    ) -> ResultWorkPayload:
        async def action(session: AsyncSession, by: Principal) -> models.InspectionResult:
            return await results.revise_result(
                session,
                by=by,
                result_id=local_id(result_id, "InspectionResult", "resultId"),
                category_codes=category_codes,
                description=description,
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
