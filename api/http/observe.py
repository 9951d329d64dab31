"""What a deployer expects around every request: a request id, a JSON access log, /metrics.

The request id is the caller's ``X-Request-ID`` when it is a sane token, a fresh one otherwise; it
is returned in the same header and written in the access log line (one JSON object per request,
logger ``gongshi.access``). Metrics are Prometheus's text format from a registry of the app's own
(two apps in one process, as in the tests, do not collide).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

import orjson
import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("gongshi.access")
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class Metrics:
    """The service's counters and histograms, in a registry of their own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gongshi_http_requests",
            "HTTP requests answered",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gongshi_http_request_duration_seconds",
            "Time to answer a request",
            ["route"],
            buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.refusals = Counter(
            "gongshi_rate_limit_refusals", "Requests refused by the rate limits (429)", registry=self.registry
        )
        self.cost = Histogram(
            "gongshi_graphql_query_cost",
            "GraphQL query cost (first multiplies nested connections)",
            buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
            registry=self.registry,
        )

        self.cache_hits = Counter(
            "gongshi_response_cache_hits",
            "Anonymous queries answered from the response cache",
            registry=self.registry,
        )
        self.cache_misses = Counter(
            "gongshi_response_cache_misses",
            "Anonymous queries the response cache did not hold",
            registry=self.registry,
        )
        self.outbox = Gauge(
            "gongshi_search_outbox_depth",
            "Search outbox rows not yet sent to Elasticsearch (read at each scrape)",
            registry=self.registry,
        )

    async def endpoint(self, request: Request) -> Response:
        if self.sessions is not None:
            from schema.models import SearchOutbox

            try:
                async with self.sessions() as session:
                    depth = await session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox))
                self.outbox.set(int(depth or 0))
            except SQLAlchemyError:
                self.outbox.set(float("nan"))  # the database is unreachable: /readyz says so
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def route_label(path: str) -> str:
    """A low-cardinality label: the first path segment (``/graphql``, ``/results``, ...)."""
    return "/" + path.strip("/").split("/", 1)[0]


class Observe:
    """ASGI middleware: request id in and out, one access log line, the request metrics."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        size = 0

        async def observed_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            elapsed = time.perf_counter() - started
            route = route_label(scope["path"])
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            if status == 429:
                self.metrics.refusals.inc()
            cost = scope["state"].get("query_cost")
            if cost is not None:
                self.metrics.cost.observe(cost)
            client = scope.get("client")
            access_log.info(
                orjson.dumps(
                    {
                        "requestId": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                        "bytes": size,
                        "client": client[0] if client else None,
                        "cost": cost,
                    }
                ).decode()
            )
