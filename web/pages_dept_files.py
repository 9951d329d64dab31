"""Spreadsheets from the browser (/dept/import): imports with the whole-file report, and exports.

An import is ``spreadsheets.importing.import_file``, the use case behind the API's ``importFile``
and ``gongshi import``: every cell checked, every row run through its use case, and one bad row
writes nothing; the report is shown as a table (row, column, code, reason). The file is read to one
byte past the size limit, so a larger one is refused before anything is parsed or written.
Templates are the public ``/templates/{kind}.{fmt}``; exports (the task's results, the entity
directory of a region, the inspector directory) are the API's export use cases, audited as there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.responses import Response

from inspections.errors import DomainError, NotFound
from inspections.principals import Role
from inspections.spreadsheets import exporting
from inspections.spreadsheets.columns import TEMPLATES
from inspections.spreadsheets.importing import IMPORT_ROLES, ImportRefused, import_file
from inspections.spreadsheets.reading import MAX_BYTES
from inspections.spreadsheets.writing import MEDIA_TYPES, Table, render
from web.error_codes import WebErrorCode
from web.pages_account import errors_of, see_other
from web.site import not_found
from web.workspace import PRIVATE_HEADERS, Ctx, Workspace

KIND_LABELS = {"entities": "检查对象名录", "inspectors": "执法检查人员名录", "results": "检查结果"}


def attachment(data: bytes, filename: str, fmt: str) -> Response:
    """A download with its Chinese name (RFC 6266: an ASCII fallback plus the UTF-8 name)."""
    disposition = f"attachment; filename=\"download.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        data, media_type=MEDIA_TYPES[fmt], headers={**PRIVATE_HEADERS, "Content-Disposition": disposition}
    )


class FilePages:
    """The import page and the export downloads."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    def _kinds(self, ctx: Ctx) -> dict[str, str]:
        role = ctx.principal.role
        return {k: v for k, v in KIND_LABELS.items() if role in IMPORT_ROLES[k]}

    def _page(self, ctx: Ctx, *, status: int = 200, **values: Any) -> Response:
        return ctx.page(
            "dept_import.html",
            http_status=status,
            title="表格导入与导出",
            kinds=self._kinds(ctx),
            all_kinds=KIND_LABELS,
            templates=TEMPLATES,
            max_mb=MAX_BYTES // (1024 * 1024),
            admin=ctx.principal.role == Role.ADMIN,
            done=ctx.request.query_params.get("done", ""),
            written=ctx.request.query_params.get("rows", ""),
            **{"errors": {}, "report": None, "kind": ctx.field("kind"), **values},
        )

    async def upload_or_page(self, ctx: Ctx) -> Response:
        """GET: the import form, the templates, the exports; POST: import one file whole, or show
        every bad row and write nothing."""
        if ctx.form is None:
            return self._page(ctx)
        kind, upload = ctx.field("kind"), ctx.form.get("file")
        if kind not in KIND_LABELS:
            error = {"code": WebErrorCode.CHOICE_REQUIRED, "message": "请选择导入的内容"}
            return self._page(ctx, status=400, errors={"kind": error})
        if not isinstance(upload, UploadFile) or not (upload.filename or upload.size):
            error = {"code": WebErrorCode.CHOICE_REQUIRED, "message": "请选择要导入的文件（.xlsx或.csv）"}
            return self._page(ctx, status=400, errors={"file": error})
        try:
            data = await upload.read(MAX_BYTES + 1)  # one byte past the limit: enough to refuse
        finally:
            await upload.close()
        filename = upload.filename or "import.csv"
        calendar = await ctx.calendar()
        try:
            async with ctx.write():
                report = await import_file(
                    ctx.db,
                    by=ctx.principal,
                    kind=kind,
                    data=data,
                    filename=filename,
                    calendar=calendar,
                    publication_working_days=self.ws.settings.publication_working_days,
                )
        except ImportRefused as refused:
            return self._page(ctx, status=400, report=refused.report, filename=filename)
        except DomainError as exc:
            return self._page(ctx, status=400, errors=errors_of(exc))
        return see_other(f"/dept/import?done={kind}&rows={report.written}")

    async def _export(self, ctx: Ctx, make: Callable[[], Awaitable[Table]], name: str) -> Response:
        fmt = ctx.request.path_params["fmt"]
        if fmt not in MEDIA_TYPES:
            return not_found(ctx.request)
        try:
            async with ctx.write():  # the export's audit row commits with the download
                table = await make()
        except NotFound:
            return not_found(ctx.request)  # a task the department has no part in: as a missing one
        except DomainError as exc:
            return self._page(ctx, status=400, errors=errors_of(exc))
        data = await asyncio.to_thread(render, [table], fmt)
        return attachment(data, f"{name}.{fmt}", fmt)

    async def task_results(self, ctx: Ctx) -> Response:
        """The task's results (the departments of the task), importable again."""
        pk = ctx.request.path_params["pk"]
        return await self._export(
            ctx,
            lambda: exporting.task_results_table(ctx.db, by=ctx.principal, task_id=pk),
            f"任务{pk}检查结果",
        )

    async def entities(self, ctx: Ctx) -> Response:
        """The entity directory of a region (contacts only within the caller's area)."""
        region = ctx.request.query_params.get("region", "").strip()
        return await self._export(
            ctx,
            lambda: exporting.entities_table(ctx.db, by=ctx.principal, region_code=region),
            f"检查对象名录{region}",
        )

    async def inspectors(self, ctx: Ctx) -> Response:
        """The department's inspector directory (admin)."""
        return await self._export(
            ctx, lambda: exporting.inspectors_table(ctx.db, by=ctx.principal), "执法检查人员名录"
        )
