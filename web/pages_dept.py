"""The department's workspace (/dept): the dashboard, reviewing, returning, revising results.

The dashboard shows the work lists the API has, each the same use case: ``work.result_work``
(``resultWorkList``), ``objections.work.objection_work`` (``objectionWorkList``),
``follow_up_work.follow_up_work`` (``followUpWorkList``) and ``work.late_results``
(``lateResults``), with due dates, working days left, provisional dates marked and late ones in
red. Every action is the use case the API's mutation runs (``submitResult``, ``approveResult``,
``returnResult``, ``reviseResult``): the same roles, audit rows and refusal codes, beside the field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.responses import Response

from inspections import follow_up_work, follow_ups, results, work
from inspections.access import task_role
from inspections.errors import DomainError
from inspections.principals import Role
from objections import queues
from objections import work as objection_work
from schema.enums import ResultStatus
from schema.models import Department, Entity, InspectionItem, InspectionResult, Objection, Task
from web import documents
from web.error_codes import WebErrorCode
from web.pages_account import errors_of, see_other
from web.pages_my import CLOCK_LABELS
from web.reader import PublicReader
from web.site import not_found
from web.workspace import Ctx, Workspace
from workdays import working_days_between

ACTION_LABELS = {
    work.ResultAction.SUBMIT: "上报审核",
    work.ResultAction.REVISE: "修改后重新上报",
    work.ResultAction.REVIEW: "审核",
}
STATUS_LABELS = {
    ResultStatus.DRAFT: "草稿",
    ResultStatus.UNDER_REVIEW: "审核中",
    ResultStatus.RETURNED: "已退回",
    ResultStatus.PUBLISHED: "已公示",
}
OBJECTION_ACTION_LABELS = {
    objection_work.ObjectionAction.RECEIVE: "签收",
    objection_work.ObjectionAction.REVIEW: "开始复查",
    objection_work.ObjectionAction.DECIDE: "作出复查结论",
    objection_work.ObjectionAction.CORRECT: "更正检查结果",
    objection_work.ObjectionAction.ANSWER: "反馈复查情况",
}
FOLLOW_UP_LABELS = {
    follow_up_work.FollowUpAction.TRANSFER: "移送有管辖权的部门",
    follow_up_work.FollowUpAction.OUTCOME: "登记后续处理结果",
}
ROLE_LABELS = {Role.CLERK: "录入员", Role.REVIEWER: "审核员", Role.HEAD: "主要负责人", Role.ADMIN: "管理员"}


class DepartmentPages:
    """The signed-in department user's pages."""

    def __init__(self, workspace: Workspace, reader: PublicReader) -> None:
        self.ws = workspace
        self.reader = reader

    async def _names(self, ctx: Ctx, row: InspectionResult) -> dict[str, Any]:
        entity = await ctx.db.get(Entity, row.entity_id)
        item = await ctx.db.get(InspectionItem, row.item_id)
        department = await ctx.db.get(Department, row.department_id)
        task = await ctx.db.get(Task, row.task_id)
        assert entity and item and department and task
        return {"entity": entity, "item": item, "department": department, "task": task}

    async def _objection_names(self, ctx: Ctx, objection: Objection) -> dict[str, Any]:
        result = await ctx.db.get(InspectionResult, objection.result_id)
        assert result is not None
        return await self._names(ctx, result)

    async def dashboard(self, ctx: Ctx) -> Response:
        """What the caller's role is to do next: results, objections, follow-ups, and what is late."""
        today, calendar = ctx.today(), await ctx.calendar()
        by = ctx.principal
        rows = []
        for e in await work.result_work(ctx.db, by=by, today=today, calendar=calendar):
            due = e.result.publication_due
            rows.append(
                {
                    "entry": e,
                    "action": ACTION_LABELS[e.action],
                    "late": due is not None and due < today,
                    **await self._names(ctx, e.result),
                }
            )
        objections = [
            {
                "entry": o,
                "action": OBJECTION_ACTION_LABELS[o.action],
                "late": o.due is not None and o.due < today,
                **await self._objection_names(ctx, o.objection),
            }
            for o in await objection_work.objection_work(ctx.db, by=by, today=today, calendar=calendar)
        ]
        follow_ups = []
        for f in await follow_up_work.follow_up_work(ctx.db, by=by, today=today, calendar=calendar):
            follow_ups.append(
                {
                    "entry": f,
                    "action": FOLLOW_UP_LABELS[f.action],
                    "late": f.due is not None and f.due < today,
                    **await self._names(ctx, f.result),
                }
            )
        late = await work.late_results(ctx.db, by=by, today=today)
        late_objections = await queues.department_queue(
            ctx.db, by=by, today=today, calendar=calendar, overdue=True
        )
        department = await ctx.db.get(Department, by.department_id)
        return ctx.page(
            "dept_home.html",
            title="部门工作台",
            rows=rows,
            objections=objections,
            follow_ups=follow_ups,
            late_unpublished=[{"r": r, **await self._names(ctx, r)} for r in late.unpublished],
            late_published=[{"r": r, **await self._names(ctx, r)} for r in late.published_late],
            late_objections=[
                {
                    "entry": q,
                    "label": CLOCK_LABELS[q.clock or "review"],
                    **await self._objection_names(ctx, q.objection),
                }
                for q in late_objections
            ],
            department=department,
            role=ROLE_LABELS[by.role] if by.role else "",
        )

    async def _result(self, ctx: Ctx, pk: int) -> InspectionResult | None:
        """A result of a task the caller's department has a part in; None (a 404) otherwise."""
        row = await ctx.db.get(InspectionResult, pk)
        if row is None:
            return None
        try:
            await task_role(ctx.db, ctx.principal, row.task_id, missing=results.result_missing())
        except DomainError:
            return None
        return row

    async def _result_page(
        self, ctx: Ctx, row: InspectionResult, *, errors: dict[str, Any] | None = None, status: int = 200
    ) -> Response:
        data = await self.reader.query(ctx.request, documents.CATEGORIES, {})
        due = row.publication_due
        today, calendar = ctx.today(), await ctx.calendar()
        pending = [
            e
            for e in await follow_up_work.follow_up_work(
                ctx.db, by=ctx.principal, today=today, calendar=calendar
            )
            if e.result.id == row.id
        ]
        return ctx.page(
            "dept_result.html",
            http_status=status,
            title="检查结果审核",
            r=row,
            status_label=STATUS_LABELS[row.status],
            left=working_days_between(await ctx.calendar(), ctx.today(), due) if due else None,
            late=due is not None and due < ctx.today() and row.status != ResultStatus.PUBLISHED,
            categories=data["resultCategories"],
            category_labels={c["code"]: c["label"] for c in data["resultCategories"]},
            errors=errors or {},
            values={
                "reason": ctx.field("reason"),
                "description": ctx.field("description") or row.description,
                "codes": (ctx.form.getlist("categoryCodes") if ctx.form else None)
                or list(row.category_codes),
            },
            role=ctx.principal.role,
            roles=Role,
            statuses=ResultStatus,
            done=ctx.request.query_params.get("done", ""),
            follow_up=await follow_ups.follow_up_of(ctx.db, result_id=row.id),
            follow_up_entry=pending[0] if pending else None,
            follow_up_actions=follow_up_work.FollowUpAction,
            follow_up_values={k: ctx.field(k) for k in ("authority", "transferredOn", "outcome", "on")},
            today=today,
            **await self._names(ctx, row),
        )

    async def result(self, ctx: Ctx) -> Response:
        """One result with what the caller's role may do to it."""
        row = await self._result(ctx, ctx.request.path_params["pk"])
        if row is None:
            return not_found(ctx.request, "这条检查结果不存在")
        return await self._result_page(ctx, row)

    async def _act(self, ctx: Ctx, done: str, action: Callable[[int], Awaitable[object]]) -> Response:
        pk = ctx.request.path_params["pk"]
        row = await self._result(ctx, pk)
        if row is None:
            return not_found(ctx.request, "这条检查结果不存在")
        try:
            async with ctx.write():
                await action(pk)
        except DomainError as exc:
            row = await self._result(ctx, pk)
            assert row is not None
            return await self._result_page(ctx, row, errors=errors_of(exc), status=400)
        return see_other(f"/dept/results/{pk}?done={done}")

    async def submit(self, ctx: Ctx) -> Response:
        """上报审核 (submitResult)."""
        return await self._act(
            ctx, "submit", lambda pk: results.submit_result(ctx.db, by=ctx.principal, result_id=pk)
        )

    async def approve(self, ctx: Ctx) -> Response:
        """审核通过 (approveResult): the second of the two reviews publishes it."""
        return await self._act(
            ctx,
            "approve",
            lambda pk: results.approve_result(ctx.db, by=ctx.principal, result_id=pk, today=ctx.today()),
        )

    async def return_(self, ctx: Ctx) -> Response:
        """退回 with a reason (returnResult)."""
        return await self._act(
            ctx,
            "return",
            lambda pk: results.return_result(
                ctx.db, by=ctx.principal, result_id=pk, reason=ctx.field("reason")
            ),
        )

    async def revise(self, ctx: Ctx) -> Response:
        """修改 a draft or returned result (reviseResult)."""
        assert ctx.form is not None
        codes = [c for c in ctx.form.getlist("categoryCodes") if isinstance(c, str)]
        return await self._act(
            ctx,
            "revise",
            lambda pk: results.revise_result(
                ctx.db,
                by=ctx.principal,
                result_id=pk,
                category_codes=codes,
                description=ctx.field("description"),
            ),
        )

    async def transfer(self, ctx: Ctx) -> Response:
        """移送有管辖权的部门 (recordTransfer)."""
        on = form_date(ctx, "transferredOn")
        if isinstance(on, dict):
            return await self._refused(ctx, on)
        calendar = await ctx.calendar()
        return await self._act(
            ctx,
            "transfer",
            lambda pk: follow_ups.record_transfer(
                ctx.db,
                by=ctx.principal,
                result_id=pk,
                authority=ctx.field("authority"),
                transferred_on=on,
                today=ctx.today(),
                calendar=calendar,
            ),
        )

    async def outcome(self, ctx: Ctx) -> Response:
        """登记后续处理结果 (recordFollowUpOutcome) of the result's transfer."""
        on = form_date(ctx, "on")
        if isinstance(on, dict):
            return await self._refused(ctx, on)
        pk = ctx.request.path_params["pk"]
        row = await self._result(ctx, pk)
        found = await follow_ups.follow_up_of(ctx.db, result_id=pk) if row is not None else None
        if found is None:
            return not_found(ctx.request, "这条检查结果不存在")
        follow_up_id = found.id
        return await self._act(
            ctx,
            "outcome",
            lambda _: follow_ups.record_outcome(
                ctx.db,
                by=ctx.principal,
                follow_up_id=follow_up_id,
                outcome=ctx.field("outcome"),
                on=on,
                today=ctx.today(),
            ),
        )

    async def _refused(self, ctx: Ctx, errors: dict[str, Any]) -> Response:
        row = await self._result(ctx, ctx.request.path_params["pk"])
        if row is None:
            return not_found(ctx.request, "这条检查结果不存在")
        return await self._result_page(ctx, row, errors=errors, status=400)


def form_date(ctx: Ctx, name: str) -> date | dict[str, Any]:
    """A date field (YYYY-MM-DD, what ``<input type=date>`` sends), or the refusal beside it."""
    try:
        return date.fromisoformat(ctx.field(name).strip())
    except ValueError:
        return {
            name: {"code": WebErrorCode.DATE_INVALID, "message": "请填写日期，格式为年-月-日（如2021-12-06）"}
        }
