"""The forms of an inspection as PDF (seed 002 art.13), for the departments of its task.

``GET /inspections/{id}/record-form.pdf``: the 《随机抽查联合检查记录表》 (any role of a department of
the task; a participating department's copy has its own members and results).
``POST /inspections/{id}/notice.pdf`` (optional ``?validDays=N``, 1-180, default 60): the 《告知书》
with a fresh one-time activation code printed on it (a clerk or admin; POST because each copy
issues a code). Both with the department's token; anyone else, with or without a token, gets the
404 an invented ID gets. Every copy is audited in the transaction that hands it out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.error_codes import ApiErrorCode
from api.http.auth import Endpoint, authenticate_then_limit
from api.settings import Settings
from inspections import documents
from inspections.error_codes import InspectionErrorCode
from inspections.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from workdays import to_china_date

log = logging.getLogger("gongshi.forms")


def _refusal(status: int, code: str, message: str, field: str | None = None) -> Response:
    body = {"code": code, "message": message, "field": field}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            # Not public (inspectors' names, an activation code): no cache keeps it.
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _valid_days(request: Request) -> int:
    raw = request.query_params.get("validDays", "60")
    if not raw.isdigit():
        raise InvalidInput(
            "激活码有效期应为1到180天的整数",
            code=InspectionErrorCode.VALIDITY_OUT_OF_RANGE,
            field="validDays",
        )
    return int(raw)


def form_routes(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    limit: Callable[[Endpoint], Endpoint],
    clock: Callable[[], datetime],
) -> list[Route]:
    """The two routes to add to the application."""
    font = Path(settings.cjk_font)

    async def hand_out(
        request: Request,
        make: Callable[[AsyncSession], Awaitable[documents.RecordForm | documents.VisitNotice]],
        name: str,
    ) -> Response:
        session: AsyncSession = request.state.session
        try:
            async with session.begin():  # the audit row (and the notice's code) commit with the copy
                content = await make(session)
                # Rendered before the commit: a copy that cannot be made issues no code.
                if isinstance(content, documents.VisitNotice):
                    data = await run_in_threadpool(documents.render_visit_notice, content, font=font)
                else:
                    data = await run_in_threadpool(documents.render_record_form, content, font=font)
        except DomainError as exc:
            status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
            if exc.code == InspectionErrorCode.NOTICE_WITHHELD:
                status = 409
            return _refusal(status, exc.code, exc.message, exc.field)
        except documents.FontMissing as exc:
            log.error("form not rendered: %s", exc)
            return _refusal(503, ApiErrorCode.FONT_MISSING, "服务器缺少中文字体，暂时无法生成文书")
        return _pdf(data, name)

    async def record_form(request: Request) -> Response:
        inspection_id = request.path_params["inspection_id"]

        async def make(session: AsyncSession) -> documents.RecordForm:
            return await documents.record_form(
                session, by=request.state.principal, inspection_id=inspection_id
            )

        return await hand_out(request, make, f"record-form-{inspection_id}.pdf")

    async def notice(request: Request) -> Response:
        inspection_id = request.path_params["inspection_id"]
        if request.method != "POST":  # a link prefetch must never issue a code
            return _refusal(405, ApiErrorCode.METHOD_NOT_ALLOWED, "告知书每份签发新的激活码，请用POST请求")

        async def make(session: AsyncSession) -> documents.VisitNotice:
            now = clock()
            return await documents.visit_notice(
                session,
                by=request.state.principal,
                inspection_id=inspection_id,
                valid_days=_valid_days(request),
                now=now,
                today=to_china_date(now),
            )

        return await hand_out(request, make, f"notice-{inspection_id}.pdf")

    def guarded(endpoint: Endpoint) -> Endpoint:
        return authenticate_then_limit(
            sessions, limit, endpoint, lambda error: _refusal(401, error.code, error.message)
        )

    return [
        Route("/inspections/{inspection_id:int}/record-form.pdf", guarded(record_form)),
        Route("/inspections/{inspection_id:int}/notice.pdf", guarded(notice), methods=["GET", "POST"]),
    ]
