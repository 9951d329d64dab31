"""The public log over HTTP (issue 18): ``/log/checkpoint``, ``/log/tile/...``, ``/log/key``.

The C2SP tlog-tiles layout: the checkpoint changes (``no-cache``); a tile or entry bundle, full or
partial, never changes once it exists (``immutable``), so a CDN or a mirror can serve it. No rate
limit: these are static, meant to be cached, and an auditor fetches thousands of them.
Also the periodic signer the app's lifespan runs when GONGSHI_LOG_KEY_FILE is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import tlog
from api.settings import Settings

log = logging.getLogger(__name__)
SIGN_EVERY = 30.0  # seconds: "at least once a minute while the log grows" with room for a slow round
IMMUTABLE = "public, max-age=31536000, immutable"


def log_routes(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> list[Route]:
    """The routes to add to the application."""

    async def checkpoint(request: Request) -> Response:
        async with sessions() as session:
            latest = await tlog.latest_checkpoint(session)
        if latest is None:
            return PlainTextResponse(
                "尚未签署检查点\n", status_code=404, headers={"Cache-Control": "no-cache"}
            )
        return PlainTextResponse(latest.note, headers={"Cache-Control": "no-cache"})

    async def tile(request: Request) -> Response:
        ref = tlog.parse_path("tile/" + request.path_params["path"])
        data = None
        if ref is not None:
            async with sessions() as session:
                data = await tlog.read_tile(session, ref)
        if data is None:
            return PlainTextResponse("没有该瓦片\n", status_code=404, headers={"Cache-Control": "no-cache"})
        return Response(data, media_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE})

    async def key(request: Request) -> Response:
        if not settings.log_key_file:
            return PlainTextResponse("未配置签名密钥\n", status_code=404)
        signer = tlog.load_signer(settings.log_key_file)
        return PlainTextResponse(signer.verifier.encode() + "\n", headers={"Cache-Control": "no-cache"})

    return [
        Route("/log/checkpoint", checkpoint),
        Route("/log/key", key),
        Route("/log/tile/{path:path}", tile),
    ]


async def sign_once(
    sessions: async_sessionmaker[AsyncSession], signer: tlog.Signer, *, force: bool = False
) -> int:
    """Sign a checkpoint if the log grew (or if ``force``); return its size."""
    async with sessions() as session:
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        checkpoint = await tlog.sign_checkpoint(session, signer, force=force)
        await session.commit()
        return checkpoint.size


@contextlib.asynccontextmanager
async def log_signer(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> AsyncIterator[None]:
    """Sign every SIGN_EVERY seconds while serving, when a key is configured (refuse a bad key file)."""
    if not settings.log_key_file:
        yield
        return
    signer = tlog.load_signer(settings.log_key_file)  # a LogError here stops the start-up, by design

    async def forever() -> None:
        while True:
            try:
                await sign_once(sessions, signer)
            except Exception:  # the signer outlives a database hiccup; the next round signs
                log.exception("public log checkpoint signing failed")
            await asyncio.sleep(SIGN_EVERY)

    task = asyncio.create_task(forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
