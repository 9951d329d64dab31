"""A department's tasks (/dept/tasks): its inspections, teams and replacements, and the draw.

The task page is ``work.task_inspections`` (the API's ``taskInspections``): the initiating department
sees every team and result, a participating one its own part; a department with no part gets the
page a missing task gets. The draw runs from forms, through the API's use cases: ``commitDraw``
takes only the seed's SHA-256, which the browser computes with WebCrypto (the seed field has no
``name``, so it is never sent); without JavaScript the page says how to compute the hash and paste
it. ``revealDraw`` then takes the seed, ``drawInspectors`` forms the teams, and
``replaceInspector`` replaces a drawn inspector for a listed reason with an approver.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from inspections import directory, draws, teams, work
from inspections.access import task_role
from inspections.errors import DomainError
from inspections.principals import Role
from schema.enums import TaskDepartmentRole, TeamRole
from schema.models import Task
from web import documents
from web.error_codes import WebErrorCode
from web.ids import global_id, local_id
from web.pages_account import errors_of, see_other
from web.pages_dept import STATUS_LABELS
from web.pages_tasks import STATUS
from web.reader import PublicReader
from web.site import not_found
from web.workspace import Ctx, Workspace

REASONS = {
    teams.ReplacementReason.POST_CHANGE: "岗位调整",
    teams.ReplacementReason.WORK_CONFLICT: "工作冲突",
    teams.ReplacementReason.HEALTH: "健康状况",
    teams.ReplacementReason.RECUSAL: "执法回避",
}
DONE = {
    "commit": "已提交种子哈希承诺，候选名单已冻结。请妥善保管种子，揭示时原样填写。",
    "reveal": "种子已揭示，检查对象名单已抽取并锁定。",
    "inspectors": "已随机抽取执法检查人员，组成检查组。",
    "replace": "已更换检查组成员。",
}
PAGE_SIZE = 200
MISSING = "这个抽查任务不存在"


class DepartmentTaskPages:
    """The department's task list, a task's page, and its draw and team forms."""

    def __init__(self, workspace: Workspace, reader: PublicReader) -> None:
        self.ws = workspace
        self.reader = reader

    async def tasks(self, ctx: Ctx) -> Response:
        """The tasks the department initiates or takes part in (as public, newest first)."""
        after = ctx.request.query_params.get("after") or None
        data = await self.reader.query(
            ctx.request,
            documents.DEPARTMENT_TASKS,
            {"department": global_id("Department", ctx.principal.department_id or 0), "after": after},
        )
        tasks = [edge["node"] for edge in data["tasks"]["edges"]]
        for task in tasks:
            task["pk"] = local_id(task["id"])
        return ctx.page(
            "dept_tasks.html",
            title="抽查任务",
            tasks=tasks,
            total=data["tasks"]["totalCount"],
            page_info=data["tasks"]["pageInfo"],
            labels=STATUS,
        )

    async def _page(
        self, ctx: Ctx, pk: int, *, errors: dict[str, Any] | None = None, status: int = 200
    ) -> Response:
        try:
            part = await task_role(ctx.db, ctx.principal, pk)
            found, more = await work.task_inspections(
                ctx.db, by=ctx.principal, task_id=pk, after_id=None, limit=PAGE_SIZE
            )
        except DomainError:
            return not_found(ctx.request, MISSING)
        task = await ctx.db.get(Task, pk)
        assert task is not None
        public = (await self.reader.query(ctx.request, documents.TASK, {"id": global_id("Task", pk)}))["node"]
        draw = public["draw"] if public else None
        role = ctx.principal.role
        drawer = part == TaskDepartmentRole.INITIATING and role in draws.DRAWERS
        teamless = bool(found) and not any(i.team for i in found)
        return ctx.page(
            "dept_task.html",
            http_status=status,
            title=task.name,
            task=task,
            public=public,
            draw=draw,
            inspections=found,
            more=more,
            initiating=part == TaskDepartmentRole.INITIATING,
            can={
                "commit": drawer and draw is None,
                "reveal": drawer and draw is not None and not draw["locked"],
                "inspectors": drawer and draw is not None and draw["locked"] and teamless,
                "replace": role in (Role.CLERK, Role.ADMIN),
            },
            own_department=ctx.principal.department_id,
            inspectors=await directory.active_inspectors(ctx.db, by=ctx.principal)
            if role in (Role.CLERK, Role.ADMIN)
            else [],
            reasons=REASONS,
            result_labels=STATUS_LABELS,
            leader=TeamRole.LEADER,
            labels=STATUS,
            errors=errors or {},
            values={k: ctx.field(k) for k in ("seedSha256", "approvedBy", "member", "reason", "replacement")},
            done=DONE.get(ctx.request.query_params.get("done", ""), ""),
        )

    async def task(self, ctx: Ctx) -> Response:
        """One task: its draw, its inspections with their teams, what the caller may do."""
        return await self._page(ctx, ctx.request.path_params["pk"])

    async def _act(self, ctx: Ctx, done: str, action: Callable[[int], Awaitable[object]]) -> Response:
        pk = ctx.request.path_params["pk"]
        try:
            await task_role(ctx.db, ctx.principal, pk)
        except DomainError:
            return not_found(ctx.request, MISSING)
        try:
            async with ctx.write():
                await action(pk)
        except DomainError as exc:
            return await self._page(ctx, pk, errors=errors_of(exc), status=400)
        return see_other(f"/dept/tasks/{pk}?done={done}")

    async def commit(self, ctx: Ctx) -> Response:
        """提交种子哈希 (commitDraw): only the SHA-256 of the seed reaches the server."""
        return await self._act(
            ctx,
            "commit",
            lambda pk: draws.commit_draw(
                ctx.db, by=ctx.principal, task_id=pk, seed_sha256=ctx.field("seedSha256")
            ),
        )

    async def reveal(self, ctx: Ctx) -> Response:
        """揭示种子 (revealDraw): checked against the committed hash, then the list is drawn and locked."""
        return await self._act(
            ctx,
            "reveal",
            lambda pk: draws.reveal_draw(ctx.db, by=ctx.principal, task_id=pk, seed=ctx.field("seed")),
        )

    async def draw_inspectors(self, ctx: Ctx) -> Response:
        """随机抽取执法检查人员 (drawInspectors)."""
        return await self._act(
            ctx, "inspectors", lambda pk: teams.draw_inspectors(ctx.db, by=ctx.principal, task_id=pk)
        )

    async def replace(self, ctx: Ctx) -> Response:
        """更换检查组成员 (replaceInspector): a listed reason, an approver, an inspector appointed."""
        raw_reason, member, replacement = ctx.field("reason"), ctx.field("member"), ctx.field("replacement")
        choices = {r.value for r in teams.ReplacementReason}
        if raw_reason not in choices or not member.isdigit() or not replacement.isdigit():
            pk = ctx.request.path_params["pk"]
            try:
                await task_role(ctx.db, ctx.principal, pk)
            except DomainError:
                return not_found(ctx.request, MISSING)
            field = "reason" if raw_reason not in choices else "replacement"
            message = "请选择更换原因" if field == "reason" else "请选择替换的执法检查人员"
            return await self._page(
                ctx,
                pk,
                errors={field: {"code": WebErrorCode.CHOICE_REQUIRED, "message": message}},
                status=400,
            )
        return await self._act(
            ctx,
            "replace",
            lambda _: teams.replace_inspector(
                ctx.db,
                by=ctx.principal,
                team_member_id=int(member),
                replacement_inspector_id=int(replacement),
                reason=teams.ReplacementReason(raw_reason),
                approved_by=ctx.field("approvedBy"),
            ),
        )
