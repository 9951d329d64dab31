"""Downloads (issue 6): the bulk snapshot of published results, import templates, statistics tables
and a task's results as XLSX or CSV with Chinese headers.

The snapshot and templates need no login. Statistics give public figures without a token and full
figures with a department token; a task's results need the token of a department of the task.
Refusals answer JSON ``{"code", "message", "field"}`` with 400/401/403/404, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from api.error_codes import ApiErrorCode as Code
from api.http.auth import Endpoint, authenticate_then_limit
from api.http.caching import etag_matches
from api.settings import Settings
from inspections.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from inspections.principals import Principal
from inspections.spreadsheets import exporting, snapshot
from inspections.spreadsheets.columns import TEMPLATES
from inspections.spreadsheets.licence import data_licence, manifest_terms
from inspections.spreadsheets.writing import MEDIA_TYPES, render, template_file
from inspections.statistics import Scope
from workdays import china_today

SNAPSHOT_TYPES = {
    "ndjson": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def _refusal(status: int, code: str, message: str, field: str | None = None) -> Response:
    body = {"code": code, "message": message, "field": field}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _domain(exc: DomainError) -> Response:
    status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
    return _refusal(status, exc.code, exc.message, exc.field)


def _attachment(data: bytes, filename: str, media_type: str) -> Response:
    # RFC 6266: an ASCII fallback plus the UTF-8 name, so Chinese file names survive every browser.
    disposition = (
        f"attachment; filename=\"download.{filename.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(filename)}"
    )
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


def _int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise InvalidInput(f"{name} 应为数字", code=Code.ID_INVALID, field=name)
    return int(raw)


def download_routes(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, limit: Callable[[Endpoint], Endpoint]
) -> list[Route]:
    """The routes to add to the application."""
    lock = asyncio.Lock()
    directory = Path(settings.snapshot_dir)
    terms = manifest_terms(data_licence(settings.data_licence), settings.data_publisher)

    async def published_results(request: Request) -> Response:
        """The newest snapshot; the first request of a new day (China time) regenerates it."""
        fmt = request.path_params["fmt"]
        if fmt not in SNAPSHOT_TYPES:
            return _refusal(404, Code.FORMAT_UNKNOWN, "可下载 ndjson、csv 或 json（清单）")
        today = china_today()
        manifest = await asyncio.to_thread(snapshot.read_manifest, directory)
        if manifest is None or manifest.generated_on < today:
            async with lock:  # one regeneration per process, however many ask at once
                manifest = await asyncio.to_thread(snapshot.read_manifest, directory)
                if manifest is None or manifest.generated_on < today:
                    async with sessions() as session:
                        manifest = await snapshot.write_snapshot(session, directory, today=today, terms=terms)
        headers = {
            "Cache-Control": "public, max-age=3600",
            "X-Snapshot-Generated-At": manifest.generated_at.isoformat(),
        }
        if fmt in manifest.sha256:
            headers["ETag"] = f'"{manifest.sha256[fmt]}"'
            headers["X-Content-SHA256"] = manifest.sha256[fmt]
            if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
                return Response(status_code=304, headers=headers)  # the mirror already has it
        return FileResponse(
            directory / f"{snapshot.BASENAME}.{fmt}", media_type=SNAPSHOT_TYPES[fmt], headers=headers
        )

    async def template(request: Request) -> Response:
        kind, fmt = request.path_params["kind"], request.path_params["fmt"]
        if kind not in TEMPLATES or fmt not in MEDIA_TYPES:
            return _refusal(
                404,
                Code.TEMPLATE_NOT_FOUND,
                "模板为 entities、inspectors 或 results，格式为 xlsx 或 csv",
            )
        data = await asyncio.to_thread(template_file, TEMPLATES[kind], fmt)
        return _attachment(data, f"{TEMPLATES[kind].title}导入模板.{fmt}", MEDIA_TYPES[fmt])

    def with_caller(
        work: Callable[[Request, AsyncSession, Principal], Awaitable[Response]],
    ) -> Endpoint:
        async def run(request: Request) -> Response:
            session: AsyncSession = request.state.session
            try:
                async with session.begin():
                    return await work(request, session, request.state.principal)
            except DomainError as exc:
                return _domain(exc)

        # The same budget as /graphql: a download, an invented token and a query all count.
        return authenticate_then_limit(
            sessions, limit, run, lambda error: _refusal(401, error.code, error.message)
        )

    async def statistics_tables(request: Request, session: AsyncSession, by: Principal) -> Response:
        table, fmt = request.path_params["table"], request.path_params["fmt"]
        exporting.check_format(fmt)
        scope = Scope(
            year=_int(request, "year"),
            task_id=_int(request, "taskId"),
            department_id=_int(request, "departmentId"),
            region_code=request.query_params.get("regionCode") or None,
        )
        if table == "all" and fmt != "xlsx":
            return _refusal(400, Code.FORMAT_UNKNOWN, "全部统计表只能下载为xlsx（每表一页）", "format")
        data, name = await exporting.statistics_file(
            session, by=by, scope=scope, table=None if table == "all" else table, fmt=fmt, today=china_today()
        )
        return _attachment(data, name, MEDIA_TYPES[fmt])

    async def task_results(request: Request, session: AsyncSession, by: Principal) -> Response:
        fmt = exporting.check_format(request.path_params["fmt"])
        table = await exporting.task_results_table(session, by=by, task_id=request.path_params["task_id"])
        return _attachment(
            render([table], fmt),
            f"{table.title}-任务{request.path_params['task_id']}.{fmt}",
            MEDIA_TYPES[fmt],
        )

    return [
        Route("/downloads/published-results.{fmt}", published_results),
        Route("/templates/{kind}.{fmt}", template),
        Route("/statistics/{table}.{fmt}", with_caller(statistics_tables)),
        Route("/tasks/{task_id:int}/results.{fmt}", with_caller(task_results)),
    ]
