"""The hit layer: anonymous reads answered from memory at the top of the stack (issues 13 and 15).

One raw ASGI layer, outside every other middleware and before Starlette's routing, answers an
anonymous request it has answered before at the same publication generation and day in China:

- which requests: ``/graphql`` by GET (query string, APQ hash included) or by JSON POST, and GET
  of the website's public pages (:data:`PAGES`); never with an ``Authorization`` header, never
  with a session cookie (so never the workspaces), never a page that sets a cookie;
- the key: the raw query string, or the body's BLAKE2b; for pages the path, the query string and
  the 适老化 cookie (the only setting that changes a public page);
- the generation without a database read: :class:`GenerationWatch` compares the shared-memory
  signal (schema/generation_signal.py) with the value it saw at its last database read, and reads
  again when it moved, when the Redis counter moved (REDIS_URL: other hosts), or every
  ``generation_recheck_ms`` (a writer that died between its commit and the signal);
- the answer: the bytes the stack answered the first time, with the same headers (ETag and 304
  on If-None-Match, Cache-Control, Vary, gzip above 1 KB when accepted, the RateLimit fields,
  X-Request-ID, CORS), the caller's rate budget charged the answer's query cost as the stack
  would, the access log line and the request metrics.

A request the layer cannot answer goes down the stack unchanged, except that a candidate's
``Accept-Encoding`` and ``If-None-Match`` are withheld so that the layer gets the plain 200 it
keeps, then compresses and revalidates it itself, exactly as it does for hits.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import itertools
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import redis_client
from api.http.observe import SANE_ID, Metrics, route_label, write_access_line
from api.http.ratelimit import BudgetHealth, Charge, RateLimiter, address_of
from api.settings import Settings
from schema.generation_signal import GenerationSignal
from workdays import to_china_date
from workdays.china_time import CHINA_TZ

if TYPE_CHECKING:
    import redis

log = logging.getLogger("gongshi.hits")

# The website's public pages (issue 15): exact paths, and prefixes followed by an id or a code.
PAGES = frozenset(
    {"/", "/search", "/search/suggest", "/plans", "/tasks", "/statistics", "/downloads", "/api"}
    | {"/api/graphiql", "/how-to-object"}
)
PAGE_PREFIXES = ("/entities/", "/results/", "/tasks/")
SESSION_COOKIE = b"gongshi_session="
ELDER_COOKIE = "gongshi_elder"
GZIP_MIN = 1024  # as the GZip middleware below: smaller answers are sent as they are
# Response headers that belong to one request, not to the answer kept.
PER_REQUEST = frozenset(
    {
        b"x-request-id",
        b"ratelimit",
        b"ratelimit-policy",
        b"x-ratelimit-limit",
        b"x-ratelimit-remaining",
        b"x-ratelimit-reset",
        b"retry-after",
        b"content-length",
        b"content-encoding",
        b"access-control-allow-origin",
        b"access-control-expose-headers",
        b"vary",
    }
)


class GenerationWatch:
    """The publication generation as the stack last read it, and whether it may have moved since.

    The layer never reads the database itself: a request it cannot vouch for goes down the stack,
    which reads the generation in its own transaction (api/http/caching.py, the website's reader)
    and leaves it in the request's state; :meth:`learned` takes it with the marks read before.
    """

    def __init__(
        self,
        signal: GenerationSignal | None,
        settings: Settings,
        health: BudgetHealth,
    ) -> None:
        self.signal = signal
        self.recheck = settings.generation_recheck_ms / 1000
        self.health = health
        self.redis: redis.Redis | None = None
        self.redis_key = f"{settings.rate_limit_prefix}:generation"
        self.failures = redis_client.NO_FAILURES
        if settings.redis_url:
            self.redis = redis_client.client(settings.redis_url, settings.rate_limit_timeout_ms)
            self.failures = redis_client.failures()
        self.seen: tuple[int, bytes | None] | None = None  # (signal, Redis counter) at the last read
        self.generation = 0
        self.read_at = 0.0
        self.recheck_started: float | None = None  # when a request went down to read it again

    def marks(self) -> tuple[int, bytes | None] | None:
        """The signal (and, with Redis, nothing more: see :meth:`read_marks`) now; None when the
        signal is unavailable (never fresh)."""
        if self.signal is None:
            return None
        return self.signal.read(), None

    async def read_marks(self) -> tuple[int, bytes | None] | None:
        """The signal and the Redis counter now; None when either is unavailable (never fresh).

        The Redis client is synchronous (its connections outlive any one event loop), so the read
        runs in a worker thread: a slow or hung Redis holds that thread, never the event loop.
        """
        if self.redis is None:
            return self.marks()
        return await asyncio.to_thread(self.read_marks_here)

    def read_marks_here(self) -> tuple[int, bytes | None] | None:
        """:meth:`read_marks` in the calling thread (a worker thread: it waits on Redis)."""
        if self.signal is None:
            return None
        if self.redis is not None:
            if not self.health.available():
                return None  # the store failed a moment ago: asked again after its pause
            try:
                value = self.redis.get(self.redis_key)
            except self.failures as exc:
                self.health.failed(exc)
                return None
            return self.signal.read(), value if isinstance(value, bytes) else b""
        return self.signal.read(), None

    def young(self, generation: int) -> bool:
        """Whether ``generation`` is the one last read and that read is recent: a hit then only
        needs the marks to be unmoved (:meth:`fresh` without its recheck)."""
        return (
            self.seen is not None
            and generation == self.generation
            and time.monotonic() - self.read_at < self.recheck
        )

    def fresh(self, marks: tuple[int, bytes | None] | None) -> bool:
        """Whether :attr:`generation` is still the database's: no mark moved since ``marks`` (read
        just now by :meth:`marks` or :meth:`read_marks`), not too old.

        When only its age says to read it again, the first request to find it old goes down the
        stack to read it (False) and the others are still answered meanwhile (True): otherwise
        every request in flight ran the whole query at once, once a recheck interval. A recheck
        that never reports back is retried by the first request after another interval, so an
        unsignalled commit shows within two intervals at most.
        """
        if self.seen is None or marks is None or marks != self.seen:
            return False
        now = time.monotonic()
        if now - self.read_at < self.recheck:
            return True
        if self.recheck_started is not None and now - self.recheck_started < self.recheck:
            return True
        self.recheck_started = now
        return False

    def learned(self, marks: tuple[int, bytes | None] | None, generation: int) -> None:
        """Take ``generation``, read from the database after ``marks`` were read, as the current one."""
        if marks is not None:
            self.seen, self.generation, self.read_at = marks, generation, time.monotonic()
            self.recheck_started = None

    def close(self) -> None:
        if self.redis is not None:
            self.redis.close()


class KeptAnswers:
    """The kept answers by key, least recently used first out past ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[bytes, Kept] = OrderedDict()

    def get(self, key: bytes) -> Kept | None:
        kept = self.entries.get(key)
        if kept is not None:
            self.entries.move_to_end(key)
        return kept

    def __setitem__(self, key: bytes, kept: Kept) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old.size
        self.entries[key] = kept
        self.size += kept.size
        while self.size > self.max_bytes and self.entries:
            _, dropped = self.entries.popitem(last=False)
            self.size -= dropped.size


class Kept:
    """An answer kept by the layer: its plain and gzipped bodies and the headers of the answer."""

    __slots__ = (
        "body",
        "cost",
        "day",
        "etag",
        "generation",
        "gzip_headers",
        "gzip_lines",
        "gzipped",
        "headers",
        "not_modified_lines",
        "plain_headers",
        "plain_lines",
    )

    def __init__(
        self,
        body: bytes,
        headers: list[tuple[bytes, bytes]],
        etag: bytes,
        cost: int,
        generation: int,
        day: str,
    ) -> None:
        # A copy of exactly the body's size: orjson's output keeps the buffer it wrote into
        # (4 KB at least, whatever the length), so a kept 300-byte answer held 4 KB; measured,
        # ~3 MB of a fuzz worker's memory for 0.2 MB of kept answers (BENCHMARKS.md, issue 13).
        self.body = bytes(memoryview(body))
        # mtime 0: the same bytes in every worker and every second, as one strong ETag promises.
        self.gzipped = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN else None
        self.headers = headers
        self.plain_headers = [*headers, (b"content-length", str(len(body)).encode())]
        self.gzip_headers = self.plain_headers
        if self.gzipped is not None:
            self.gzip_headers = [
                *headers,
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(self.gzipped)).encode()),
            ]
        # The same headers as lines of an HTTP answer, for the protocol's hits (answer_now).
        self.plain_lines = _lines(self.plain_headers)
        self.gzip_lines = _lines(self.gzip_headers)
        self.not_modified_lines = _lines(headers)
        self.etag = etag
        self.cost = cost
        self.generation = generation
        self.day = day

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + 300


def _lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    """``headers`` as the lines of an HTTP/1.1 answer (names and values are the layer's own or the
    stack's, already checked by the server when the stack's answer went out)."""
    return b"".join(name + b": " + value + b"\r\n" for name, value in headers)


def _variant(request: _Request, kept: Kept) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
    """The form of a kept answer a request gets (a 304 on its ETag, gzipped when accepted, else
    plain): status, body, and the kept headers as a list (ASGI) and as lines (the protocol)."""
    if request.if_none_match is not None and _etag_matches(request.if_none_match, kept.etag):
        return 304, b"", kept.headers, kept.not_modified_lines
    if request.accepts_gzip and kept.gzipped is not None:
        return 200, kept.gzipped, kept.gzip_headers, kept.gzip_lines
    return 200, kept.body, kept.plain_headers, kept.plain_lines


def _etag_matches(header: bytes | None, etag: bytes) -> bool:
    if not header:
        return False
    if header.strip() == b"*":
        return True
    return etag in {tag.strip().removeprefix(b"W/") for tag in header.split(b",")}


class _Request:
    """What the layer read from a request's headers (one pass over them)."""

    __slots__ = (
        "accepts_gzip",
        "client",
        "content_length",
        "content_type",
        "cookie",
        "forwarded",
        "if_none_match",
        "origin",
        "request_id",
        "token",
    )

    def __init__(self, scope: Scope) -> None:
        self.token = False
        self.cookie = b""
        self.if_none_match: bytes | None = None
        self.accepts_gzip = False
        self.request_id: bytes | None = None
        self.origin = False
        self.content_type = b""
        self.content_length: bytes | None = None
        self.forwarded: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                self.token = True
            elif name == b"cookie":
                self.cookie = value if not self.cookie else self.cookie + b"; " + value
            elif name == b"if-none-match":
                self.if_none_match = value
            elif name == b"accept-encoding":
                self.accepts_gzip = b"gzip" in value
            elif name == b"x-request-id":
                self.request_id = value
            elif name == b"origin":
                self.origin = True
            elif name == b"content-type":
                self.content_type = value
            elif name == b"content-length":
                self.content_length = value
            elif name == b"x-forwarded-for":
                self.forwarded = value
        client = scope.get("client")
        self.client = client[0] if client else "unknown"


class CachedHits:
    """ASGI middleware: see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        generation: GenerationWatch,
        limiter: RateLimiter,
        metrics: Metrics,
        clock: Callable[[], datetime],
        cors_headers: list[tuple[bytes, bytes]],
    ) -> None:
        self.app = app
        self.settings = settings
        self.enabled = settings.response_cache_bytes > 0
        self.generation = generation
        self.limiter = limiter
        self.metrics = metrics
        self.clock = clock
        self.cors_headers = cors_headers
        self.cors_lines = _lines(cors_headers)
        self.max_body = min(settings.max_body_bytes, settings.max_anonymous_body_bytes)
        self.kept = KeptAnswers(settings.response_cache_bytes)
        self.max_entry = settings.response_cache_bytes // 8
        self.day_from: datetime | None = None
        self.day_to: datetime | None = None
        self.day = ""
        self.routes: dict[str, str] = {}
        self.tally = metrics.tally
        self.id_prefix = uuid.uuid4().hex[:20].encode()
        self.id_numbers = itertools.count(1)

    def _today(self) -> str:
        now = self.clock()
        if self.day_from is None or self.day_to is None or not (self.day_from <= now < self.day_to):
            # The China day around ``now``, computed once a day (China has no daylight saving).
            day = to_china_date(now)
            self.day = day.isoformat()
            self.day_from = _first_instant_of(day, now)
            self.day_to = self.day_from + timedelta(days=1)
        return self.day

    def candidate(self, scope: Scope) -> _Request | None:
        """What the layer reads of a request it may answer (an anonymous GET or JSON POST of
        ``/graphql``, a GET of a public page, with no token and no session); None otherwise."""
        if not self.enabled:
            return None
        path, method = scope["path"], scope["method"]
        if path == "/graphql":
            if method != "GET" and method != "POST":
                return None
        elif method != "GET" or not (path in PAGES or path.startswith(PAGE_PREFIXES)):
            return None
        request = _Request(scope)
        if request.token or SESSION_COOKIE in request.cookie:
            return None
        if method == "POST":
            length = request.content_length
            if (
                not request.content_type.startswith(b"application/json")
                or length is None
                or not length.isdigit()
                or int(length) > self.max_body
            ):
                return None
        return request

    def key_of(self, scope: Scope, request: _Request, body: bytes) -> bytes:
        """The kept answer's key: the body's hash (POST), the query string (GET of /graphql), or
        the page's path, query string and 适老化 setting."""
        if scope["method"] == "POST":
            key = b"P" + hashlib.blake2b(body, digest_size=20).digest()
        elif scope["path"] == "/graphql":
            key = b"G" + scope["query_string"]
        else:
            # Read as the website reads it (Starlette's parser, web/site.py), not as bytes: a
            # spelling one reads and the other does not put one setting's page under the other's key.
            cookies = cookie_parser(request.cookie.decode("latin-1")) if request.cookie else {}
            elder = b"1" if cookies.get(ELDER_COOKIE) == "1" else b"0"
            key = b"W" + elder + scope["path"].encode() + b"?" + scope["query_string"]
        if len(key) > 512:
            key = key[:1] + hashlib.blake2b(key, digest_size=20).digest()
        return key

    @property
    def answers_in_protocol(self) -> bool:
        """Whether :meth:`answer_now` can answer at all: the cache is on and nothing it needs for a
        hit waits on a network store (with REDIS_URL the hit's checks run in a worker thread)."""
        return self.enabled and self.generation.redis is None and not self.limiter.blocking

    def answer_now(self, scope: Scope, request: _Request, body: bytes) -> tuple[int, bytes, bytes] | None:
        """A hit answered without the event loop, for the HTTP protocol (api/http/hit_protocol.py):
        its status, its header lines (without the server's own) and its body, everything else a hit
        does done (the rate charge, the access line, the metrics). None when it is not a plain hit
        (not kept, the generation to be read again, the budget spent, Redis): the request then goes
        through the ASGI stack, this layer first, which does what it always does.

        Side-effect free until it answers: :meth:`GenerationWatch.young` rather than ``fresh``
        (whose recheck claim belongs to the request that will read the generation).
        """
        started = time.perf_counter()
        kept = self.kept.get(self.key_of(scope, request, body))
        watch = self.generation
        if (
            kept is None
            or kept.day != self._today()
            or not watch.young(kept.generation)
            or watch.marks() != watch.seen
        ):
            return None
        rate = self._charge(request, kept.cost)
        if rate is None:
            return None  # the budget is spent: the stack answers the 429
        request_id = self._request_id(request)
        status, body, _, lines = _variant(request, kept)
        tail = [lines, _lines(rate)]
        if request.origin:
            tail.append(self.cors_lines)
        tail.append(b"x-request-id: " + request_id + b"\r\n")
        self._observe(scope, status, len(body), kept.cost, request_id, started)
        return status, b"".join(tail), body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled:
            await self.app(scope, receive, send)
            return
        request = self.candidate(scope)
        if request is None:
            await self.app(scope, receive, send)
            return
        graphql = scope["path"] == "/graphql"
        body = b""
        if scope["method"] == "POST":
            body, disconnected = await _read_body(receive)
            if disconnected:
                return
        key = self.key_of(scope, request, body)
        started = time.perf_counter()
        day = self._today()
        watch = self.generation
        kept = self.kept.get(key)
        if watch.redis is not None and kept is not None and kept.day == day and watch.young(kept.generation):
            # With Redis, a likely hit is vouched for and charged in one worker-thread call: each
            # call there costs a thread hand-off (~0.04 ms of CPU), more than the hit itself.
            marks, charge = await asyncio.to_thread(
                self._vouch_here, watch.seen, self._address(request), kept.cost
            )
            if charge is not _NOT_CHARGED:
                rate = [] if charge is _FREE else _headers_of(cast("Charge | None", charge))
                if rate is not None:
                    await self._answer(scope, send, request, kept, rate, started)
                    return
                # The budget is spent: the stack answers the 429.
                await self._miss(scope, receive, send, request, body, key, watch.generation, day, graphql)
                return
        else:
            marks = watch.marks() if watch.redis is None else await watch.read_marks()
        # Not fresh: the request goes down the stack, which reads the generation in its own
        # transaction (and answers from the response cache if nothing changed); the watch learns it.
        generation = watch.generation if watch.fresh(marks) else None
        if kept is not None and kept.generation == generation and kept.day == day:
            charged = (
                self._charge(request, kept.cost)
                if not self.limiter.blocking
                else await self._charge_apart(request, kept.cost)
            )
            if charged is not None:
                await self._answer(scope, send, request, kept, charged, started)
                return
        await self._miss(scope, receive, send, request, body, key, generation, day, graphql)
        if generation is None:
            # The stack read the generation in its own transaction, after the marks were read:
            # the watch takes it instead of a read of its own (no statement added to a miss).
            read = scope.get("state", {}).get("publication_generation")
            if read is not None:
                watch.learned(marks, int(read))

    def _charge(self, request: _Request, cost: int) -> list[tuple[bytes, bytes]] | None:
        """The rate headers of a charged hit; None if the budget is spent (the stack answers 429)."""
        if not self.settings.rate_limits_enabled:
            return []
        return _headers_of(self.limiter.charge(self._address(request), cost))

    async def _charge_apart(self, request: _Request, cost: int) -> list[tuple[bytes, bytes]] | None:
        """:meth:`_charge` with the budget in Redis: its synchronous client runs in a worker thread,
        so a slow or hung Redis never holds the event loop."""
        if not self.settings.rate_limits_enabled:
            return []
        return _headers_of(await asyncio.to_thread(self.limiter.charge, self._address(request), cost))

    def _vouch_here(
        self, seen: tuple[int, bytes | None] | None, address: str, cost: int
    ) -> tuple[tuple[int, bytes | None] | None, object]:
        """In a worker thread: the marks now and, if they are still ``seen``, the hit's charge
        (:data:`_FREE` with limits off); else :data:`_NOT_CHARGED`."""
        marks = self.generation.read_marks_here()
        if marks is None or marks != seen:
            return marks, _NOT_CHARGED
        if not self.settings.rate_limits_enabled:
            return marks, _FREE
        return marks, self.limiter.charge(address, cost)

    def _address(self, request: _Request) -> str:
        forwarded = request.forwarded.decode("latin-1") if request.forwarded is not None else None
        return address_of(request.client, forwarded, self.limiter.trusted)

    def _request_id(self, request: _Request) -> bytes:
        given = request.request_id
        if given is not None and SANE_ID.fullmatch(given.decode("latin-1")):
            return given
        # Unique without a random draw per request: this process's random prefix and a count.
        return b"%s%012x" % (self.id_prefix, next(self.id_numbers))

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        request: _Request,
        kept: Kept,
        rate: list[tuple[bytes, bytes]],
        started: float,
    ) -> None:
        request_id = self._request_id(request)
        status, body, kept_headers, _ = _variant(request, kept)
        headers = [*kept_headers, *rate]
        if request.origin:
            headers += self.cors_headers
        headers.append((b"x-request-id", request_id))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self._observe(scope, status, len(body), kept.cost, request_id, started)

    def _observe(
        self, scope: Scope, status: int, size: int, cost: int, request_id: bytes, started: float
    ) -> None:
        """What Observe does for the stack's answers, for a hit: metrics and the access log line."""
        elapsed = time.perf_counter() - started
        label = self.routes.get(scope["path"])
        if label is None:
            if len(self.routes) > 10_000:  # pages by id: keep the lookup table bounded
                self.routes.clear()
            label = self.routes[scope["path"]] = route_label(scope["path"])
        self.tally.add(label, scope["method"], _STATUS[status], elapsed, cost)
        write_access_line(scope, request_id.decode("latin-1"), status, elapsed, size, cost, hit=True)

    async def _miss(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request: _Request,
        body: bytes,
        key: bytes,
        generation: int | None,
        day: str,
        graphql: bool,
    ) -> None:
        """Run the stack with the plain answer asked for, keep it if it may be kept, answer.

        The answer is kept under the generation known before the stack ran, else the one the
        stack read before it read anything else: either is at most the generation of the data
        the answer shows, so it is never served after that data changed.
        """
        scope.setdefault("state", {})  # shared with the copy: the stack writes what it read there
        scope = dict(scope)
        scope["headers"] = [
            (name, value)
            for name, value in scope["headers"]
            if name != b"accept-encoding" and name != b"if-none-match"
        ]
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed and scope["method"] == "POST":
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        if start is None:
            return
        answer = b"".join(chunks)
        status: int = start["status"]
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        kept_headers = [(n, v) for n, v in headers if n.lower() not in PER_REQUEST]
        own = [(n, v) for n, v in headers if n.lower() in PER_REQUEST and n.lower() not in _REBUILT]
        names = {n.lower(): v for n, v in headers}
        cacheable = (
            status == 200
            and b"set-cookie" not in names
            and len(answer) <= self.max_entry
            and (
                (
                    graphql
                    and names.get(b"cache-control", b"").startswith(b"public")
                    and b'"errors":' not in answer
                )
                or (
                    not graphql
                    and names.get(b"content-type", b"").startswith(b"text/html")
                    and b"cache-control" not in names
                )
            )
        )
        if status == 200 and not graphql and cacheable:
            kept_headers.append((b"cache-control", b"public, no-cache"))
        etag = names.get(b"etag")
        if cacheable and etag is None:
            etag = b'"' + hashlib.blake2b(answer, digest_size=16).hexdigest().encode() + b'"'
            kept_headers.append((b"etag", etag))
        vary = b"Authorization, Accept-Encoding, Origin" if graphql else b"Cookie, Accept-Encoding, Origin"
        if generation is None:
            read = scope.get("state", {}).get("publication_generation")
            generation = int(read) if read is not None else None
            cacheable = cacheable and generation is not None
        if status == 200 and etag is not None:
            cost = int(scope.get("state", {}).get("query_cost") or 1)
            kept = Kept(answer, [*kept_headers, (b"vary", vary)], etag, cost, generation or 0, day)
            if cacheable:
                self.kept[key] = kept
            await self._send_again(send, request, kept, own)
            return
        # Not an answer to keep (a refusal, an error, a mutation): sent as the stack made it,
        # compressed as the GZip middleware would have.
        if request.accepts_gzip and len(answer) >= GZIP_MIN and b"content-encoding" not in names:
            answer = gzip.compress(answer, 6, mtime=0)
            headers = [(n, v) for n, v in headers if n.lower() != b"content-length"]
            headers += [(b"content-encoding", b"gzip"), (b"content-length", str(len(answer)).encode())]
            if b"vary" not in names:
                headers.append((b"vary", b"Accept-Encoding"))
            else:
                headers = [(n, v + b", Accept-Encoding" if n.lower() == b"vary" else v) for n, v in headers]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    async def _send_again(
        self, send: Send, request: _Request, kept: Kept, own: list[tuple[bytes, bytes]]
    ) -> None:
        """The stack's 200, with the kept answer's headers and body choice (304, gzip)."""
        headers = [*kept.headers, *own]
        if _etag_matches(request.if_none_match, kept.etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = kept.body
        if request.accepts_gzip and kept.gzipped is not None:
            body = kept.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


# What _vouch_here tells of its charge besides a Charge (or None: the store failed).
_NOT_CHARGED = object()
_FREE = object()


def _headers_of(charge: Charge | None) -> list[tuple[bytes, bytes]] | None:
    """The rate headers of a hit's charge; None if the budget is spent (the stack answers 429)."""
    if charge is None:
        return []  # the budget store failed: fail open, as the stack does
    return charge.headers if charge.allowed else None


_STATUS = {200: "200", 304: "304"}
# Per-request headers the layer writes itself when it answers a miss (the rest it passes on).
_REBUILT = frozenset({b"content-length", b"content-encoding", b"vary"})


def _first_instant_of(day: Any, near: datetime) -> datetime:
    """Midnight in China (UTC+8 all year) starting ``day``, in ``near``'s time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ).astimezone(near.tzinfo)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole request body, and whether the client went away while it was read."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


_bumpers: dict[tuple[str, str], Callable[[str], None]] = {}


def redis_generation_bump(settings: Settings) -> Callable[[str], None]:
    """The after-commit listener that moves the Redis counter :class:`GenerationWatch` reads.

    Registered once per (Redis URL, prefix) in every process that serves or writes (the app, the
    CLI) when REDIS_URL is set. A failure is logged; readers then see the change at their next
    periodic database read (``generation_recheck_ms``) or through the host's own signal.
    """
    assert settings.redis_url
    found = _bumpers.get((settings.redis_url, settings.rate_limit_prefix))
    if found is not None:
        return found
    client = redis_client.client(settings.redis_url, settings.rate_limit_timeout_ms)
    failures = redis_client.failures()
    key = f"{settings.rate_limit_prefix}:generation"
    # Called right after the commit, before the answer goes out (so that a reader on another host
    # sees the change on the very next request): synchronous, so after a failure Redis is left
    # alone for a pause, as the rate limits do, and a hung Redis costs one timeout a pause, not
    # one a commit.
    health = BudgetHealth()

    def bump(database: str) -> None:
        if not health.available():
            return
        try:
            client.incr(key)
        except failures as exc:
            health.failed(exc)
            log.warning("generation counter in Redis not moved (%s: %s)", type(exc).__name__, exc)

    _bumpers[(settings.redis_url, settings.rate_limit_prefix)] = bump
    return bump
