"""Rate limits (slowapi): per IP for anonymous callers, per token holder for the rest.

They fail open: when the budget store (Redis) errs or does not answer within
``rate_limit_timeout_ms``, the request is served unlimited, the failure is logged at most once a
minute, and ``/readyz`` reports ``rateLimits: degraded``. A GraphQL request's cost beyond the
first unit is charged after it ran (``request.state.query_cost``). Answers carry the IETF
``RateLimit-Policy`` and ``RateLimit`` fields beside the ``X-RateLimit-*`` ones; ``Retry-After``
only on a 429.

slowapi's middleware cannot see inside strawberry's ASGI app (every request fails behind a
``Route``, a ``Mount`` is silently unlimited), so the limit decorates a plain endpoint function
that then hands the request to strawberry; the principal is known before the limit is checked.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

import limits
from limits.storage import Storage
from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from starlette.requests import Request
from starlette.responses import Response

from api import redis_client
from api.error_codes import ApiErrorCode
from api.http.auth import Endpoint
from api.http.errors import graphql_error
from api.settings import Settings
from api.shared_cache import STORE_PAUSE_SECONDS
from inspections.principals import Principal
from schema.versions import tested

# slowapi releases whose private header helper the 429 answer uses (pinned in pyproject.toml).
SLOWAPI_SERIES = ("0.1.10",)

log = logging.getLogger("gongshi.ratelimit")


class BudgetHealth:
    """Whether the budget store answered lately, and when a failure was last logged; after a
    failure it is not asked for a pause (api/shared_cache.py, STORE_PAUSE_SECONDS)."""

    def __init__(self, pause_seconds: float = STORE_PAUSE_SECONDS) -> None:
        self.failed_at: float | None = None
        self.logged_at = 0.0
        self.pause = pause_seconds

    def available(self) -> bool:
        """Whether to ask the store now: not within the pause after its last failure."""
        return self.failed_at is None or time.monotonic() - self.failed_at >= self.pause

    def failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self.failed_at = now
        if now - self.logged_at >= 60:
            self.logged_at = now
            log.warning("rate limits fail open: budget store unavailable (%s: %s)", type(exc).__name__, exc)

    @property
    def state(self) -> str:
        recent = self.failed_at is not None and time.monotonic() - self.failed_at < 60
        return "degraded" if recent else "ok"


class LocalBudgets(Storage):
    """The in-process budget store (``gongshi-memory://``): fixed windows in a dict, no thread.

    ``limits``' own memory storage starts a ``threading.Timer`` whenever a window may expire (a
    thread per burst of requests: ~1,400 in 2,000 cached requests); here an expired window is
    dropped when it is next read, and the whole dict is swept at most once a window.
    """

    STORAGE_SCHEME = ["gongshi-memory"]  # noqa: RUF012 - limits' registry reads the base's attribute

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self.windows: dict[str, list[float]] = {}  # key -> [count, expires at (time.time())]
        self.swept_at = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def _window(self, key: str, now: float) -> list[float] | None:
        window = self.windows.get(key)
        if window is not None and window[1] <= now:
            del self.windows[key]
            return None
        return window

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now - self.swept_at > 60:
            self.swept_at = now
            self.windows = {k: w for k, w in self.windows.items() if w[1] > now}
        window = self._window(key, now)
        if window is None:
            window = self.windows[key] = [0, now + expiry]
        window[0] += amount
        return int(window[0])

    def charge(self, key: str, expiry: float, amount: int) -> tuple[int, float]:
        """``incr`` and ``get_expiry`` in one step: (count now, when the window ends)."""
        now = time.time()
        window = self.windows.get(key)
        if window is None or window[1] <= now:
            if now - self.swept_at > 60:
                self.swept_at = now
                self.windows = {k: w for k, w in self.windows.items() if w[1] > now}
            window = self.windows[key] = [0, now + expiry]
        window[0] += amount
        return int(window[0]), window[1]

    def get(self, key: str) -> int:
        window = self._window(key, time.time())
        return int(window[0]) if window is not None else 0

    def get_expiry(self, key: str) -> float:
        window = self._window(key, time.time())
        return window[1] if window is not None else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        count = len(self.windows)
        self.windows = {}
        return count

    def clear(self, key: str) -> None:
        self.windows.pop(key, None)


def _policy(item: object) -> tuple[int, int]:
    amount = int(getattr(item, "amount", 0))
    seconds = int(item.get_expiry()) if hasattr(item, "get_expiry") else 60
    return amount, seconds


def client_address(request: Request, trusted: frozenset[str]) -> str:
    """The caller's address: the socket's, or behind a trusted proxy, X-Forwarded-For's.

    Read right to left, the first address that is not a trusted proxy is the caller (the ones
    before it were written by the caller and prove nothing).
    """
    address = request.client.host if request.client else "unknown"
    return address_of(address, request.headers.get("x-forwarded-for"), trusted)


def address_of(client: str, forwarded: str | None, trusted: frozenset[str]) -> str:
    """:func:`client_address` from the socket's address and the X-Forwarded-For header's value."""
    if client not in trusted:
        return client
    hops = [part.strip() for part in (forwarded or "").split(",") if part.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return client


def _key_func(trusted: frozenset[str]) -> Callable[[Request], str]:
    def key(request: Request) -> str:
        principal: Principal = request.state.principal
        if principal.token_id is not None:
            return principal.rate_key
        return f"ip:{client_address(request, trusted)}"

    return key


class Charge:
    """One anonymous charge's outcome, with the IETF and X-RateLimit header values."""

    __slots__ = ("allowed", "headers")

    def __init__(self, allowed: bool, headers: list[tuple[bytes, bytes]]) -> None:
        self.allowed = allowed
        self.headers = headers


class RateLimiter:
    """The endpoint decorator (``limiter(endpoint)``) and the anonymous charge of the hit layer."""

    def __init__(
        self,
        wrap: Callable[[Endpoint], Endpoint],
        charge: Callable[[str, int], Charge | None],
        trusted: frozenset[str],
        *,
        blocking: bool,
    ) -> None:
        self.wrap = wrap
        self.charge = charge
        self.trusted = trusted
        # Whether ``charge`` waits on a store over the network (Redis): callers on the event
        # loop then run it in a worker thread.
        self.blocking = blocking

    def __call__(self, endpoint: Endpoint) -> Endpoint:
        return self.wrap(endpoint)


def rate_limiter(settings: Settings, health: BudgetHealth | None = None) -> RateLimiter:
    """A decorator giving endpoints one shared budget per caller; a 429 carries ``Retry-After``.

    Every endpoint wrapped by the same decorator draws on the same budget (one slowapi scope), so
    a refused token, a GraphQL request and a file download all count against the same caller.
    """
    health = health or BudgetHealth()
    timeout = settings.rate_limit_timeout_ms / 1000
    options: Any = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    # The budget store's failures (fail open): none to catch with the in-process store.
    store_failures = redis_client.failures()[:1] if settings.redis_url else redis_client.NO_FAILURES
    trusted = frozenset(settings.trusted_proxies)
    limiter = Limiter(
        key_func=_key_func(trusted),
        storage_uri=settings.redis_url or "gongshi-memory://",
        # A hung Redis must not hold the event loop: the synchronous client gives up quickly.
        storage_options=options if settings.redis_url else {},
        headers_enabled=True,
        key_prefix=settings.rate_limit_prefix,
        enabled=settings.rate_limits_enabled,
    )

    def limit_for(key: str) -> str:
        return settings.token_rate_limit if key.startswith("token:") else settings.anonymous_rate_limit

    numbers = itertools.count(1)
    inject_headers = tested("slowapi", SLOWAPI_SERIES, purpose="X-RateLimit-* headers on a 429")

    def standard_headers(request: Request, response: Response) -> None:
        current = getattr(request.state, "view_rate_limit", None)
        if current is None:
            return
        item, identifiers = current
        cost = int(getattr(request.state, "query_cost", 1) or 1)
        if cost > 1:  # the first unit was spent on the way in
            limiter.limiter.hit(item, *identifiers, cost=cost - 1)
        reset_at, remaining = limiter.limiter.get_window_stats(item, *identifiers)
        amount, window = _policy(item)
        reset = max(0, int(reset_at - time.time()) + 1)
        response.headers["RateLimit-Policy"] = f'"default";q={amount};w={window}'
        response.headers["RateLimit"] = f'"default";r={max(0, remaining)};t={reset}'
        # slowapi wrote these before the cost past the first unit was charged, and its reset as a
        # float: the same figures as the fields above, as the hit layer sends them.
        response.headers["X-RateLimit-Limit"] = str(amount)
        response.headers["X-RateLimit-Remaining"] = str(max(0, remaining))
        response.headers["X-RateLimit-Reset"] = str(int(reset_at))
        if response.status_code != 429 and "Retry-After" in response.headers:
            del response.headers["Retry-After"]

    def refusal(request: Request) -> Response:
        """The 429 of a spent budget, with ``Retry-After`` and the rate headers."""
        current = request.state.view_rate_limit
        reset_at, _remaining = limiter.limiter.get_window_stats(current[0], *current[1])
        retry_after = max(1, int(reset_at - time.time()) + 1)
        refused = graphql_error(
            429,
            f"请求过于频繁，请在{retry_after}秒后重试（限额：{current[0]}）",
            ApiErrorCode.RATE_LIMITED,
            retryAfter=retry_after,
        )
        if not inject_headers:
            refused.headers["Retry-After"] = str(retry_after)
            return refused
        # slowapi's private helper writes the X-RateLimit-* headers exactly as on a 200.
        result: Response = limiter._inject_headers(refused, current)
        standard_headers(request, result)
        return result

    def rate_headers(request: Request, response: Response) -> None:
        """What slowapi's decorator adds to an answer (X-RateLimit-*), then the standard fields."""
        limiter._inject_headers(response, request.state.view_rate_limit)
        standard_headers(request, response)

    # With Redis, the checks leave the event loop (guarded_apart); through slowapi's private
    # helpers, so only on the release they were read on (else the decorator, on the loop).
    apart = bool(settings.redis_url) and inject_headers

    def wrap(endpoint: Endpoint) -> Endpoint:
        async def call(request: Request) -> Response:
            request.state.rate_checked = True
            return await endpoint(request)

        # slowapi registers limits by function name, and a name registered twice is charged twice per
        # request: every wrapped endpoint gets a name of its own (the budget is the shared scope's).
        call.__name__ = f"limited_{getattr(endpoint, '__name__', 'endpoint')}_{next(numbers)}"
        limited = limiter.shared_limit(limit_for, scope="gongshi")(call)

        async def guarded(request: Request) -> Response:
            if not settings.rate_limits_enabled or not health.available():
                return await endpoint(request)  # off, or failing open during the store's pause
            if apart:
                return await guarded_apart(request)
            principal: Principal = request.state.principal
            if principal.token_id is None and not settings.redis_url:
                return await anonymous(request)
            return await through_slowapi(request)

        async def anonymous(request: Request) -> Response:
            # The anonymous budget in process charged directly, as the hit layer charges it (the
            # same key and store, the same headers): slowapi's wrapper cost an uncached request
            # ~0.2 ms of CPU (its signature inspection, limit evaluation and header injection;
            # BENCHMARKS.md, "The uncached page, third pass"). A refusal goes through slowapi,
            # which answers the 429 as it always has. With Redis, guarded_apart keeps its calls
            # off the event loop.
            address = client_address(request, trusted)
            charged = charge(address, 1)
            if charged is None:
                return await endpoint(request)  # the store failed: fail open
            if not charged.allowed:
                return await through_slowapi(request)
            response = await endpoint(request)
            cost = int(getattr(request.state, "query_cost", 1) or 1)
            if cost > 1:  # the first unit was spent on the way in
                charged = charge(address, cost - 1) or charged
            for name, value in charged.headers:
                response.headers[name.decode()] = value.decode()
            return response

        async def through_slowapi(request: Request) -> Response:
            request.state.rate_checked = False
            try:
                response: Response = await limited(request)
            except store_failures as exc:
                if request.state.rate_checked:
                    raise  # the endpoint's own error, not the budget store's
                health.failed(exc)
                return await endpoint(request)
            except RateLimitExceeded:
                return refusal(request)
            try:
                standard_headers(request, response)
            except store_failures as exc:
                health.failed(exc)
            return response

        async def guarded_apart(request: Request) -> Response:
            """``guarded`` with the budget in Redis, whose client is synchronous: slowapi's check
            and the rate headers (the same calls its decorator makes, through the private helpers
            of the pinned release) run in a worker thread, so a slow or hung Redis holds that
            thread and never the event loop."""
            try:
                await asyncio.to_thread(limiter._check_request_limit, request, call, False)
            except store_failures as exc:
                health.failed(exc)
                return await endpoint(request)
            except RateLimitExceeded:
                try:
                    return await asyncio.to_thread(refusal, request)
                except store_failures as exc:
                    health.failed(exc)
                    return await endpoint(request)
            response: Response = await endpoint(request)
            try:
                await asyncio.to_thread(rate_headers, request, response)
            except store_failures as exc:
                health.failed(exc)
            return response

        return guarded

    anonymous_item = limits.parse(settings.anonymous_rate_limit)
    amount, window = _policy(anonymous_item)
    policy = f'"default";q={amount};w={window}'.encode()
    limit_text = str(amount).encode()
    strategy = limiter.limiter
    prefix = [settings.rate_limit_prefix] if settings.rate_limit_prefix else []

    local = strategy.storage if isinstance(strategy.storage, LocalBudgets) else None
    if local is not None and not isinstance(strategy, limits.strategies.FixedWindowRateLimiter):
        local = None  # the direct charge below is the fixed window's arithmetic
    keys: dict[str, str] = {}  # address -> storage key (limits builds it with several joins)
    expiry = anonymous_item.get_expiry()

    def charge(address: str, cost: int) -> Charge | None:
        """Charge ``cost`` units to the anonymous caller at ``address``, as a request through
        :func:`wrap` would be (the same budget); None if the budget store failed (fail open)."""
        key = keys.get(address)
        if key is None:
            if len(keys) > 100_000:
                keys.clear()
            key = keys[address] = anonymous_item.key_for(*prefix, f"ip:{address}", "gongshi")
        if local is not None:
            count, reset_at = local.charge(key, expiry, cost)
            allowed, remaining = count <= amount, amount - count
        elif not health.available():
            return None
        else:
            identifiers = (*prefix, f"ip:{address}", "gongshi")
            try:
                allowed = strategy.hit(anonymous_item, *identifiers, cost=cost)
                reset_at, remaining = strategy.get_window_stats(anonymous_item, *identifiers)
            except store_failures as exc:
                health.failed(exc)
                return None
        reset = max(0, int(reset_at - time.time()) + 1)
        left = max(0, remaining)
        return Charge(
            allowed,
            [
                (b"x-ratelimit-limit", limit_text),
                (b"x-ratelimit-remaining", str(left).encode()),
                (b"x-ratelimit-reset", str(int(reset_at)).encode()),
                (b"ratelimit-policy", policy),
                (b"ratelimit", f'"default";r={left};t={reset}'.encode()),
            ],
        )

    return RateLimiter(wrap, charge, trusted, blocking=bool(settings.redis_url))
