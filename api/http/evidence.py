"""Objection evidence downloads (证明材料, seed 002 art.17): ``GET /objections/evidence/{id}``.

For the entity that filed the objection, the initiating department and the department whose result
is under objection, with their token (``Authorization: Bearer``). Anyone else, with or without a
token, gets the 404 an invented ID gets, body for body. Each download is audited in the same
transaction that hands the file out (objections/evidence.py).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.http.auth import Endpoint, authenticate_then_limit
from api.settings import Settings
from inspections.errors import DomainError, NotFound, PermissionDenied
from objections import evidence
from objections.storage import LocalDirectoryStorage


def _refusal(status: int, code: str, message: str, field: str | None = None) -> Response:
    body = {"code": code, "message": message, "field": field}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def evidence_routes(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, limit: Callable[[Endpoint], Endpoint]
) -> list[Route]:
    """The route to add to the application."""
    storage = LocalDirectoryStorage(settings.evidence_dir)

    async def download(request: Request) -> Response:
        session: AsyncSession = request.state.session
        try:
            async with session.begin():  # the audit row commits with the download
                found = await evidence.download(
                    session,
                    by=request.state.principal,
                    evidence_id=request.path_params["evidence_id"],
                    storage=storage,
                )
        except DomainError as exc:
            status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, PermissionDenied) else 400
            return _refusal(status, exc.code, exc.message, exc.field)
        row = found.evidence
        suffix = row.filename.rsplit(".", 1)[-1] if "." in row.filename else "bin"
        disposition = f"attachment; filename=\"evidence.{suffix}\"; filename*=UTF-8''{quote(row.filename)}"
        return Response(
            found.data,
            media_type=row.content_type,
            headers={
                "Content-Disposition": disposition,
                "X-Content-SHA256": row.sha256,
                # Not public: no shared cache keeps it, no browser cache outlives the session.
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    endpoint = authenticate_then_limit(
        sessions, limit, download, lambda error: _refusal(401, error.code, error.message)
    )
    return [Route("/objections/evidence/{evidence_id:int}", endpoint)]
