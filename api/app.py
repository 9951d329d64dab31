"""The Starlette application: /graphql, /healthz, /readyz."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from api.graphql import GongshiGraphQL, build_schema
from api.migrations import current_revision, head_revision
from api.settings import Settings
from schema.db import make_engine, make_sessionmaker


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> Starlette:
    """Build the application for ``settings`` (the environment's by default).

    Tests pass ``engine`` and ``sessions`` to run requests inside their own transaction.
    """
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    sessions = sessions or make_sessionmaker(engine)
    graphql_app = GongshiGraphQL(build_schema(), sessions, settings)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
                revision = await connection.run_sync(current_revision)
            checks["database"] = "ok"
            checks["migrations"] = "ok" if revision == head_revision() else f"behind ({revision})"
        except Exception as exc:  # readiness reports any failure instead of raising it
            checks["database"] = f"unreachable ({type(exc).__name__})"
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", **checks},
            status_code=200 if ready else 503,
        )

    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.settings = settings
    return app
