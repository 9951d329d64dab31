"""The entity's workspace (/my): its results with their history, filing and following objections.

Results are read as the public reads them (the same GraphQL documents as the public pages: an
entity's results are published ones); objections through the objection use cases, as the
entity's own principal. Filing goes through ``workflow.file_objection`` exactly as the API's
``fileObjection`` does (same checks, same audit rows, same codes); the form's one-time key is
its idempotency key, so a double click or a reload files once.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.responses import Response

from inspections.errors import DomainError
from objections import clocks, own, queues, workflow
from objections.storage import EvidenceFile, EvidencePolicy, LocalDirectoryStorage
from schema.enums import ObjectionState
from schema.errors import CommonErrorCode
from schema.models import Entity, Objection
from web import documents
from web.explain import plain
from web.ids import global_id, local_id
from web.pages_account import errors_of, see_other
from web.reader import PublicReader, ReadError
from web.site import not_found
from web.workspace import PRIVATE_HEADERS, Ctx, Workspace
from workdays import WorkCalendar, working_days_between

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
CLOCK_LABELS = {"review": "复查期限", "correction": "更正期限", "answer": "反馈期限"}


def clock_of(objection: Objection, calendar: WorkCalendar, today: date) -> dict[str, Any] | None:
    """The running clock as the pages show it: which, due date, working days left, provisional, late."""
    running = queues.running_clock(objection)
    if running is None:
        return None
    name, due, provisional = running
    return {
        "label": CLOCK_LABELS[name],
        "due": due,
        "left": working_days_between(calendar, today, due),
        "provisional": provisional,
        "late": due < today,
    }


class MyPages:
    """The signed-in entity's pages."""

    def __init__(self, workspace: Workspace, reader: PublicReader) -> None:
        self.ws = workspace
        self.reader = reader

    def policy(self) -> EvidencePolicy:
        s = self.ws.settings
        return EvidencePolicy(s.evidence_types, s.evidence_max_bytes, s.evidence_max_files)

    async def _entity(self, ctx: Ctx) -> dict[str, Any]:
        row = await ctx.db.get(Entity, ctx.principal.entity_id)
        assert row is not None
        data = await self.reader.query(ctx.request, documents.ENTITY, {"creditCode": row.credit_code})
        entity: dict[str, Any] = data["entity"]
        for edge in entity["results"]["edges"]:
            edge["node"]["pk"] = local_id(edge["node"]["id"])
        return entity

    async def _own_result(self, ctx: Ctx, pk: int) -> dict[str, Any] | None:
        """A published result of the caller's, as the public sees it; None for anyone else's."""
        try:
            data = await self.reader.query(
                ctx.request, documents.RESULT, {"id": global_id("InspectionResult", pk)}
            )
        except ReadError:
            return None
        result: dict[str, Any] | None = data["result"]
        row = await ctx.db.get(Entity, ctx.principal.entity_id)
        if result is None or row is None or result["entity"]["creditCode"] != row.credit_code:
            return None
        result["pk"] = pk
        return result

    async def _window(self, ctx: Ctx, result: dict[str, Any]) -> dict[str, Any]:
        """The filing window of the result's latest version, as the use case computes it."""
        latest = max(date.fromisoformat(h["publishedOn"]) for h in result["history"])
        window = clocks.filing_window(await ctx.calendar(), latest)
        return {"due": window.due, "provisional": window.provisional, "open": window.due >= ctx.today()}

    async def home(self, ctx: Ctx) -> Response:
        """My results, each with its history and what can be done about it."""
        entity = await self._entity(ctx)
        objections = await queues.entity_objections(ctx.db, by=ctx.principal)
        open_on = {o.result_id for o in objections if o.state in workflow.OPEN}
        return ctx.page(
            "my_results.html",
            title="我的检查结果",
            entity=entity,
            results=[e["node"] for e in entity["results"]["edges"]],
            open_on=open_on,
            plain=plain,
        )

    async def result(self, ctx: Ctx) -> Response:
        """One result: its versions, its filing window, its objections."""
        result = await self._own_result(ctx, ctx.request.path_params["pk"])
        if result is None:
            return not_found(ctx.request, "这条检查结果不存在或尚未公示")
        mine = [
            o for o in await queues.entity_objections(ctx.db, by=ctx.principal) if o.result_id == result["pk"]
        ]
        return ctx.page(
            "my_result.html",
            title="检查结果",
            r=result,
            window=await self._window(ctx, result),
            objections=mine,
            labels=workflow.STATE_LABELS,
            can_file=not any(o.state in workflow.OPEN for o in mine),
            plain=plain,
        )

    async def objection_form(self, ctx: Ctx) -> Response:
        """GET: the form; POST: file the objection (once per form key), then its confirmation page."""
        pk = ctx.request.path_params["pk"]
        result = await self._own_result(ctx, pk)
        if result is None:
            return not_found(ctx.request, "这条检查结果不存在或尚未公示")
        values = {"grounds": "", "key": secrets.token_urlsafe(18)}
        errors: dict[str, Any] = {}
        status = 200
        if ctx.request.method == "POST":
            values = {"grounds": ctx.field("grounds"), "key": ctx.field("idempotencyKey")}
            try:
                filed = await self._file(ctx, pk)
            except DomainError as exc:
                errors, status = errors_of(exc), 400
            else:
                return see_other(f"/my/objections/{filed.id}?filed=1")
        policy = self.policy()
        return ctx.page(
            "my_objection_form.html",
            http_status=status,
            title="提出异议",
            r=result,
            window=await self._window(ctx, result),
            values=values,
            errors=errors,
            accept=ACCEPT,
            max_files=policy.max_files,
            max_mb=policy.max_bytes // (1024 * 1024),
            max_bytes=policy.max_bytes,
        )

    async def _file(self, ctx: Ctx, result_id: int) -> Objection:
        policy = self.policy()
        assert ctx.form is not None
        files = []
        for upload in ctx.form.getlist("evidence"):
            if not isinstance(upload, UploadFile) or (not upload.filename and not upload.size):
                continue  # an empty file input sends one nameless, empty part
            try:
                data = await upload.read(policy.max_bytes + 1)  # one byte past: enough to refuse
            finally:
                await upload.close()
            files.append(EvidenceFile(filename=upload.filename or "evidence", data=data))
        for attempt in range(2):
            try:
                async with ctx.write():
                    return await workflow.file_objection(
                        ctx.db,
                        by=ctx.principal,
                        result_id=result_id,
                        grounds=ctx.field("grounds"),
                        evidence=files,
                        idempotency_key=ctx.field("idempotencyKey"),
                        now=ctx.now,
                        calendar=await ctx.calendar(),
                        storage=LocalDirectoryStorage(self.ws.settings.evidence_dir),
                        policy=policy,
                    )
            except DomainError as exc:
                # Two clicks at once: the second lost the race on the key; once more finds the first.
                if exc.code != CommonErrorCode.CONCURRENT_UPDATE or attempt:
                    raise
        raise AssertionError("unreachable")

    async def objections(self, ctx: Ctx) -> Response:
        """My objections: state, filing date, the running clock."""
        rows = await queues.entity_objections(ctx.db, by=ctx.principal)
        calendar, today = await ctx.calendar(), ctx.today()
        return ctx.page(
            "my_objections.html",
            title="我的异议",
            rows=[(o, clock_of(o, calendar, today)) for o in rows],
            labels=workflow.STATE_LABELS,
        )

    async def objection(self, ctx: Ctx) -> Response:
        """One objection: every step with its date, the clock, the answer, the evidence."""
        try:
            mine = await own.own_objection(
                ctx.db, by=ctx.principal, objection_id=ctx.request.path_params["pk"]
            )
        except DomainError:
            return not_found(ctx.request, "这项异议不存在")
        o = mine.objection
        return ctx.page(
            "my_objection.html",
            title="异议详情",
            o=o,
            steps=mine.steps,
            evidence=mine.evidence,
            clock=clock_of(o, await ctx.calendar(), ctx.today()),
            labels=workflow.STATE_LABELS,
            state_of=ObjectionState,
            filed=ctx.request.query_params.get("filed") == "1",
            remedies=clocks.REMEDIES,
        )

    async def evidence(self, ctx: Ctx) -> Response:
        """Download one's own evidence file, as uploaded."""
        try:
            row, data = await own.own_evidence(
                ctx.db,
                by=ctx.principal,
                objection_id=ctx.request.path_params["pk"],
                evidence_id=ctx.request.path_params["file"],
                storage=LocalDirectoryStorage(self.ws.settings.evidence_dir),
            )
        except DomainError:
            return not_found(ctx.request, "这份证明材料不存在")
        headers = {
            **PRIVATE_HEADERS,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
        }
        return Response(data, media_type=row.content_type, headers=headers)
