"""The Starlette application: /graphql, /healthz, /readyz, and the website (web/)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

import web
from api.graphql.persisted import PersistedQueries
from api.graphql.schema import build_schema
from api.graphql.view import graphql_endpoint
from api.graphql.web_reader import SchemaReader
from api.http.auth import Endpoint, authenticate_then_limit
from api.http.body_limit import BodySizeLimit
from api.http.caching import http_caching
from api.http.collector import CollectBetweenRequests, freeze_startup_objects
from api.http.downloads import download_routes
from api.http.errors import graphql_error
from api.http.evidence import evidence_routes
from api.http.forms import form_routes
from api.http.hits import CachedHits, GenerationWatch, redis_generation_bump
from api.http.log import log_routes, log_signer
from api.http.observe import Metrics, Observe
from api.http.ratelimit import BudgetHealth, rate_limiter
from api.http.response_cache import ResponseCache
from api.search_runtime import configure_search, search_lifespan, search_readiness
from api.settings import Settings
from inspections.principals import PUBLIC
from schema.base import utcnow
from schema.db import make_engine, make_sessionmaker
from schema.generation import add_after_commit_listener, database_key
from schema.generation_signal import signal_for
from schema.migrate import current_revision, head_revision


def anonymous(endpoint: Endpoint) -> Endpoint:
    """An endpoint that needs no token: its caller is the public (and spends an IP budget)."""

    async def call(request: Request) -> Response:
        request.state.principal = PUBLIC
        return await endpoint(request)

    return call


# CORS for the public API: any origin may read it from a browser; no cookies, so no credentials.
CORS_EXPOSE = ["ETag", "RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-ID"]
# What Starlette's CORS middleware adds to a simple response when the request has an Origin.
CORS_SIMPLE = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(CORS_EXPOSE).encode()),
]


class Gongshi(Starlette):
    """Starlette with one layer outside its whole middleware stack (the hit layer)."""

    def __init__(self, *, outermost: Callable[[ASGIApp], ASGIApp], **options: Any) -> None:
        super().__init__(**options)
        self.outermost = outermost

    def build_middleware_stack(self) -> ASGIApp:
        return self.outermost(super().build_middleware_stack())


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Starlette:
    """Build the application for ``settings`` (the environment's by default).

    Tests pass ``engine`` and ``sessions`` to run requests inside their own transaction.
    """
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    sessions = sessions or make_sessionmaker(engine)
    configure_search(settings)
    budgets = BudgetHealth()
    limit = rate_limiter(settings, budgets)
    metrics = Metrics(sessions)
    # The public response cache and persisted queries (issue 13 part 3); shared through Redis if set.
    cache, persisted = ResponseCache(settings), PersistedQueries(settings)
    schema = build_schema()
    if not settings.short_path:  # one schema per process: a benchmark measures it without the short path
        from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

        schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    # The website's and workspaces' public reads, through the same cache.
    reader = SchemaReader(sessions, settings, clock, cache.store if cache.enabled else None)
    graphql = authenticate_then_limit(
        sessions,
        limit,
        http_caching(
            graphql_endpoint(schema, settings, clock, persisted),
            settings,
            cache=cache,
            persisted=persisted,
            metrics=metrics,
            clock=clock,
        ),
        lambda error: graphql_error(401, error.message, error.code, headers={"WWW-Authenticate": "Bearer"}),
    )

    signal = signal_for(database_key(engine.sync_engine))
    if settings.redis_url:  # other hosts watch the Redis counter: move it after every public commit
        add_after_commit_listener(redis_generation_bump(settings))
    generation = GenerationWatch(signal, settings, budgets)

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
        # Degraded search does not make the service unready: the database backend still answers
        # every search with current data, so taking the instance out of rotation would help no one.
        checks["search"] = await search_readiness(sessions)
        # Rate limits fail open, so a dead Redis degrades them without making the service unready.
        checks["rateLimits"] = budgets.state
        return JSONResponse(
            {"status": "ready" if ready else "not ready", **checks},
            status_code=200 if ready else 503,
        )

    async def draw_candidates(request: Request) -> Response:
        """The frozen candidate list of a task's draw, exactly as hashed: anyone can re-run the draw."""
        from inspections.draw_algorithm import candidate_list_text
        from inspections.draws import frozen_candidates
        from inspections.withholding import drawn_list_hidden
        from schema.models import Draw, Task

        task_id = request.path_params["task_id"]
        async with sessions() as session:
            draw = await session.scalar(sa.select(Draw).where(Draw.task_id == task_id))
            if draw is None:
                return PlainTextResponse("该任务尚未冻结候选名单\n", status_code=404)
            # 不宜告知: at a 100% ratio the candidates are the drawn list; its hash stays public.
            task = await session.get(Task, task_id)
            if task is not None and drawn_list_hidden(task):
                return PlainTextResponse("该任务不宜告知：候选名单在检查全部结束后公布\n", status_code=404)
            text = candidate_list_text(await frozen_candidates(session, draw.id))
        return PlainTextResponse(text, headers={"X-Candidates-SHA256": draw.candidates_sha256})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with search_lifespan(sessions), log_signer(sessions, settings):  # public log (issue 18)
            freeze_startup_objects()
            yield
        generation.close()
        await cache.store.close()
        await persisted.store.close()
        await engine.dispose()

    def hits(stack: ASGIApp) -> ASGIApp:
        # Anonymous reads answered before everything else, Starlette's error middleware included
        # (issues 13 and 15); what it cannot answer goes down the stack.
        return CachedHits(
            stack,
            settings=settings,
            generation=generation,
            limiter=limit,
            metrics=metrics,
            clock=clock,
            cors_headers=CORS_SIMPLE,
        )

    app = Gongshi(
        outermost=hits,
        routes=[
            Route("/healthz", healthz),
            Route("/metrics", metrics.endpoint),
            Route("/readyz", readyz),
            Route("/tasks/{task_id:int}/draw/candidates.txt", anonymous(limit(draw_candidates))),
            # Every method reaches the view, which answers the ones GraphQL does not take with a
            # GraphQL-shaped 405 (Starlette's own would be plain text).
            Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
            *log_routes(sessions, settings),  # the public log: checkpoint, tiles, key (issue 18)
            *download_routes(
                sessions, settings, limit
            ),  # snapshot, templates, statistics, task results (issue 6)
            *evidence_routes(sessions, settings, limit),  # objection evidence for its parties (issue 14)
            *form_routes(sessions, settings, limit, clock),  # 记录表 and 告知书 as PDF (issue 14 point 11)
            # The workspaces (issue 16): signed-in pages for entities (/my) and departments (/dept).
            *web.workspace_routes(web.Workspace(sessions, settings, clock, limit), reader),
            # The website (issue 15) last: its final route answers every unknown GET with a 404 page.
            *web.routes(reader=reader, settings=settings, limit=limit),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(Observe, metrics=metrics),
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-request-id", "if-none-match"],
                expose_headers=CORS_EXPOSE,
                max_age=86400,
            ),
            # Level 6 as the hit layer's kept answers (Starlette's default is 9): a 100-result
            # page (45 KB) takes 0.19 ms instead of 0.40 for 4% more bytes (BENCHMARKS.md, "The public
            # edge in the seventh session").
            Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6),
            Middleware(CollectBetweenRequests),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                max_multipart_bytes=settings.max_multipart_bytes,
                max_anonymous_bytes=settings.max_anonymous_body_bytes,
            ),
        ],
    )
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.settings = settings
    app.state.response_cache, app.state.persisted_queries = cache, persisted
    return app
