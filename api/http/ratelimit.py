"""Rate limits (slowapi): per IP for anonymous callers, per token holder for the rest.

slowapi's middleware cannot see inside strawberry's ASGI app (every request fails behind a
``Route``, a ``Mount`` is silently unlimited), so the limit decorates a plain endpoint function
that then hands the request to strawberry; the principal is known before the limit is checked.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from slowapi import Limiter
from slowapi.errors import RateLimitExceeded
from starlette.requests import Request
from starlette.responses import Response

from api.error_codes import ApiErrorCode
from api.http.auth import Endpoint
from api.http.errors import graphql_error
from api.settings import Settings
from inspections.principals import Principal
from schema.versions import tested

# slowapi releases whose private header helper the 429 answer uses (pinned in pyproject.toml).
SLOWAPI_SERIES = ("0.1.10",)


def _key(request: Request) -> str:
    principal: Principal = request.state.principal
    if principal.token_id is not None:
        return principal.rate_key
    return f"ip:{request.client.host if request.client else 'unknown'}"


def rate_limiter(settings: Settings) -> Callable[[Endpoint], Endpoint]:
    """A decorator giving endpoints one shared budget per caller; a 429 carries ``Retry-After``.

    Every endpoint wrapped by the same decorator draws on the same budget (one slowapi scope), so
    a refused token, a GraphQL request and a file download all count against the same caller.
    """
    limiter = Limiter(
        key_func=_key,
        storage_uri=settings.redis_url or "memory://",
        headers_enabled=True,
        key_prefix=settings.rate_limit_prefix,
        enabled=settings.rate_limits_enabled,
    )

    def limit_for(key: str) -> str:
        return settings.token_rate_limit if key.startswith("token:") else settings.anonymous_rate_limit

    numbers = itertools.count(1)
    inject_headers = tested("slowapi", SLOWAPI_SERIES, purpose="X-RateLimit-* headers on a 429")

    def wrap(endpoint: Endpoint) -> Endpoint:
        async def call(request: Request) -> Response:
            return await endpoint(request)

        # slowapi registers limits by function name, and a name registered twice is charged twice per
        # request: every wrapped endpoint gets a name of its own (the budget is the shared scope's).
        call.__name__ = f"limited_{getattr(endpoint, '__name__', 'endpoint')}_{next(numbers)}"
        limited = limiter.shared_limit(limit_for, scope="gongshi")(call)

        async def guarded(request: Request) -> Response:
            try:
                response: Response = await limited(request)
            except RateLimitExceeded:
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
                return result
            return response

        return guarded

    return wrap
