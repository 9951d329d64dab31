"""A department's objection page (/dept/objections/{id}): clocks, evidence in the browser, actions.

Either party department (the initiating one, to which the entity applied, and the owning one,
whose result it is) opens the page; anyone else gets the page a missing objection gets. The
evidence is shown inline (images as images, PDF in the browser's viewer) from a workspace route
that runs ``objections.evidence.download``, the use case behind ``GET /objections/evidence/{id}``:
every view is an audit row. Each action is the use case the API's mutation runs, with the same
roles and codes: ``receiveObjection``, ``startObjectionReview``, ``decideObjection``,
``applyObjectionCorrection`` (head of the owning department), ``answerObjection``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from inspections.errors import DomainError
from inspections.principals import Role
from objections import clocks, evidence, queues, workflow
from objections.party import PartyObjection, party_objection
from objections.storage import LocalDirectoryStorage
from schema.enums import ObjectionDecision, ObjectionState
from schema.models import Department, Entity, InspectionItem
from web import documents
from web.error_codes import WebErrorCode
from web.pages_account import errors_of, see_other
from web.pages_my import CLOCK_LABELS
from web.reader import PublicReader
from web.site import not_found
from web.workspace import PRIVATE_HEADERS, Ctx, Workspace
from workdays import working_days_between

S = ObjectionState
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png")
DONE = {
    "receive": "已签收。复查期限自提交之日起算，不因签收而改变。",
    "review": "已开始复查。",
    "decide": "已作出复查结论。",
    "correct": "已更正检查结果，更正后的结果已公示。",
    "answer": "已反馈复查情况。",
}
MISSING = "这项异议不存在"


class ObjectionPages:
    """The department's objection page and its form posts."""

    def __init__(self, workspace: Workspace, reader: PublicReader) -> None:
        self.ws = workspace
        self.reader = reader

    async def _party(self, ctx: Ctx, pk: int) -> PartyObjection | None:
        try:
            return await party_objection(ctx.db, by=ctx.principal, objection_id=pk)
        except DomainError:
            return None

    async def _page(
        self, ctx: Ctx, seen: PartyObjection, *, errors: dict[str, Any] | None = None, status: int = 200
    ) -> Response:
        o, result = seen.objection, seen.result
        calendar, today = await ctx.calendar(), ctx.today()
        running = [
            {
                "label": CLOCK_LABELS[name],
                "due": due,
                "provisional": provisional,
                "left": working_days_between(calendar, today, due),
                "late": due < today,
            }
            for name, due, provisional in queues.running_clocks(o)
        ]
        role = ctx.principal.role
        categories = (await self.reader.query(ctx.request, documents.CATEGORIES, {}))["resultCategories"]
        form = ctx.form is not None
        return ctx.page(
            "dept_objection.html",
            http_status=status,
            title="异议办理",
            o=o,
            r=result,
            entity=await ctx.db.get(Entity, o.entity_id),
            item=await ctx.db.get(InspectionItem, result.item_id),
            department=await ctx.db.get(Department, result.department_id),
            steps=seen.steps,
            evidence=seen.evidence,
            inline_types=INLINE_TYPES,
            clocks=running,
            labels=workflow.STATE_LABELS,
            state_of=ObjectionState,
            states=S,
            can={
                "receive": seen.initiating
                and o.state == S.FILED
                and role in (Role.CLERK, Role.REVIEWER, Role.ADMIN),
                "review": seen.initiating and o.state == S.RECEIVED and role == Role.REVIEWER,
                "decide": seen.initiating
                and o.state in (S.RECEIVED, S.UNDER_REVIEW)
                and role == Role.REVIEWER,
                "correct": seen.owning and o.state == S.UPHELD and role == Role.HEAD,
                "answer": seen.initiating
                and o.state in (S.MAINTAINED, S.CORRECTED)
                and role in (Role.REVIEWER, Role.HEAD),
            },
            initiating=seen.initiating,
            owning=seen.owning,
            categories=categories,
            category_labels={c["code"]: c["label"] for c in categories},
            errors=errors or {},
            values={
                "decision": ctx.field("decision"),
                "reasons": ctx.field("reasons"),
                "text": ctx.field("text"),
                "description": ctx.field("description") if form else result.description,
                "codes": [c for c in ctx.form.getlist("categoryCodes") if isinstance(c, str)]
                if ctx.form is not None
                else list(result.category_codes),
            },
            remedies=clocks.REMEDIES,
            done=DONE.get(ctx.request.query_params.get("done", ""), ""),
        )

    async def objection(self, ctx: Ctx) -> Response:
        """The objection, its clocks, its evidence, and what the caller's role may do now."""
        seen = await self._party(ctx, ctx.request.path_params["pk"])
        if seen is None:
            return not_found(ctx.request, MISSING)
        return await self._page(ctx, seen)

    async def evidence_file(self, ctx: Ctx) -> Response:
        """One evidence file, inline (``?download=1``: as an attachment); each view is audited."""
        pk, file = ctx.request.path_params["pk"], ctx.request.path_params["file"]
        try:
            async with ctx.write():  # the audit row commits with the file handed out
                found = await evidence.download(
                    ctx.db,
                    by=ctx.principal,
                    evidence_id=file,
                    storage=LocalDirectoryStorage(self.ws.settings.evidence_dir),
                )
                if found.evidence.objection_id != pk:
                    raise evidence.evidence_missing()  # rolls the audit row back: nothing was shown
        except DomainError:
            return not_found(ctx.request, "这份证明材料不存在")
        row = found.evidence
        inline = row.content_type in INLINE_TYPES and ctx.request.query_params.get("download") != "1"
        disposition = "inline" if inline else "attachment"
        headers = {
            **PRIVATE_HEADERS,
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "X-Content-SHA256": row.sha256,
            # Shown in this site's own objection page only; a file never runs a script of ours.
            "Content-Security-Policy": "frame-ancestors 'self'; script-src 'none'",
        }
        return Response(found.data, media_type=row.content_type, headers=headers)

    async def _act(self, ctx: Ctx, done: str, action: Callable[[int], Awaitable[object]]) -> Response:
        pk = ctx.request.path_params["pk"]
        if await self._party(ctx, pk) is None:
            return not_found(ctx.request, MISSING)
        try:
            async with ctx.write():
                await action(pk)
        except DomainError as exc:
            return await self._refused(ctx, pk, errors_of(exc))
        return see_other(f"/dept/objections/{pk}?done={done}")

    async def _refused(self, ctx: Ctx, pk: int, errors: dict[str, Any]) -> Response:
        seen = await self._party(ctx, pk)
        assert seen is not None
        return await self._page(ctx, seen, errors=errors, status=400)

    async def receive(self, ctx: Ctx) -> Response:
        """签收 (receiveObjection)."""
        return await self._act(
            ctx,
            "receive",
            lambda pk: workflow.receive(ctx.db, by=ctx.principal, objection_id=pk, today=ctx.today()),
        )

    async def review(self, ctx: Ctx) -> Response:
        """开始复查 (startObjectionReview)."""
        return await self._act(
            ctx,
            "review",
            lambda pk: workflow.start_review(ctx.db, by=ctx.principal, objection_id=pk, today=ctx.today()),
        )

    async def decide(self, ctx: Ctx) -> Response:
        """复查结论 with reasons (decideObjection), decided today."""
        raw = ctx.field("decision")
        if raw not in {d.value for d in ObjectionDecision}:
            pk = ctx.request.path_params["pk"]
            if await self._party(ctx, pk) is None:
                return not_found(ctx.request, MISSING)
            message = {
                "code": WebErrorCode.CHOICE_REQUIRED,
                "message": "请选择复查结论：确有错误或维持原结果",
            }
            return await self._refused(ctx, pk, {"decision": message})
        calendar = await ctx.calendar()
        return await self._act(
            ctx,
            "decide",
            lambda pk: workflow.decide(
                ctx.db,
                by=ctx.principal,
                objection_id=pk,
                decision=ObjectionDecision(raw),
                reasons=ctx.field("reasons"),
                decided_on=ctx.today(),
                today=ctx.today(),
                calendar=calendar,
            ),
        )

    async def correct(self, ctx: Ctx) -> Response:
        """更正检查结果 (applyObjectionCorrection): the head of the owning department signs it."""
        assert ctx.form is not None
        codes = [c for c in ctx.form.getlist("categoryCodes") if isinstance(c, str)]
        return await self._act(
            ctx,
            "correct",
            lambda pk: workflow.apply_correction(
                ctx.db,
                by=ctx.principal,
                objection_id=pk,
                category_codes=codes,
                description=ctx.field("description"),
                today=ctx.today(),
            ),
        )

    async def answer(self, ctx: Ctx) -> Response:
        """反馈 (answerObjection): the remedies are always stated."""
        return await self._act(
            ctx,
            "answer",
            lambda pk: workflow.answer(
                ctx.db, by=ctx.principal, objection_id=pk, text=ctx.field("text"), today=ctx.today()
            ),
        )
