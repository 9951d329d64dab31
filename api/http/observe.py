"""What a deployer expects around every request: a request id, a JSON access log, /metrics.

The request id is the caller's ``X-Request-ID`` when it is a sane token, a fresh one otherwise; it
is returned in the same header and written in the access log line (one JSON object per request,
logger ``gongshi.access``). Metrics are Prometheus's text format from a registry of the app's own
(two apps in one process, as in the tests, do not collide).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import time
import uuid
from typing import Any

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

from api.http.log_writer import direct_sink
from schema.versions import tested

access_log = logging.getLogger("gongshi.access")
# prometheus_client releases whose histogram internals HitTally.fold adds to (constraints.txt pins).
PROMETHEUS_SERIES = ("0.26",)
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

        self.tally = HitTally(self)

    async def endpoint(self, request: Request) -> Response:
        self.tally.fold()
        if self.sessions is not None:
            from schema.models import SearchOutbox

            try:
                async with self.sessions() as session:
                    depth = await session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox))
                self.outbox.set(int(depth or 0))
            except SQLAlchemyError:
                self.outbox.set(float("nan"))  # the database is unreachable: /readyz says so
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class HitTally:
    """The hit layer's observations as plain numbers, added to the registry at each scrape.

    A Prometheus counter or histogram takes a lock and walks its buckets on every call, ~2.5 us
    for the five a request makes: more than the rest of a cached answer's own work. Here a hit
    adds to dicts (one event loop, no lock needed) and :meth:`fold` moves the sums into the
    metrics when /metrics is read, so the exported figures are the same. Histograms are added
    to through their internals (``_upper_bounds``, ``_buckets``, ``_sum``) on the tested
    releases; on others every hit observes through the public API as it comes.
    """

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.direct = not tested(
            "prometheus_client", PROMETHEUS_SERIES, purpose="hit metrics added at scrape"
        )
        self.latency_bounds = list(metrics.latency._upper_bounds) if not self.direct else []
        self.cost_bounds = list(metrics.cost._upper_bounds) if not self.direct else []
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[str, list[Any]] = {}  # route -> [count per bucket..., sum]
        self.cost: list[Any] = [0] * len(self.cost_bounds) + [0.0]
        self.hits = 0

    def add(self, route: str, method: str, status: str, elapsed: float, cost: int) -> None:
        """One answered hit."""
        if self.direct:
            metrics = self.metrics
            metrics.requests.labels(route, method, status).inc()
            metrics.latency.labels(route).observe(elapsed)
            metrics.cache_hits.inc()
            metrics.cost.observe(cost)
            return
        key = (route, method, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        latency = self.latency.get(route)
        if latency is None:
            latency = self.latency[route] = [0] * len(self.latency_bounds) + [0.0]
        latency[bisect.bisect_left(self.latency_bounds, elapsed)] += 1
        latency[-1] += elapsed
        self.cost[bisect.bisect_left(self.cost_bounds, cost)] += 1
        self.cost[-1] += cost
        self.hits += 1

    def fold(self) -> None:
        """Add what was tallied since the last fold to the registry's metrics."""
        if self.direct:
            return
        metrics = self.metrics
        requests, self.requests = self.requests, {}
        latency, self.latency = self.latency, {}
        cost, self.cost = self.cost, [0] * len(self.cost_bounds) + [0.0]
        hits, self.hits = self.hits, 0
        for labels, count in requests.items():
            metrics.requests.labels(*labels).inc(count)
        for route, counts in latency.items():
            _add_to_histogram(metrics.latency.labels(route), counts)
        _add_to_histogram(metrics.cost, cost)
        if hits:
            metrics.cache_hits.inc(hits)


def _add_to_histogram(histogram: Any, counts: list[Any]) -> None:
    for bucket, count in zip(histogram._buckets, counts[:-1], strict=True):
        if count:
            bucket.inc(count)
    if any(counts[:-1]):
        histogram._sum.inc(counts[-1])


def write_access_line(
    scope: Scope,
    request_id: str,
    status: int,
    elapsed: float,
    size: int,
    cost: int | None,
    *,
    hit: bool = False,
) -> None:
    """The request's one JSON line on ``gongshi.access``: straight to the writer's deque when that
    is the logger's only handler (api/http/log_writer.py), through ``logging`` otherwise.

    ``request_id``: SANE_ID's characters only (both callers check or make it), so it is written
    without escaping. The line is filled into a template rather than dumped from a dict: for a
    cached answer the dict, ``round`` and the dump were ~1.5 us of its ~10 (BENCHMARKS.md).
    """
    sink = direct_sink(access_log)
    if sink is None and not access_log.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    values = (
        request_id,
        scope["method"],
        scope["path"],
        status,
        elapsed,
        size,
        client[0] if client else None,
        cost,
        hit,
    )
    if sink is not None:
        # Formatted by the writer thread, a batch at a time: formatted here, between everything
        # else a request does, a cached answer's line cost ~5 us of its ~53 in the server against
        # ~1.6 in a loop (BENCHMARKS.md, "The public edge in the seventh session").
        sink((_access_line, values))
    else:
        access_log.info(_access_line(*values))


def _access_line(
    request_id: str,
    method: str,
    path: str,
    status: int,
    elapsed: float,
    size: int,
    client: str | None,
    cost: int | None,
    hit: bool,
) -> str:
    return _ACCESS_LINE % (
        request_id,
        _json_text(method),
        _json_text(path),
        status,
        elapsed * 1000,
        size,
        "null" if client is None else _json_text(client),
        "null" if cost is None else str(int(cost)),
        _HIT if hit else "",
    )


_ACCESS_LINE = (
    '{"requestId":"%s","method":%s,"path":%s,"status":%d,"ms":%.2f,"bytes":%d,"client":%s,"cost":%s%s}'
)
_HIT = ',"hit":true'
_json_texts: dict[str, str] = {}  # a method, path or address -> its JSON string


def _json_text(value: str) -> str:
    """``value`` as a JSON string, remembered: the same few methods, paths and addresses recur."""
    text = _json_texts.get(value)
    if text is None:
        if len(_json_texts) > 10_000:  # paths by id, many clients: keep it bounded
            _json_texts.clear()
        text = _json_texts[value] = orjson.dumps(value).decode()
    return text


def route_label(path: str) -> str:
    """A low-cardinality label: the first path segment (``/graphql``, ``/results``, ...)."""
    return "/" + path.strip("/").split("/", 1)[0]


class Observe:
    """ASGI middleware: request id in and out, one access log line, the request metrics."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # Request ids as the hit layer makes them (32 hex digits): a random prefix per process and
        # a counter, rather than a uuid4 per request (an os.urandom call, ~2 us).
        self.id_prefix = uuid.uuid4().hex[:20]
        self.id_numbers = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if SANE_ID.fullmatch(given) else f"{self.id_prefix}{next(self.id_numbers):012x}"
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
            write_access_line(scope, request_id, status, elapsed, size, cost)
